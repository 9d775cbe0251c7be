"""Read side of Mission 3: the priority of support requests, and the count of supported projects.

The priority is computed by the database, in the same query as the list (annotations), from objective
criteria whose weights GBM edits in the admin (`SupportPriorityWeights`):

- waiting time: points per whole week since the request was received, up to a ceiling;
- project already under way;
- commune not yet supported by the programme: no communal accompaniment (Mission 1) in the programme and
  no other request of the commune accepted before this one;
- small commune: fewer inhabitants than the programme's threshold (5,000 in the contract);
- coherence with the commune's action plan: an action of the plan (not abandoned) on the project's theme,
  or the action the decision linked the request to.

`explain_priority(request, weights)` turns the annotations of one row into the list of criteria with
their contribution, without any query, so that every page can show why a request ranks where it does.
"""

import datetime
from dataclasses import asdict, dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Least
from django.utils import timezone

from core.hub import HubSection, TimelineEvent
from core.models import Deliverable
from core.prepared import kept, prepare_instances
from core.querysets import count_subquery
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action
from missions.programme.models import Programme
from missions.support.models import SupportPriorityWeights, SupportRequest, SupportRequestEvent

# A ceiling on the number of weekly steps written into the SQL (two years): the waiting criterion is capped
# long before that with any sensible weights.
MAX_WAITING_WEEKS = 104


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    met: bool
    points: int
    detail: str


@dataclass(frozen=True)
class PriorityExplanation:
    score: int
    criteria: list[Criterion]

    def as_dict(self) -> dict:
        """JSON-ready, to freeze the priority in the decision."""
        return {"score": self.score, "criteria": [asdict(criterion) for criterion in self.criteria]}


def _weeks_waiting(today: datetime.date, weights: SupportPriorityWeights) -> Case:
    """Whole weeks since reception, as CASE steps (portable across SQLite and PostgreSQL, no date arithmetic)."""
    if weights.points_per_week_waiting:
        useful_weeks = -(-weights.max_waiting_points // weights.points_per_week_waiting)  # ceiling division
    else:
        useful_weeks = 0
    weeks = min(useful_weeks, MAX_WAITING_WEEKS)
    whens = [
        When(received_on__lte=today - datetime.timedelta(weeks=week), then=Value(week)) for week in range(weeks, 0, -1)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _plan_coherence() -> Q:
    """The decision linked an action, or an action of the commune's plans (not abandoned) is on the project's theme:
    one EXISTS, the theme read from the kind by a CASE (`prio_theme`, an alias set by `with_priority`)."""
    commune_actions = Action.objects.filter(plan__accompaniment__commune=OuterRef("commune")).exclude(
        status=Action.Status.ABANDONED
    )
    return Q(action__isnull=False) | Exists(commune_actions.filter(theme=OuterRef("prio_theme")))


def _kind_theme() -> Case:
    whens = [When(kind=kind, then=Value(theme)) for kind, theme in SupportRequest.KIND_THEMES.items()]
    return Case(*whens, default=Value(None), output_field=CharField())


def _support_history_annotations() -> dict:
    """Whether the commune is accompanied in the programme, or had another request accepted (ever / before)."""
    accepted_others = SupportRequest.objects.filter(
        commune=OuterRef("commune"), decided_at__isnull=False, status__in=SupportRequest.ACCEPTED_ONCE_STATUSES
    ).exclude(pk=OuterRef("pk"))
    return {
        "prio_accompanied": Exists(
            Accompaniment.objects.filter(commune=OuterRef("commune"), programme=OuterRef("programme"))
        ),
        "prio_accepted_other": Exists(accepted_others),
        "prio_accepted_earlier": Exists(accepted_others.filter(decided_at__lt=OuterRef("decided_at"))),
    }


# For an undecided request any accepted request of the commune counts; for a decided one, only those before it.
NOT_YET_SUPPORTED = ~Q(prio_accompanied=True) & ~(
    Q(decided_at__isnull=True, prio_accepted_other=True) | Q(decided_at__isnull=False, prio_accepted_earlier=True)
)


def _not_yet_supported(request: SupportRequest) -> bool:
    """NOT_YET_SUPPORTED, from the annotations of one row."""
    if request.prio_accompanied:
        return False
    return not (request.prio_accepted_earlier if request.decided_at else request.prio_accepted_other)


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def with_priority(
    queryset: QuerySet, *, weights: SupportPriorityWeights, today: datetime.date | None = None
) -> QuerySet:
    """Annotate each request with its criteria (`prio_*`) and its score (`priority_score`), in the same query.

    Only the criteria and the score are computed by the database; each criterion's points are read from them by
    `explain_priority`. (Every annotation that refers to another repeats it in the SQL: points annotated apart made
    the queue's query three times as long, and as long to build.)"""
    today = today or timezone.localdate()
    weeks = _weeks_waiting(today, weights)
    queryset = (
        queryset.alias(prio_theme=_kind_theme())
        .annotate(**_support_history_annotations())
        .annotate(
            prio_weeks=weeks,
            prio_small=_flag(Q(commune__population__lt=F("programme__small_commune_population"))),
            prio_coherent=_flag(_plan_coherence()),
        )
    )
    waiting_points = Least(
        weeks * Value(weights.points_per_week_waiting), Value(weights.max_waiting_points), output_field=IntegerField()
    )
    return queryset.annotate(
        priority_score=waiting_points
        + _points(Q(already_under_way=True), weights.under_way_points)
        + _points(NOT_YET_SUPPORTED, weights.not_yet_supported_points)
        + _points(Q(prio_small=True), weights.small_commune_points)
        + _points(Q(prio_coherent=True), weights.plan_coherence_points)
    )


def priority_queue(queryset: QuerySet, *, weights: SupportPriorityWeights, today: datetime.date | None = None):
    """Requests by priority (highest first), then the oldest first: the order in which they are examined."""
    return with_priority(queryset, weights=weights, today=today).order_by("-priority_score", "received_on", "pk")


def priority_page(requests: QuerySet, *, weights: SupportPriorityWeights, today: datetime.date, bottom, top, key):
    """The requests ranked `bottom` (included) to `top` (excluded) in the priority queue of `requests` (the
    reader's, filtered), each with its commune, programme, criteria and step lateness, as the queue's page shows
    them. Its query is kept (`core.prepared.kept`, ADR 0014): `key` names what `requests` depends on (its reader
    and filters); the day, the weights and the ranks are added here."""

    def build():
        queue = priority_queue(requests.annotate_step_lateness(today), weights=weights, today=today)
        return prepare_instances(queue[bottom:top], related=("commune", "programme"))

    weights_key = tuple(field.value_from_object(weights) for field in SupportPriorityWeights._meta.concrete_fields)
    return kept(("priority_page", requests.db, *key, today, weights_key, bottom, top), build).instances()


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def explain_priority(request: SupportRequest, weights: SupportPriorityWeights) -> PriorityExplanation:
    """The criteria of a request annotated by `with_priority`, each with its contribution (no query)."""
    threshold_text = f"{request.programme.small_commune_population:,}".replace(",", "\u202f")
    weeks = request.prio_weeks
    not_supported = _not_yet_supported(request)
    waiting_points = min(weeks * weights.points_per_week_waiting, weights.max_waiting_points)
    criteria = [
        Criterion(
            "attente",
            "Ancienneté de la demande",
            weeks > 0,
            waiting_points,
            f"{_plural(weeks, 'semaine', 'semaines')} depuis la réception "
            f"({weights.points_per_week_waiting} par semaine, plafond {weights.max_waiting_points})",
        ),
        Criterion(
            "engage",
            "Projet déjà engagé",
            request.already_under_way,
            weights.under_way_points if request.already_under_way else 0,
            "Le projet a déjà commencé." if request.already_under_way else "Le projet n'a pas encore commencé.",
        ),
        Criterion(
            "non_accompagnee",
            "Commune pas encore accompagnée",
            not_supported,
            weights.not_yet_supported_points if not_supported else 0,
            "Ni accompagnement communal ni demande acceptée auparavant dans le programme."
            if not_supported
            else "La commune est déjà accompagnée par le programme.",
        ),
        Criterion(
            "petite_commune",
            "Petite commune",
            request.prio_small,
            weights.small_commune_points if request.prio_small else 0,
            f"Moins de {threshold_text} habitants." if request.prio_small else f"{threshold_text} habitants ou plus.",
        ),
        Criterion(
            "plan_actions",
            "Cohérence avec le plan d'actions",
            request.prio_coherent,
            weights.plan_coherence_points if request.prio_coherent else 0,
            "Une action du plan d'actions communal porte sur ce thème."
            if request.prio_coherent
            else "Aucune action du plan d'actions communal sur ce thème.",
        ),
    ]
    return PriorityExplanation(score=request.priority_score, criteria=criteria)


def request_with_priority(
    request: SupportRequest, *, weights: SupportPriorityWeights, today: datetime.date | None = None
) -> SupportRequest:
    """The same request, re-read with its priority annotations (one query)."""
    queryset = with_priority(SupportRequest.objects.filter(pk=request.pk), weights=weights, today=today)
    return queryset.select_related("programme", "commune").get()


@dataclass(frozen=True)
class SupportedProjects:
    """Mission 3's target as every page shows it (the queue's banner, the homes, the dashboard, the report): the
    projects counted (support started or completed), split into in progress and completed, and apart the requests
    accepted whose support has not started yet (not counted)."""

    count: int
    target_min: int
    target_max: int
    in_progress: int
    completed: int
    accepted_not_started: int = 0

    @property
    def reached(self) -> bool:
        return self.count >= self.target_min

    @property
    def progress_percent(self) -> int:
        return min(100, round(100 * self.count / self.target_min)) if self.target_min else 100


def local_project_counts(programme) -> dict[str, QuerySet]:
    """The requests each figure of Mission 3's target counts, for the programme `programme` (a Programme or an
    `OuterRef` to one): the one definition that the queue's banner and `programme_figures` (homes, dashboard,
    report) both count, so that they always agree. `supported` is `in_progress` + `completed`."""
    requests = SupportRequest.objects.filter(programme=programme)
    return {
        "supported": requests.started(),
        "supported_in_progress": requests.filter(status=SupportRequest.Status.IN_PROGRESS),
        "supported_completed": requests.filter(status=SupportRequest.Status.COMPLETED),
        "accepted_not_started": requests.accepted_not_started(),
    }


def supported_projects(programme: Programme, figures: dict | None = None) -> SupportedProjects:
    """Local projects supported in the programme against the contract's 4–5, from `figures` (a row of
    `programme_figures`, which counts `local_project_counts`) or in one query of the same counts."""
    if figures is None:
        figures = (
            Programme.objects.filter(pk=programme.pk)
            .values(
                **{name: count_subquery(queryset) for name, queryset in local_project_counts(OuterRef("pk")).items()}
            )
            .get()
        )
    return SupportedProjects(
        count=figures["supported"],
        target_min=programme.target_local_projects_min,
        target_max=programme.target_local_projects_max,
        in_progress=figures["supported_in_progress"],
        completed=figures["supported_completed"],
        accepted_not_started=figures["accepted_not_started"],
    )


# The commune's hub ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetLink:
    """The latest validated follow-up sheet of a request, as the hub links to it."""

    pk: int
    version: int
    reviewed_at: datetime.datetime | None


def hub_section(commune, user):
    """The commune's support requests with their status and latest validated follow-up sheet (one query)."""
    latest_sheet = (
        Deliverable.objects.visible_to(user)
        .filter(kind=Deliverable.Kind.SUPPORT_SHEET, status=Deliverable.Status.VALIDATED, object_id=OuterRef("pk"))
        .order_by("-version")
    )
    requests = list(
        SupportRequest.objects.visible_to(user)
        .filter(commune=commune)
        .annotate_step_lateness(timezone.localdate())
        .annotate(
            sheet_pk=Subquery(latest_sheet.values("pk")[:1]),
            sheet_version=Subquery(latest_sheet.values("version")[:1]),
            sheet_reviewed_at=Subquery(latest_sheet.values("reviewed_at")[:1]),
        )
        .order_by("-received_on", "-pk")
    )
    if not requests and not (user.is_elu or user.is_team):
        return None
    sheets = {
        support_request.pk: SheetLink(
            support_request.sheet_pk, support_request.sheet_version, support_request.sheet_reviewed_at
        )
        for support_request in requests
        if support_request.sheet_pk
    }
    rows = [(support_request, sheets.get(support_request.pk)) for support_request in requests]
    return HubSection(
        title="Demandes d'accompagnement de projets (Mission 3)",
        template="missions/support/_hub_section.html",
        context={"rows": rows, "commune": commune, "can_ask": user.is_elu and user.commune_id == commune.pk},
        anchor="demandes",
    )


def hub_events(commune, user):
    """Every status change of the commune's requests, for the hub's timeline (one query)."""
    events = (
        SupportRequestEvent.objects.filter(request__in=SupportRequest.objects.visible_to(user).filter(commune=commune))
        .select_related("request")
        .order_by("-at", "-pk")[:40]
    )
    timeline = []
    for event in events:
        support_request = event.request
        status = event.get_status_display().lower()
        if event.status == SupportRequest.Status.RECEIVED:
            status = f"{status} ({support_request.get_door_display().lower()})"
        note = event.note if len(event.note) <= 200 else event.note[:199] + "…"
        timeline.append(
            TimelineEvent(
                date=event.at,
                category="Demande d'accompagnement",
                title=f"{support_request.reference} « {support_request.title} » : {status}",
                url=support_request.get_absolute_url(),
                detail=note,
            )
        )
    return timeline
