from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from missions.programme.models import Programme


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "contract_reference", "contractor", "start_date", "end_date"]
    fieldsets = [
        ("Marché", {"fields": ["name", "contract_reference", "buyer", "contractor", "start_date", "end_date"]}),
        (
            "Mission 1 : projets alimentaires communaux",
            {
                "fields": [
                    "target_new_communes",
                    "target_new_communes_first_count",
                    "new_communes_deadline",
                    "target_continuing_communes",
                    "target_specific_actions_min",
                    "target_specific_actions_max",
                    "small_commune_population",
                ]
            },
        ),
        ("Mission 2 : ateliers de partage", {"fields": ["target_workshops_min", "target_workshops_max"]}),
        ("Mission 3 : projets locaux", {"fields": ["target_local_projects_min", "target_local_projects_max"]}),
        (
            "Pilotage : retards, relances",
            {
                "fields": [
                    "validation_due_days",
                    "minutes_due_days",
                    "silent_commune_days",
                    "reminder_interval_days",
                    "timesheet_weeks_checked",
                ]
            },
        ),
    ]
