from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Accompaniment, Programme


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
    ]


@admin.register(Accompaniment)
class AccompanimentAdmin(SimpleHistoryAdmin):
    list_display = ["commune", "programme", "cohort", "phase", "lead_consultant", "started_on"]
    list_filter = ["cohort", "phase", "programme"]
    search_fields = ["commune__name", "commune__insee_code"]
    list_select_related = ["commune", "programme", "lead_consultant"]
    autocomplete_fields = ["commune", "elected_referent"]


# Admin modules of other areas register themselves on import (one line each).
from . import admin_orders, admin_support  # noqa: E402, F401
