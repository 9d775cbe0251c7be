from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ateliers.models import LogisticsCost, Registration, Resource, Testimony, Theme, Workshop, WorkshopReport
from core.admin_inlines import AccessibleTabularInline
from core.concurrency import VersionedAdminMixin


@admin.register(Theme)
class ThemeAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "action_theme", "status", "proposed_by", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "action_theme"]
    search_fields = ["title", "description"]
    list_select_related = ["proposed_by", "reviewed_by"]
    filter_horizontal = ["actions"]
    readonly_fields = ["proposed_at", "reviewed_at"]


class TestimonyInline(AccessibleTabularInline):
    model = Testimony
    extra = 0


class LogisticsCostInline(AccessibleTabularInline):
    model = LogisticsCost
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "programme", "theme", "starts_at", "status"]
    list_filter = ["status", "format", "programme"]
    search_fields = ["title", "place"]
    list_select_related = ["programme", "theme"]
    readonly_fields = ["number", "created_by", "created_at", "cancelled_at", "cancelled_by"]
    inlines = [TestimonyInline, LogisticsCostInline]

    def has_add_permission(self, request):
        # Workshops are created in the portal, which numbers them and creates their deliverables.
        return False


@admin.register(Registration)
class RegistrationAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["contact", "workshop", "commune", "attendance", "consent_to_share", "consent_withdrawn_at"]
    list_filter = ["attendance", "consent_to_share", "workshop"]
    search_fields = ["contact__last_name", "contact__first_name", "contact__organisation"]
    list_select_related = ["contact", "workshop", "commune"]
    raw_id_fields = ["contact", "workshop"]
    readonly_fields = ["registered_by", "registered_at", "consent_withdrawn_at", "consent_withdrawn_by"]

    def has_add_permission(self, request):
        # Registrations go through the portal, which checks capacity and who may register whom.
        return False


@admin.register(Resource)
class ResourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "workshop", "added_by", "added_at"]
    search_fields = ["title"]
    list_select_related = ["workshop", "added_by"]
    readonly_fields = ["file", "file_size", "added_by", "added_at"]

    def has_add_permission(self, request):
        # Uploads go through the portal's validator (size, type from the content).
        return False


@admin.register(WorkshopReport)
class WorkshopReportAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["workshop", "workflow_status", "updated_at"]
    list_select_related = ["workshop"]
    readonly_fields = ["workshop", "workflow_status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A submitted version is locked until GBM validates it or sends it back, and editing a validated one
        # prepares the next version: both go through the portal's report page, never around the workflow.
        if obj is not None and not obj.is_submittable_state:
            return False
        return super().has_change_permission(request, obj)
