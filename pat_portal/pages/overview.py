"""The territory at a glance: every commune with where it stands in the programme (one query)."""

from django.db.models import Case, Exists, OuterRef, Subquery, Value, When
from django.utils import timezone

from ateliers.models import Registration
from communes.models import Commune
from core.french import french_order
from core.history import history_of
from core.models import User, WorkflowStatus
from core.querysets import count_subquery
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.models.meetings import Meeting
from missions.support.models import SupportRequest
from pat_portal.pages.radar import _latest


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
        overview_consultant_first_name=Subquery(latest.values("lead_consultant__first_name")[:1]),
        overview_consultant_last_name=Subquery(latest.values("lead_consultant__last_name")[:1]),
        **_activity_annotations(),
    )


# The moments that make a commune's last activity, as the silent-commune radar counts them (pages/radar.py), but
# for any commune and programme: a meeting held there, an edit to its accompaniment, diagnostic, plan, actions,
# meetings or support requests, a login of one of its élus.
ACTIVITY_FIELDS = (
    "activity_meeting",
    "activity_login",
    "activity_accompaniment",
    "activity_diagnostic",
    "activity_plan",
    "activity_actions",
    "activity_meetings",
    "activity_requests",
)


def _activity_annotations() -> dict:
    commune = OuterRef("pk")
    return {
        "activity_meeting": _latest(
            Meeting.objects.filter(commune_id=commune, starts_at__lte=timezone.now()), "starts_at"
        ),
        "activity_login": _latest(User.objects.elus_of(commune), "last_login"),
        "activity_accompaniment": _latest(history_of(Accompaniment).filter(commune_id=commune), "history_date"),
        "activity_diagnostic": _latest(
            history_of(Diagnostic).filter(accompaniment__commune_id=commune), "history_date"
        ),
        "activity_plan": _latest(history_of(ActionPlan).filter(accompaniment__commune_id=commune), "history_date"),
        "activity_actions": _latest(
            history_of(Action).filter(plan__accompaniment__commune_id=commune), "history_date"
        ),
        "activity_meetings": _latest(history_of(Meeting).filter(commune_id=commune), "history_date"),
        "activity_requests": _latest(history_of(SupportRequest).filter(commune_id=commune), "history_date"),
    }


def last_activity(commune):
    """The latest moment among a `communes_overview` row's activity annotations (None when nothing happened)."""
    return max((moment for name in ACTIVITY_FIELDS if (moment := getattr(commune, name, None))), default=None)


def consultant_name(commune) -> str:
    """The referent consultant of the commune's latest accompaniment, on a `communes_overview` row."""
    return " ".join(
        part for part in (commune.overview_consultant_first_name, commune.overview_consultant_last_name) if part
    )


def accompanied_first(queryset):
    """Communes with an accompaniment first (each group in French alphabetical order), the others after them.

    Needs no annotation: the page is chosen before `overview_rows` reads where its communes stand."""
    accompanied = Exists(Accompaniment.objects.filter(commune=OuterRef("pk")))
    return queryset.order_by(Case(When(accompanied, then=Value(0)), default=Value(1)), french_order("name"), "pk")


def overview_rows(communes) -> list:
    """One page of communes, in its order, with where each stands (`communes_overview`, its last activity and
    referent consultant) in one query for the page: the territory's other communes are not annotated for nothing
    (the page's LIMIT comes after the ORDER BY, which would otherwise compute every annotation of every commune)."""
    pks = [commune.pk for commune in communes]
    annotated = {commune.pk: commune for commune in communes_overview(Commune.objects.filter(pk__in=pks))}
    rows = [annotated[pk] for pk in pks if pk in annotated]
    for commune in rows:
        commune.last_activity = last_activity(commune)
        commune.consultant = consultant_name(commune)
    return rows


COHORTS = dict(Accompaniment.Cohort.choices)
PHASES = dict(Accompaniment.Phase.choices)
WORKFLOW_STATUSES = dict(WorkflowStatus.choices)


def workflow_label(value):
    return WORKFLOW_STATUSES.get(value, "—") if value else "—"
