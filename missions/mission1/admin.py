from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import VersionedAdminMixin
from missions.mission1.models.accompaniments import Accompaniment


@admin.register(Accompaniment)
class AccompanimentAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["commune", "programme", "cohort", "phase", "lead_consultant", "started_on"]
    list_filter = ["cohort", "phase", "programme"]
    search_fields = ["commune__name", "commune__insee_code"]
    list_select_related = ["commune", "programme", "lead_consultant"]
    autocomplete_fields = ["commune", "elected_referent"]
