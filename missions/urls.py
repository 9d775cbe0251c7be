from django.urls import path

from .views import accompaniments, diagnostics, meetings

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
    path("communes/<str:insee_code>/diagnostic/pdf/", diagnostics.diagnostic_pdf, name="diagnostic_pdf"),
    path(
        "communes/<str:insee_code>/diagnostic/historique/", diagnostics.diagnostic_history, name="diagnostic_history"
    ),
]
