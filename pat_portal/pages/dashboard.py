"""Every figure of the programme dashboard and of the programme report, from one place.

Each function runs a fixed number of queries whatever the amount of data, and takes the
`Programme` whose targets it measures (targets are data, never constants).
"""

import datetime
from dataclasses import dataclass, field

from django.db import router
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from ateliers.models import Workshop
from core import french
from core.deliverables import to_validate_now, with_ready_at
from core.links import url_by_id
from core.models import Deliverable
from core.prepared import kept, reader_key
from core.querysets import count_all, counting_sql, run_counts
from missions.mission1.filters.actions import ActionFilter
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action
from missions.mission1.models.meetings import Meeting
from missions.money.services.budget import programme_totals
from missions.programme.choices import ActionTheme, Mission
from missions.programme.models import Programme
from missions.support.filters import STARTED, TO_HANDLE
from missions.support.models import SupportRequest
from missions.support.selectors import local_project_counts
from pat_portal.pages.filters import TerritoryFilter

UPCOMING_DAYS = 30
# Pending decisions the dashboard lists; the count says how many there are, and links to the full list.
SHOWN = 10
MONTHS_IN_CHART = 12


def _number(value: int) -> str:
    """5000 → "5 000" (narrow no-break space, as French typography wants)."""
    return f"{value:,}".replace(",", "\u202f")


@dataclass
class Target:
    """One of the contract's targets against what the contract would accept as done.

    `rule` says how `count` is counted (shown under the number); `details` are the steps or the parts not counted
    (pipeline, planned against done, accepted but not started); `budget` is the mission's BudgetFigures, named
    when the count goes beyond what the contract asked.
    """

    key: str
    label: str
    count: int
    target_min: int
    target_max: int | None = None
    url: str = ""
    rule: str = ""
    note: str = ""
    ok_note: bool | None = None  # a secondary rule (the deadline) met or not, None when it does not apply
    details: list[tuple[str, int]] = field(default_factory=list)
    budget: object | None = None

    @property
    def reached(self) -> bool:
        return self.count >= self.target_min

    @property
    def over(self) -> bool:
        """More than the contract's upper bound: not a success to celebrate but work (and budget) beyond it."""
        return self.target_max is not None and self.count > self.target_max

    @property
    def state(self) -> str:
        return "over" if self.over else "reached" if self.reached else "under"

    @property
    def state_label(self) -> str:
        if self.over:
            extra = self.count - self.target_max
            return f"Au-delà du marché : {extra} de plus que l'objectif ({self.target_label})"
        if self.reached:
            return "Objectif atteint"
        return f"{self.percent} % de l'objectif minimum"

    @property
    def budget_note(self) -> str:
        """The budget consequence of an overshoot: how much of the mission's ordered budget is consumed."""
        if not self.over or self.budget is None or self.budget.consumed_rate is None:
            return ""
        rate = f"{self.budget.consumed_rate:.1f}".replace(".", ",")
        return f"Budget de la mission consommé à {rate} %"

    @property
    def percent(self) -> int:
        if not self.target_min:
            return 100
        return min(100, round(100 * self.count / self.target_min))

    @property
    def target_label(self) -> str:
        if self.target_max and self.target_max != self.target_min:
            return f"{self.target_min} à {self.target_max}"
        return f"{self.target_min}"


def _programme_querysets(programme, charts: bool) -> tuple[dict, dict | None]:
    """What `programme_figures` counts, from the programme's own fields only (no date, no reader)."""
    accompaniments = Accompaniment.objects.filter(programme=programme)
    new = accompaniments.filter(cohort=Accompaniment.Cohort.NEW)
    specific = Action.objects.toward_specific_support_target(programme)
    deadline = programme.new_communes_deadline
    querysets = {
        "new": accompaniments.counting_as_new_project(),
        "new_identified": new,
        "new_diagnostic_validated": new.with_validated_diagnostic(),
        "new_plan_approved": new.with_approved_plan(),
        "continuing": accompaniments.filter(cohort=Accompaniment.Cohort.CONTINUING),
        # Without a deadline, no commune was accompanied "before" it.
        "new_before_deadline": new.filter(started_on__lt=deadline) if deadline else new.none(),
        "specific": specific,
        "specific_done": specific.filter(status=Action.Status.DONE),
        "held": Workshop.objects.filter(programme=programme, status=Workshop.Status.HELD),
        **local_project_counts(programme),
    }
    grouped = {
        "phase_": (accompaniments, "phase", Accompaniment.Phase.values),
        "theme_": (Action.objects.filter(plan__accompaniment__programme=programme), "theme", ActionTheme.values),
    }
    return querysets, grouped if charts else None


def programme_figures(
    programme, *, charts: bool = True, months_until: datetime.date | None = None, reader=None, **extra_counts
):
    """Every count the targets and (with `charts`) the phase and theme charts need, in one query (`count_all`: the
    phases and themes as two grouped counts); `months_until`: the meetings of the twelve months up to that day too
    (`month_0`…, `_meetings_by_month`); `extra_counts`: more querysets to count. The homes leave the charts out: they
    show none, and each count is ORM work to build.

    The query is compiled once per process (`core.prepared.kept`, ADR 0014) for the programme's field values, the
    charts and `months_until`: building and compiling its dozen querysets is most of its cost, and
    `_programme_querysets` reads no date and no reader. `extra_counts` depend on who reads: they are kept only for
    the `reader` given (their querysets must depend on nothing else), and built each time without one. The counts
    are read from the database on every call."""

    def build():
        querysets, grouped = _programme_querysets(programme, charts)
        if months_until:
            _months, bounds = _chart_months(months_until)
            grouped = {
                **(grouped or {}),
                "month_": (_meetings_by_month(programme, bounds), "month", range(len(_months))),
            }
        return counting_sql({**querysets, **extra_counts}, grouped=grouped)

    if extra_counts and reader is None:
        return run_counts(build())
    key = (
        "programme_figures",
        router.db_for_read(Programme),
        charts,
        months_until,
        tuple(extra_counts),
        reader_key(reader) if reader is not None else None,
        *(field.value_from_object(programme) for field in Programme._meta.concrete_fields),
    )
    return run_counts(kept(key, build))


def contract_targets(programme, figures: dict | None = None, budget=None) -> list[Target]:
    """The five targets of the contract, each counted on the result the contract asks for (one query, or none
    when `figures` are given). `budget` (programme_totals) names the budget consequence of an overshoot."""
    figures = figures or programme_figures(programme)
    missions = {mission.mission: mission.figures for mission in budget.missions} if budget else {}
    deadline_note, deadline_ok = "", None
    if programme.new_communes_deadline:
        first = programme.target_new_communes_first_count
        deadline_ok = figures["new_before_deadline"] >= first
        deadline = programme.new_communes_deadline
        deadline_text = french.french_date(deadline)
        deadline_note = (
            f"{figures['new_before_deadline']} accompagnée(s) avant le {deadline_text} "
            f"(objectif : les {first} premières)"
        )
    communes_url = reverse("overview")
    threshold = _number(programme.small_commune_population)
    return [
        Target(
            key="new_communes",
            label="Nouveaux projets alimentaires communaux",
            count=figures["new"],
            target_min=programme.target_new_communes,
            url=f"{communes_url}?{TerritoryFilter.NEW_PROJECTS_TARGET}",
            rule="Compte une nouvelle commune quand son plan d'actions est validé par GBM (diagnostic validé, "
            "plan approuvé par le conseil municipal puis validé).",
            note=deadline_note,
            ok_note=deadline_ok,
            details=[
                ("Communes identifiées", figures["new_identified"]),
                ("Diagnostic validé", figures["new_diagnostic_validated"]),
                ("Plan approuvé par le conseil", figures["new_plan_approved"]),
                ("Plan validé par GBM", figures["new"]),
            ],
            budget=missions.get(Mission.COMMUNES),
        ),
        Target(
            key="continuing_communes",
            label="Communes déjà engagées accompagnées",
            count=figures["continuing"],
            target_min=programme.target_continuing_communes,
            target_max=programme.target_continuing_communes,
            url=f"{communes_url}?cohort={Accompaniment.Cohort.CONTINUING}",
            rule="Compte les communes confiées par GBM dont l'accompagnement se poursuit dans ce marché.",
            budget=missions.get(Mission.COMMUNES),
        ),
        Target(
            key="specific_actions",
            label=f"Projets d'actions accompagnés (communes de moins de {threshold} hab.)",
            count=figures["specific"],
            target_min=programme.target_specific_actions_min,
            target_max=programme.target_specific_actions_max,
            url=f"{reverse('missions:action_list')}?{ActionFilter.SPECIFIC_SUPPORT_TARGET}",
            rule=f"Compte les actions retenues pour un accompagnement spécifique dans les communes de moins de "
            f"{threshold} habitants, actions abandonnées exclues.",
            details=[("Prévues", figures["specific"]), ("Réalisées", figures["specific_done"])],
            budget=missions.get(Mission.COMMUNES),
        ),
        Target(
            key="workshops",
            label="Ateliers de partage tenus",
            count=figures["held"],
            target_min=programme.target_workshops_min,
            target_max=programme.target_workshops_max,
            url=f"{reverse('ateliers:list')}?status={Workshop.Status.HELD}",
            rule="Compte les ateliers marqués tenus ; les ateliers planifiés ou annulés ne comptent pas.",
            budget=missions.get(Mission.WORKSHOPS),
        ),
        Target(
            key="local_projects",
            label="Projets locaux accompagnés (mission 3)",
            count=figures["supported"],
            target_min=programme.target_local_projects_min,
            target_max=programme.target_local_projects_max,
            url=f"{reverse('missions:support_list')}?status={STARTED}",
            rule="Compte les demandes dont l'accompagnement a démarré ou est terminé ; une demande seulement "
            "acceptée ne compte pas encore.",
            details=[
                ("En cours", figures["supported_in_progress"]),
                ("Terminés", figures["supported_completed"]),
                ("Acceptées, accompagnement pas encore démarré", figures["accepted_not_started"]),
            ],
            budget=missions.get(Mission.LOCAL_PROJECTS),
        ),
    ]


@dataclass
class ChartBar:
    label: str
    value: int
    url: str = ""


@dataclass
class Chart:
    title: str
    bars: list[ChartBar] = field(default_factory=list)

    @property
    def max_value(self) -> int:
        return max((bar.value for bar in self.bars), default=0)


def _meetings_by_month(programme, bounds: list[datetime.datetime]):
    """The meetings of the programme (and those of no accompaniment) between the chart's bounds, each with `month`:
    the position of the first month whose end is after it. A CASE between aware datetime bounds, counted grouped by
    it: the covering index on (starts_at, accompaniment) applies and no row goes through a date function (SQLite's
    TruncMonth is a Python function called per row). 3.6 ms of SQL at scale 20 with one filtered COUNT per month,
    2.3 ms this way."""
    month_of = Case(
        *(When(starts_at__lt=end, then=Value(position)) for position, end in enumerate(bounds[1:])),
        output_field=IntegerField(),
    )
    return (
        Meeting.objects.filter(starts_at__gte=bounds[0], starts_at__lt=bounds[-1])
        .filter(Q(accompaniment__programme=programme) | Q(accompaniment__isnull=True))
        .annotate(month=month_of)
    )


def actions_by_theme(figures: dict) -> Chart:
    """From `programme_figures` (with its charts)."""
    bars = [ChartBar(label, figures[f"theme_{value}"]) for value, label in ActionTheme.choices]
    return Chart("Actions des plans par thème", [bar for bar in bars if bar.value])


def _chart_months(today: datetime.date) -> tuple[list[datetime.date], list[datetime.datetime]]:
    """The chart's twelve months and their aware bounds (the last one ends tonight)."""
    index = today.year * 12 + today.month - 1 - (MONTHS_IN_CHART - 1)
    months = [datetime.date((index + step) // 12, (index + step) % 12 + 1, 1) for step in range(MONTHS_IN_CHART)]
    tz = timezone.get_current_timezone()
    bounds = [datetime.datetime.combine(month, datetime.time.min, tzinfo=tz) for month in months]
    bounds.append(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
    return months, bounds


def meetings_per_month(programme, today: datetime.date, figures: dict | None = None) -> Chart:
    """From `programme_figures(…, months_until=today)`, or its own query when `figures` are not given."""
    months, bounds = _chart_months(today)
    if figures is None:
        figures = count_all(
            {}, grouped={"month_": (_meetings_by_month(programme, bounds), "month", range(len(months)))}
        )
    return Chart(
        "Réunions par mois (12 derniers mois)",
        [ChartBar(french.month_year(month), figures[f"month_{position}"]) for position, month in enumerate(months)],
    )


def communes_by_phase(programme, figures: dict | None = None) -> Chart:
    figures = figures or programme_figures(programme)
    communes_url = reverse("overview")
    return Chart(
        "Communes accompagnées par phase",
        [
            ChartBar(label, figures[f"phase_{value}"], f"{communes_url}?phase={value}")
            for value, label in Accompaniment.Phase.choices
        ],
    )


def _upcoming_window(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return start, start + datetime.timedelta(days=UPCOMING_DAYS + 1)


def pending_decisions(user) -> dict:
    """What waits for GBM's decision, as the dashboard and the report count it: the versions GBM can validate now
    (`to_validate_now`, the homes' « À valider ») and the requests to decide (`open()`, the homes' too)."""
    return {
        "awaiting_deliverables": to_validate_now(Deliverable.objects.visible_to(user)),
        "awaiting_requests": SupportRequest.objects.visible_to(user).open(),
    }


def upcoming(user, today: datetime.date) -> list[dict]:
    """Meetings and workshops of the next 30 days (two queries, reading only what the list shows: not a meeting's
    minutes nor notes)."""
    start, end = _upcoming_window(today)
    meeting_url, workshop_url = url_by_id("missions:meeting_detail"), url_by_id("ateliers:detail")
    items = [
        {"date": meeting.starts_at, "kind": "Réunion", "title": str(meeting.title or meeting.get_kind_display()),
         "place": meeting.commune.name if meeting.commune else meeting.place, "url": meeting_url(meeting.pk)}
        for meeting in Meeting.objects.visible_to(user).filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("commune").only("starts_at", "title", "kind", "place", "commune__name")
        .order_by("starts_at")[:30]
    ]  # fmt: skip
    items += [
        {"date": workshop.starts_at, "kind": "Atelier", "title": workshop.title, "place": workshop.place,
         "url": workshop_url(workshop.pk)}
        for workshop in Workshop.objects.visible_to(user).filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Workshop.Status.CANCELLED).only("starts_at", "title", "place").order_by("starts_at")[:30]
    ]  # fmt: skip
    return sorted(items, key=lambda item: item["date"])


def dashboard(programme, user, today: datetime.date | None = None) -> dict:
    """Everything the GBM / consultant dashboard shows."""
    today = today or timezone.localdate()
    pending = pending_decisions(user)
    awaiting_deliverables = list(
        with_ready_at(pending["awaiting_deliverables"]).select_related("commune").order_by("ready_at", "pk")[:SHOWN]
    )
    awaiting_requests = list(
        pending["awaiting_requests"].select_related("commune").order_by("received_on", "pk")[:SHOWN]
    )
    return {
        **_programme_summary(
            programme, user, today, programme_figures(programme, months_until=today, reader=user, **pending)
        ),
        "awaiting_deliverables": awaiting_deliverables,
        "awaiting_deliverables_url": reverse("deliverable_list"),
        "awaiting_requests": awaiting_requests,
        "awaiting_requests_url": f"{reverse('missions:support_list')}?status={TO_HANDLE}",
        "upcoming": upcoming(user, today),
    }


def _programme_summary(programme, user, today: datetime.date, figures: dict) -> dict:
    """What the dashboard and the programme report both show: targets, budget and charts (one query, the budget's;
    the rest comes from `figures`)."""
    budget = programme_totals(programme=programme, user=user)
    return {
        "programme": programme,
        "figures": figures,
        "targets": contract_targets(programme, figures, budget),
        "budget": budget,
        "charts": [
            actions_by_theme(figures),
            meetings_per_month(programme, today, figures),
            communes_by_phase(programme, figures),
        ],
        "today": today,
    }


def programme_report(programme, user, extra_counts: dict | None = None) -> dict:
    """The programme report: the dashboard's figures plus the lists behind them, within 12 queries.

    Where the dashboard lists what is pending (deliverables, requests, the next 30 days), the report only
    counts it: those counts ride in the figures' query, as do the charts' counts and the callers' `extra_counts`.
    """
    today = timezone.localdate()
    start, end = _upcoming_window(today)
    figures = programme_figures(
        programme,
        **pending_decisions(user),
        upcoming_meetings=Meeting.objects.visible_to(user).filter(starts_at__gte=start, starts_at__lt=end),
        upcoming_workshops=Workshop.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Workshop.Status.CANCELLED),
        months_until=today,
        **(extra_counts or {}),
    )
    context = _programme_summary(programme, user, today, figures)
    context["accompaniments"] = list(
        Accompaniment.objects.filter(programme=programme)
        .select_related("commune", "lead_consultant", "diagnostic", "action_plan")
        .order_by("cohort", french.french_order("commune__name"))
    )
    context["specific_actions"] = list(
        Action.objects.toward_specific_support_target(programme)
        .select_related("plan__accompaniment__commune")
        .order_by(french.french_order("plan__accompaniment__commune__name"), "position")
    )
    context["workshops"] = list(
        Workshop.objects.filter(programme=programme).select_related("theme").order_by("starts_at")
    )
    context["projects"] = list(
        SupportRequest.objects.filter(programme=programme).started().select_related("commune").order_by("received_on")
    )
    context["generated_at"] = timezone.now()
    return context
