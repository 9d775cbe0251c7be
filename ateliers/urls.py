from django.urls import path, register_converter

from ateliers.views import documents, registrations, themes, workshops

app_name = "ateliers"


class ExportFormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "export_format")

urlpatterns = [
    path("ateliers/", workshops.WorkshopListView.as_view(), name="list"),
    path("ateliers/agenda.ics", documents.agenda_ics, name="agenda"),
    path("ateliers/nouveau/", workshops.workshop_create, name="create"),
    path("ateliers/<int:pk>/", workshops.workshop_detail, name="detail"),
    path("ateliers/<int:pk>/modifier/", workshops.workshop_update, name="update"),
    path("ateliers/<int:pk>/tenu/", workshops.workshop_mark_held, name="mark_held"),
    path("ateliers/<int:pk>/annuler/", workshops.workshop_cancel, name="cancel"),
    path("ateliers/<int:pk>/historique/", workshops.workshop_history, name="history"),
    path("ateliers/<int:pk>/compte-rendu/", workshops.workshop_report, name="report"),
    path("ateliers/<int:pk>/compte-rendu/modifier/", workshops.workshop_report_update, name="report_update"),
    path("ateliers/<int:pk>/compte-rendu/pdf/", documents.report_pdf, name="report_pdf"),
    path(
        "ateliers/<int:pk>/compte-rendu/pdf/document-de-travail/", documents.report_draft_pdf, name="report_draft_pdf"
    ),
    path("ateliers/<int:pk>/emargement/", registrations.attendance, name="attendance"),
    path("ateliers/<int:pk>/emargement/pdf/", documents.attendance_sheet_pdf, name="attendance_pdf"),
    path(
        "ateliers/<int:pk>/emargement/pdf/document-de-travail/",
        documents.attendance_sheet_draft_pdf,
        name="attendance_draft_pdf",
    ),
    path("ateliers/<int:pk>/contacts.<export_format:fmt>", documents.contacts_export, name="contacts_export"),
    path("ateliers/<int:pk>/inscriptions/nouvelle/", registrations.registration_create, name="registration_create"),
    path("ateliers/<int:pk>/inscriptions/plusieurs/", registrations.registration_bulk, name="registration_bulk"),
    path(
        "ateliers/<int:pk>/inscriptions/nouvelle-personne/",
        registrations.registration_new_person,
        name="registration_new_person",
    ),
    path(
        "ateliers/<int:pk>/inscriptions/<int:registration_pk>/",
        registrations.registration_detail,
        name="registration_detail",
    ),
    path(
        "ateliers/<int:pk>/inscriptions/<int:registration_pk>/consentement/",
        registrations.registration_consent,
        name="registration_consent",
    ),
    path(
        "ateliers/<int:pk>/inscriptions/<int:registration_pk>/demande-de-consentement/",
        registrations.registration_consent_request,
        name="registration_consent_request",
    ),
    path("ateliers/consentement/<str:token>/", registrations.consent_confirm, name="consent_confirm"),
    path(
        "ateliers/<int:pk>/inscriptions/<int:registration_pk>/retrait/",
        registrations.registration_withdraw,
        name="registration_withdraw",
    ),
    path(
        "ateliers/<int:pk>/inscriptions/<int:registration_pk>/supprimer/",
        registrations.registration_cancel,
        name="registration_cancel",
    ),
    path("ateliers/<int:pk>/ressources/nouvelle/", documents.resource_create, name="resource_create"),
    path("ateliers/<int:pk>/ressources/<int:resource_pk>/", documents.resource_download, name="resource_download"),
    path(
        "ateliers/<int:pk>/ressources/<int:resource_pk>/supprimer/",
        documents.resource_delete,
        name="resource_delete",
    ),
    path("ateliers/themes/", themes.ThemeListView.as_view(), name="theme_list"),
    path("ateliers/themes/nouveau/", themes.theme_create, name="theme_create"),
    path("ateliers/themes/<int:pk>/", themes.theme_detail, name="theme_detail"),
    path("ateliers/themes/<int:pk>/modifier/", themes.theme_update, name="theme_update"),
    path("ateliers/themes/<int:pk>/examen/", themes.theme_review, name="theme_review"),
    path("ateliers/themes/<int:pk>/historique/", themes.theme_history, name="theme_history"),
]
