from django.urls import path

from pat_portal.pages import export_views

app_name = "exports"

urlpatterns = [
    path("communes.<str:fmt>", export_views.communes, name="communes"),
    path("actions.<str:fmt>", export_views.actions, name="actions"),
    path("reunions.<str:fmt>", export_views.meetings, name="meetings"),
    path("contacts.<str:fmt>", export_views.contacts, name="contacts"),
    path("demandes.<str:fmt>", export_views.support_requests, name="support_requests"),
]
