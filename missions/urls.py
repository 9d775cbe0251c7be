from django.urls import path

from missions.mission1.views import accompaniments, action_plans, diagnostics, imports, meetings, portrait, share
from missions.money.views import orders as order_views
from missions.money.views import time as time_views
from missions.support.views import follow_up as support_follow_up
from missions.support.views import intake as support_intake
from missions.support.views import lists as support_lists
from missions.support.views import request_pages as support_pages
from missions.support.views import status_changes as support_status

app_name = "missions"

urlpatterns = [
    # Mission 1: accompaniments, meetings, diagnostics
    path("accompagnements/nouveau/", accompaniments.accompaniment_create, name="accompaniment_create"),
    path("accompagnements/<int:pk>/modifier/", accompaniments.accompaniment_update, name="accompaniment_update"),
    path("reunions/", meetings.MeetingListView.as_view(), name="meeting_list"),
    path("reunions/nouvelle/", meetings.meeting_create, name="meeting_create"),
    path("reunions/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", meetings.meeting_update, name="meeting_update"),
    path("communes/<str:insee_code>/diagnostic/", diagnostics.diagnostic_detail, name="diagnostic"),
    path("communes/<str:insee_code>/diagnostic/modifier/", diagnostics.diagnostic_update, name="diagnostic_update"),
    path("communes/<str:insee_code>/diagnostic/chiffres/", portrait.diagnostic_figures, name="diagnostic_figures"),
    path("communes/<str:insee_code>/diagnostic/pdf/", diagnostics.diagnostic_pdf, name="diagnostic_pdf"),
    path(
        "communes/<str:insee_code>/diagnostic/pdf/document-de-travail/",
        diagnostics.diagnostic_draft_pdf,
        name="diagnostic_draft_pdf",
    ),
    path(
        "communes/<str:insee_code>/diagnostic/affiche/",
        diagnostics.diagnostic_poster_pdf,
        name="diagnostic_poster_pdf",
    ),
    path(
        "communes/<str:insee_code>/diagnostic/historique/", diagnostics.diagnostic_history, name="diagnostic_history"
    ),
    # Mission 1: action plans (issue 4)
    path("communes/<str:insee_code>/plan-d-actions/", action_plans.action_plan_detail, name="action_plan"),
    path(
        "communes/<str:insee_code>/plan-d-actions/modifier/",
        action_plans.action_plan_update,
        name="action_plan_update",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/calendrier/",
        action_plans.action_plan_calendar,
        name="action_plan_calendar",
    ),
    path("communes/<str:insee_code>/plan-d-actions/pdf/", action_plans.action_plan_pdf, name="action_plan_pdf"),
    path(
        "communes/<str:insee_code>/plan-d-actions/pdf/document-de-travail/",
        action_plans.action_plan_draft_pdf,
        name="action_plan_draft_pdf",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/historique/",
        action_plans.action_plan_history,
        name="action_plan_history",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/approuver/",
        action_plans.action_plan_approve,
        name="action_plan_approve",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/deliberation/",
        action_plans.action_plan_deliberation,
        name="action_plan_deliberation",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/actions/nouvelle/",
        action_plans.action_create,
        name="action_create",
    ),
    path(
        "communes/<str:insee_code>/plan-d-actions/depuis-piste/<int:lead_pk>/",
        action_plans.action_from_lead,
        name="action_from_lead",
    ),
    # Mission 1: imports, exports in the import template, share links (issue 20)
    path("plan-d-actions/modele.<str:fmt>", imports.action_plan_template, name="action_plan_template"),
    path(
        "communes/<str:insee_code>/plan-d-actions/export.<str:fmt>",
        imports.action_plan_export,
        name="action_plan_export",
    ),
    path("communes/<str:insee_code>/plan-d-actions/import/", imports.action_plan_import, name="action_plan_import"),
    path(
        "communes/<str:insee_code>/plan-d-actions/import/confirmer/",
        imports.action_plan_import_confirm,
        name="action_plan_import_confirm",
    ),
    path("diagnostic/modele.<str:fmt>", imports.diagnostic_template, name="diagnostic_template"),
    path("communes/<str:insee_code>/diagnostic/export.<str:fmt>", imports.diagnostic_export, name="diagnostic_export"),
    path("communes/<str:insee_code>/diagnostic/import/", imports.diagnostic_import, name="diagnostic_import"),
    path(
        "communes/<str:insee_code>/diagnostic/import/confirmer/",
        imports.diagnostic_import_confirm,
        name="diagnostic_import_confirm",
    ),
    path("communes/<str:insee_code>/plan-d-actions/partage/", share.share_link_create, name="share_link_create"),
    path(
        "communes/<str:insee_code>/plan-d-actions/partage/desactiver/",
        share.share_link_revoke,
        name="share_link_revoke",
    ),
    path("partage/plan/<str:token>/", share.shared_plan, name="shared_plan"),
    path("actions/", action_plans.ActionListView.as_view(), name="action_list"),
    path("actions/<int:pk>/", action_plans.action_detail, name="action_detail"),
    path("actions/<int:pk>/modifier/", action_plans.action_update, name="action_update"),
    path("actions/<int:pk>/deplacer/<str:direction>/", action_plans.action_move, name="action_move"),
    path("actions/<int:pk>/points/", action_plans.action_add_note, name="action_add_note"),
    path("actions/<int:action_pk>/indicateurs/nouveau/", action_plans.indicator_edit, name="indicator_create"),
    path("actions/<int:action_pk>/indicateurs/<int:pk>/", action_plans.indicator_edit, name="indicator_update"),
    # Order forms, budget and time (issue 7)
    path("bons-de-commande/", order_views.OrderFormListView.as_view(), name="order_form_list"),
    path("bons-de-commande/budget/", order_views.budget, name="order_form_budget"),
    path("bons-de-commande/export.<str:fmt>", order_views.order_form_export, name="order_form_export"),
    path("bons-de-commande/lignes/export.<str:fmt>", order_views.order_line_export, name="order_line_export"),
    path("bons-de-commande/<int:pk>/", order_views.order_form_detail, name="order_form_detail"),
    path("bons-de-commande/<int:pk>/pdf/", order_views.order_form_pdf, name="order_form_pdf"),
    path("bons-de-commande/<int:pk>/bon-signe/", order_views.order_form_scan, name="order_form_scan"),
    path("temps/", time_views.TimeEntryListView.as_view(), name="time_list"),
    path("temps/nouveau/", time_views.time_entry_create, name="time_create"),
    path("temps/semaine/", time_views.time_week, name="time_week"),
    path("temps/export.<str:fmt>", time_views.time_export, name="time_export"),
    path("temps/<int:pk>/modifier/", time_views.time_entry_update, name="time_update"),
    path("temps/<int:pk>/supprimer/", time_views.time_entry_delete, name="time_delete"),
    path("temps/mois/<int:year>-<int:month>/verrouiller/", time_views.time_month_lock, name="time_month_lock"),
    path("temps/mois/<int:year>-<int:month>/deverrouiller/", time_views.time_month_unlock, name="time_month_unlock"),
    # Mission 3: support requests (issue 6)
    path("demandes/", support_lists.request_list, name="support_list"),
    path("demandes/nouvelle/", support_intake.public_create, name="support_public_create"),
    path("demandes/nouvelle/merci/", support_intake.public_done, name="support_public_done"),
    path("demandes/ma-commune/nouvelle/", support_intake.elu_create, name="support_elu_create"),
    path("demandes/saisir/", support_intake.team_create, name="support_team_create"),
    path("demandes/<int:pk>/", support_pages.request_detail, name="support_detail"),
    path("demandes/<int:pk>/modifier/", support_pages.request_update, name="support_update"),
    path("demandes/<int:pk>/historique/", support_pages.request_history, name="support_history"),
    path("demandes/<int:pk>/pdf/", support_pages.request_pdf, name="support_pdf"),
    path("demandes/<int:pk>/pdf/document-de-travail/", support_pages.request_draft_pdf, name="support_draft_pdf"),
    path("demandes/<int:pk>/instruire/", support_status.request_start_review, name="support_start_review"),
    path("demandes/<int:pk>/decision/", support_status.request_decide, name="support_decide"),
    path("demandes/<int:pk>/demarrer/", support_status.request_start_follow_up, name="support_start_follow_up"),
    path("demandes/<int:pk>/terminer/", support_status.request_complete, name="support_complete"),
    path("demandes/<int:pk>/abandonner/", support_status.request_abandon, name="support_abandon"),
    path("demandes/<int:pk>/plan-de-financement/", support_follow_up.financing_update, name="support_financing"),
    path("demandes/<int:pk>/evaluation/", support_follow_up.evaluation_update, name="support_evaluation"),
    path("demandes/<int:pk>/etapes/<int:step_pk>/", support_follow_up.step_update, name="support_step_update"),
    path(
        "demandes/<int:pk>/etapes/<int:step_pk>/documents/",
        support_follow_up.step_document_add,
        name="support_step_document_add",
    ),
    path(
        "demandes/<int:pk>/documents/<int:document_pk>/",
        support_follow_up.step_document_download,
        name="support_document",
    ),
    path("demandes/<int:pk>/reunions/", support_follow_up.meeting_link, name="support_meeting_link"),
    path(
        "demandes/<int:pk>/reunions/<int:meeting_pk>/retirer/",
        support_follow_up.meeting_unlink,
        name="support_meeting_unlink",
    ),
]
