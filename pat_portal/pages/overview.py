"""The territory at a glance: every commune with where it stands in the programme (one query)."""

from django.db.models import OuterRef, Subquery

from ateliers.models import Registration
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action
from missions.support.models import SupportRequest
from pat_portal.kernel.models import WorkflowStatus
from pat_portal.kernel.querysets import count_subquery


def _count(queryset, commune_path: str):
    """How many `queryset` rows have the outer commune at `commune_path`."""
    return count_subquery(queryset.filter(**{commune_path: OuterRef("pk")}))


def communes_overview(queryset):
    """Annotate communes with the latest accompaniment's cohort, phase, diagnostic and plan status,
    and counts of actions, specifically supported actions, support requests and workshop attendances."""
    latest = Accompaniment.objects.filter(commune=OuterRef("pk")).order_by("-programme__start_date", "-pk")
    actions = Action.objects.exclude(status=Action.Status.ABANDONED)
    return queryset.annotate(
        overview_cohort=Subquery(latest.values("cohort")[:1]),
        overview_phase=Subquery(latest.values("phase")[:1]),
        overview_diagnostic=Subquery(latest.values("diagnostic__workflow_status")[:1]),
        overview_plan=Subquery(latest.values("action_plan__workflow_status")[:1]),
        overview_actions=_count(actions, "plan__accompaniment__commune"),
        overview_specific_actions=_count(actions.filter(specific_support=True), "plan__accompaniment__commune"),
        overview_requests=_count(SupportRequest.objects.all(), "commune"),
        overview_attendances=_count(
            Registration.objects.filter(attendance=Registration.Attendance.PRESENT), "commune"
        ),
    )


COHORTS = dict(Accompaniment.Cohort.choices)
PHASES = dict(Accompaniment.Phase.choices)
WORKFLOW_STATUSES = dict(WorkflowStatus.choices)


def workflow_label(value):
    return WORKFLOW_STATUSES.get(value, "—") if value else "—"
