"""Admin of Mission 3, for GBM officers (staff) and superusers: the priority weights (edited by GBM officers) and
the support requests (read and audit)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from core.admin_inlines import AccessibleTabularInline
from core.admin_mixins import OfficerOnlyAdminMixin
from core.concurrency import VersionedAdminMixin
from missions.support.models import (
    FinancingLine,
    SupportPriorityWeights,
    SupportRequest,
    SupportRequestEvent,
    SupportStep,
)


@admin.register(SupportPriorityWeights)
class SupportPriorityWeightsAdmin(OfficerOnlyAdminMixin, SimpleHistoryAdmin):
    """One row: the weights of the queue's criteria. Only GBM officers change them."""

    list_display = [
        "__str__",
        "points_per_week_waiting",
        "max_waiting_points",
        "under_way_points",
        "not_yet_supported_points",
        "small_commune_points",
        "plan_coherence_points",
        "updated_at",
    ]
    fieldsets = [
        ("Ancienneté de la demande", {"fields": ["points_per_week_waiting", "max_waiting_points"]}),
        (
            "Critères du projet et de la commune (points ajoutés quand le critère est rempli)",
            {
                "fields": [
                    "under_way_points",
                    "not_yet_supported_points",
                    "small_commune_points",
                    "plan_coherence_points",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SupportPriorityWeights.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only one row: go straight to it (created with the default weights if needed).

        weights = SupportPriorityWeights.load()
        return redirect(reverse("admin:missions_supportpriorityweights_change", args=[weights.pk]))


class SupportStepInline(AccessibleTabularInline):
    model = SupportStep
    extra = 0
    fields = ["kind", "status", "planned_start", "planned_end", "started_on", "completed_on"]


class FinancingLineInline(AccessibleTabularInline):
    model = FinancingLine
    extra = 0
    fields = ["nature", "label", "status", "amount"]


class SupportRequestEventInline(AccessibleTabularInline):
    model = SupportRequestEvent
    extra = 0
    fields = ["at", "previous_status", "status", "by", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SupportRequest)
class SupportRequestAdmin(OfficerOnlyAdminMixin, VersionedAdminMixin, SimpleHistoryAdmin):
    """Status changes go through the portal (they are recorded and e-mailed): here they are read-only."""

    list_display = ["reference", "title", "commune", "kind", "door", "status", "received_on"]
    list_filter = ["status", "kind", "door", "programme"]
    search_fields = ["title", "organisation", "contact_name", "commune__name"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    readonly_fields = [
        "reference",
        "status",
        "status_changed_at",
        "decided_by",
        "decided_at",
        "priority_at_decision",
        "workflow_status",
        "created_at",
    ]
    exclude = ["action", "order_form"]
    inlines = [SupportStepInline, FinancingLineInline, SupportRequestEventInline]

    @admin.display(description="numéro", ordering="number")
    def reference(self, obj):
        return obj.reference

    def has_add_permission(self, request):
        # Requests come in through the portal's three doors, which number them and acknowledge them.
        return False

    def has_delete_permission(self, request, obj=None):
        return bool(request.user.is_active and request.user.is_superuser)
