from django.urls import include, path

from pat_portal.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("bilan/pdf/", views.programme_report_pdf, name="programme_report_pdf"),
    path("recherche/", views.search_view, name="search"),
    path("communes/", views.CommuneOverviewView.as_view(), name="overview"),
    path("agenda/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("exports/", include("pat_portal.pages.export_urls")),
]
