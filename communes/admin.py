from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from communes.models import Commune, Contact
from core.concurrency import VersionedAdminMixin


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "population", "postcodes"]
    search_fields = ["name", "insee_code", "postcodes"]


@admin.register(Contact)
class ContactAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "organisation", "category", "commune", "consent_to_share"]
    list_filter = ["category", "consent_to_share", "commune"]
    search_fields = ["last_name", "first_name", "organisation", "email"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]

    def has_change_permission(self, request, obj=None):
        """An anonymised contact is read-only here too: erasure is final."""
        if obj is not None and obj.anonymised_at:
            return False
        return super().has_change_permission(request, obj)
