from django.urls import include, path

from pat_portal.pages import navigation, service_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("tableau-de-bord/", views.dashboard_page, name="dashboard"),
    path("a-faire/nombre/", navigation.todo_count_view, name="todo_count"),
    path("communes/<str:insee_code>/point-d-etape/", views.commune_status_page, name="commune_status"),
    path("communes/<str:insee_code>/point-d-etape/pdf/", views.commune_status_pdf, name="commune_status_pdf"),
    path("communes/<str:insee_code>/relance/", views.commune_reminder, name="commune_reminder"),
    path("sante/", views.health, name="health"),
    path("courriels-en-echec/", service_views.failed_mails, name="failed_mails"),
    path("courriels-en-echec/<uuid:pk>/renvoyer/", service_views.resend_failed_mail, name="resend_failed_mail"),
    path("bilan/", views.programme_report_page, name="programme_report"),
    path("bilan/pdf/", views.programme_report_pdf, name="programme_report_pdf"),
    path("bilan/editions/<int:pk>/pdf/", views.programme_report_edition_pdf, name="programme_report_edition_pdf"),
    path("recherche/", views.search_view, name="search"),
    path("communes/", views.CommuneOverviewView.as_view(), name="overview"),
    path("agenda/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("exports/", include("pat_portal.pages.export_urls")),
]
