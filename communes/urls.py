from django.urls import path

from communes import contact_import_views, people_views, views
from communes.portrait import views as portrait_views

app_name = "communes"

urlpatterns = [
    path("communes/<str:insee_code>/", views.commune_detail, name="detail"),
    path("communes/<str:insee_code>/portrait/relire/", portrait_views.portrait_refresh, name="portrait_refresh"),
    path(
        "communes/<str:insee_code>/portrait/acteur-vers-annuaire/",
        portrait_views.candidate_to_contact,
        name="portrait_candidate_to_contact",
    ),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/nouveau/", views.contact_create, name="contact_create"),
    path("contacts/import/", contact_import_views.contact_import, name="contact_import"),
    path("contacts/import/confirmer/", contact_import_views.contact_import_confirm, name="contact_import_confirm"),
    path("contacts/modele.<str:fmt>", contact_import_views.contact_template, name="contact_template"),
    path("contacts/nouvelle-personne/", views.contact_quick_create, name="contact_quick_create"),
    path("contacts/recherche/", views.contact_search, name="contact_search"),
    path("contacts/<int:pk>/modifier/", views.contact_update, name="contact_update"),
    path("contacts/<int:pk>/donnees/", views.contact_personal_data, name="contact_personal_data"),
    path("contacts/<int:pk>/anonymiser/", views.contact_anonymise, name="contact_anonymise"),
    path("personnes/", people_views.people_list, name="people_list"),
    path("personnes/<int:pk>/", people_views.person_edit, name="person_edit"),
    path("personnes/invitations/", people_views.invitation_list, name="invitation_list"),
    path("personnes/invitations/nouvelle/", people_views.invitation_create, name="invitation_create"),
    path("personnes/invitations/liste/", people_views.invitation_bulk, name="invitation_bulk"),
    path("personnes/invitations/<int:pk>/renvoyer/", people_views.invitation_resend, name="invitation_resend"),
    path("personnes/invitations/<int:pk>/revoquer/", people_views.invitation_revoke, name="invitation_revoke"),
]
