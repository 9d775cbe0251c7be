"""Each role's home page: "À faire", "En retard", "Nouveau depuis votre dernière visite" (issue 16).

One selector per role builds what that role's home shows: `gbm_home`, `consultant_home`, `elu_home`. The kinds of
item each role must act on are declared once (`gbm_todo`, `consultant_todo`, `elu_todo`, and the late ones): the
home lists and counts them (one UNION query for every list and its count, `items.py`), the navigation's
"À faire (n)" counts them (`todo_count`, one query) and the weekly digest lists them. Every selector stays within the
12-query budget whatever the amount of data.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import router
from django.db.models import CharField, Count, DateTimeField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils import timezone

from ateliers.models import Theme, Workshop
from communes.models import Commune
from core import accounts, french
from core.deliverables import to_validate_now
from core.lateness import Thresholds, last_day_of_month
from core.models import Deliverable, User, WorkflowStatus
from core.prepared import Parameter, kept, reader_key
from core.querysets import count_subquery
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.money.services.budget import (
    BudgetFigures,
    MissionBudget,
    ProgrammeBudget,
    committed_order_forms,
    figures_by_key,
    lines_with_consumption,
)
from missions.programme.choices import Mission
from missions.programme.models import Programme
from missions.support.models import SupportRequest, SupportStep
from pat_portal.pages.dashboard import contract_targets, programme_figures
from pat_portal.pages.items import Item, ItemQuery, prepare_items, run_items
from pat_portal.pages.news import news_for, news_since
from pat_portal.pages.radar import silent_communes

# Items shown per list; the count says how many there are in all, and links to the full list.
SHOWN = 8
# GBM's home lists the accounts ending within this many days (issue 24), at most this many of them.
ENDING_ACCOUNTS_DAYS = 30
ENDING_ACCOUNTS_SHOWN = 20
# Budget alerts shown on GBM's home (the most urgent first); the count says how many there are, the budget page has all.
BUDGET_ALERTS_SHOWN = 10


def _days(count: int) -> str:
    return f"{count} jour" if count == 1 else f"{count} jours"


# What each role must do ---------------------------------------------------------------------------------------------
def gbm_todo(user) -> dict[str, object]:
    """What waits for a GBM officer's decision: versions they can validate now (`to_validate_now`: an action plan
    only once its council approved it; before that it waits for the commune, and is not GBM's to do), requests to
    decide, themes to validate."""
    awaiting = to_validate_now(Deliverable.objects.visible_to(user))
    return {
        "deliverable": awaiting.exclude(kind=Deliverable.Kind.ACTION_PLAN),
        "approved_plan": awaiting.filter(kind=Deliverable.Kind.ACTION_PLAN),
        "request": SupportRequest.objects.visible_to(user).open(),
        "theme": Theme.objects.visible_to(user).filter(status=Theme.Status.PROPOSED),
    }


def _led_communes(user):
    return Accompaniment.objects.filter(lead_consultant=user).values("commune_id")


def returned_to(user):
    """Versions sent back by GBM to a consultant (they submitted it, or they lead the commune's accompaniment) and
    not submitted again since (no later version of the same document)."""
    later = Deliverable.objects.filter(
        content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id"), version__gt=OuterRef("version")
    )
    return (
        Deliverable.objects.visible_to(user)
        .filter(status=Deliverable.Status.RETURNED)
        .filter(Q(submitted_by=user) | Q(commune_id__in=_led_communes(user)))
        .exclude(Exists(later))
    )


def consultant_todo(user, today: datetime.date, thresholds: Thresholds, now=None) -> dict[str, object]:
    """What a consultant must do: what GBM sent back to them, the minutes of their meetings still unwritten after
    the programme's `minutes_due_days`, and the workshops over but not yet said to be held (or cancelled) at `now`
    (a moment, or the kept home query's `Parameter`). Weeks without time are counted apart
    (`weeks_without_time`)."""
    return {
        "returned": returned_to(user),
        "minutes": Meeting.objects.visible_to(user)
        .without_minutes_after(today, thresholds.minutes_due_days)
        .filter(Q(created_by=user) | Q(accompaniment__lead_consultant=user)),
        "closure": Workshop.objects.visible_to(user).awaiting_closure(now=now or timezone.now()),
    }


def elu_todo(user) -> dict[str, object]:
    """What waits for an élu: their commune's action plan, submitted and not approved by the council yet."""
    return {
        "plan": ActionPlan.objects.visible_to(user).filter(
            accompaniment__commune_id=user.commune_id, workflow_status=WorkflowStatus.SUBMITTED, approved_at=None
        )
    }


def late_querysets(user, today: datetime.date, *, consultant: bool = False) -> dict[str, object]:
    """Actions, support steps and order forms past their planned end (the models' own rules); for a consultant,
    those of the communes they lead and of the requests they logged time on; for an élu, their plan's actions."""
    actions = Action.objects.visible_to(user).late(today)
    steps = SupportStep.objects.visible_to(user).late(today)
    if consultant:
        actions = actions.filter(plan__accompaniment__lead_consultant=user)
        steps = steps.filter(
            Q(request__commune_id__in=_led_communes(user))
            | Q(request__in=TimeEntry.objects.filter(consultant=user).values("support_request_id"))
        )
    late = {"late_action": actions}
    if user.is_team:
        late["late_step"] = steps
    if user.is_gbm:
        late["late_order"] = OrderForm.objects.visible_to(user).late(today)
    return late


def weeks_checked(today: datetime.date, weeks: int, programme=None) -> list[datetime.date]:
    """The Mondays of the last `weeks` complete weeks before the current one (which is still under way), within the
    programme's dates."""
    monday = today - datetime.timedelta(days=today.weekday())
    mondays = [monday - datetime.timedelta(weeks=offset) for offset in range(weeks, 0, -1)]
    if programme is not None:
        mondays = [day for day in mondays if day + datetime.timedelta(days=6) >= programme.start_date]
    return mondays


def weeks_without_time(user, today: datetime.date, weeks: int, programme=None) -> list[datetime.date]:
    """The Mondays of the checked weeks (`weeks_checked`) on no day of which the consultant logged time (one
    query)."""
    mondays = weeks_checked(today, weeks, programme)
    if not mondays:
        return []
    logged = set(
        TimeEntry.objects.filter(
            consultant=user, date__gte=mondays[0], date__lt=mondays[-1] + datetime.timedelta(days=7)
        ).values_list("date", flat=True)
    )
    logged_weeks = {day - datetime.timedelta(days=day.weekday()) for day in logged}
    return [monday for monday in mondays if monday not in logged_weeks]


def todo_count(user, today: datetime.date | None = None) -> int:
    """How many things wait for `user` (the navigation's "À faire (n)"): the length of their home's "À faire" lists.
    One query; a consultant's count also reads the programme's thresholds (one more)."""
    if not (user.is_authenticated and (user.is_team or user.is_elu)):
        return 0
    today = today or timezone.localdate()
    weeks: list[datetime.date] = []
    if user.is_gbm:
        querysets = gbm_todo(user)
    elif user.is_consultant:
        programme = Programme.objects.current()
        thresholds = programme.thresholds if programme else Thresholds()
        querysets = consultant_todo(user, today, thresholds)
        weeks = weeks_checked(today, thresholds.timesheet_weeks_checked, programme)
    else:
        querysets = elu_todo(user)
    annotations = {f"count_{kind}": count_subquery(queryset) for kind, queryset in querysets.items()}
    for position, monday in enumerate(weeks):
        logged = TimeEntry.objects.filter(
            consultant=user, date__gte=monday, date__lt=monday + datetime.timedelta(days=7)
        )
        annotations[f"week_{position}"] = Exists(logged)
    row = User.objects.filter(pk=user.pk).values(**annotations).get()
    counted = sum(value for name, value in row.items() if name.startswith("count_"))
    return counted + sum(1 for name, value in row.items() if name.startswith("week_") and not value)


# How each kind of item reads ----------------------------------------------------------------------------------------
def _item_queries(querysets: dict, today: datetime.date) -> list[ItemQuery]:
    """The common columns of every kind that a home page may list."""
    person = "submitted_by"
    columns = {
        "deliverable": {
            "title": "title",
            "commune": "commune",
            "at": "submitted_at",
            "number": "version",
            "person": person,
        },
        "approved_plan": {
            "title": "title",
            "commune": "commune",
            # GBM's delay runs from the council's approval, not from the submission (issue 25).
            "at": Coalesce(ActionPlan.council_approval_time(), "submitted_at"),
            "number": "version",
            "person": person,
            "due": Subquery(ActionPlan.objects.filter(pk=OuterRef("object_id")).values("council_decision_date")[:1]),
        },
        "request": {
            "title": "title",
            "commune": "commune",
            "due": "received_on",
            "state": "status",
            "number": "number",
            "parent": "year",
        },
        "theme": {"title": "title", "at": "proposed_at", "person": "proposed_by"},
        "returned": {
            "title": "title",
            "commune": "commune",
            "at": "reviewed_at",
            "number": "version",
            "person": "reviewed_by",
            "note": "review_comment",
        },
        "minutes": {"title": "title", "commune": "commune", "at": "starts_at", "state": "kind"},
        "closure": {"title": "title", "at": "ends_at", "state": "status"},
        "plan": {"title": Value("Plan d'actions", output_field=CharField()), "commune": "accompaniment__commune"},
        "late_action": {
            "title": "title",
            "commune": "plan__accompaniment__commune",
            "due": "end_month",
            "state": "status",
        },
        "late_step": {
            "title": "request__title",
            "commune": "request__commune",
            "due": "planned_end",
            "state": "status",
            "note": "kind",
            "parent": "request_id",
        },
        "late_order": {
            "title": Concat("number", Value(" — "), "object", output_field=CharField()),
            "commune": "commune",
            "due": "planned_end",
            "state": "status",
        },
    }
    order = {"deliverable": ("submitted_at",), "approved_plan": ("submitted_at",), "request": ("received_on", "pk")}
    order |= {"theme": ("proposed_at",), "returned": ("-reviewed_at",), "minutes": ("starts_at",)}
    order |= {"closure": ("ends_at",), "late_action": ("end_month", "pk"), "late_step": ("planned_end", "pk")}
    order |= {"late_order": ("planned_end", "pk")}
    return [
        ItemQuery(kind=kind, queryset=queryset, order=order.get(kind, ("pk",)), **columns[kind])
        for kind, queryset in querysets.items()
    ]


def _describe(item: Item, today: datetime.date, thresholds: Thresholds, user) -> Item:
    """Fill the item's link, detail and lateness by its kind (the lateness by its model's own rule)."""
    kind = item.kind
    if kind in ("deliverable", "approved_plan"):
        deliverable = Deliverable(status=Deliverable.Status.SUBMITTED, submitted_at=item.at)
        waiting = deliverable.days_waiting(today)
        item.url = reverse("deliverable_subject", args=[item.pk])
        item.lateness = deliverable.validation_lateness_on(today, thresholds.validation_due_days)
        item.commune = ""  # the title names it
        if kind == "approved_plan":
            council = f" le {french.french_date(item.due)}" if item.due else ""
            since = f"approuvé par le conseil municipal{council} (enregistré le {french.short_date(item.at)})"
        else:
            since = f"soumise le {french.short_date(item.at)}"
        waited = f"{_days(waiting)} d'attente" if waiting else "à valider depuis aujourd'hui"
        item.detail = (
            f"version {item.number}, {since}{' par ' + item.person if item.person and kind == 'deliverable' else ''}"
            f" — {waited}"
        )
    elif kind == "request":
        item.url = reverse("missions:support_detail", args=[item.pk])
        reference = f"DA-{item.parent}-{item.number:04d}" if item.number else ""
        status = SupportRequest.Status(item.state).label.lower() if item.state else ""
        age = (today - item.due).days
        received = f"reçue le {french.short_date(item.due)} ({_days(age)} d'attente)" if age else "reçue aujourd'hui"
        item.detail = f"{reference}, {received}, {status}"
    elif kind == "theme":
        item.url = reverse("ateliers:theme_detail", args=[item.pk])
        item.detail = f"proposé par {item.person or '—'} le {french.short_date(item.at)}"
    elif kind == "returned":
        item.url = reverse("deliverable_subject", args=[item.pk])
        item.commune = ""  # the title names it
        item.detail = f"version {item.number} renvoyée le {french.short_date(item.at)} par {item.person or 'GBM'}"
        item.extra["comment"] = item.note
    elif kind == "minutes":
        item.url = reverse("missions:meeting_update", args=[item.pk])
        item.title = item.title or Meeting.Kind(item.state).label
        item.lateness = Meeting(minutes="", starts_at=item.at).minutes_lateness_on(today, thresholds.minutes_due_days)
        item.detail = f"tenue le {french.short_date(item.at)}, compte rendu à rédiger"
    elif kind == "closure":
        item.url = reverse("ateliers:detail", args=[item.pk])
        item.lateness = Workshop(status=Workshop.Status.PLANNED, ends_at=item.at).closure_lateness_on(today)
        item.detail = f"le {french.short_date(item.at)} : a-t-il eu lieu ? Marquez-le tenu ou annulé"
    elif kind == "plan":
        item.url = reverse("missions:action_plan", args=[item.insee])
        item.detail = "soumis : à approuver par le conseil municipal (date de la délibération)"
    elif kind == "late_action":
        item.url = reverse("missions:action_detail", args=[item.pk])
        item.lateness = Action(end_month=item.due, status=item.state).lateness_on(today)
        item.detail = (
            f"fin prévue en {french.long_month_year(item.due)} ({french.short_date(last_day_of_month(item.due))})"
        )
    elif kind == "late_step":
        item.url = reverse("missions:support_detail", args=[item.parent])
        item.lateness = SupportStep(planned_end=item.due, status=item.state).lateness_on(today)
        step = SupportStep.Kind(item.note).label if item.note in SupportStep.Kind.values else "étape"
        item.detail = f"étape « {step} », fin prévue le {french.short_date(item.due)}"
    elif kind == "late_order":
        item.url = reverse("missions:order_form_detail", args=[item.pk])
        item.lateness = OrderForm(planned_end=item.due, status=item.state).lateness_on(today)
        status = OrderForm.Status(item.state).label.lower() if item.state else ""
        item.detail = f"fin d'exécution prévue le {french.short_date(item.due)}, {status}"
    return item


@dataclass
class ItemList:
    """A titled list of a home page: "Livrables à valider (3)", with at most SHOWN items and a link to the rest."""

    kind: str
    title: str
    count: int
    items: list[Item]
    empty: str
    more_url: str = ""

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


TITLES = {
    "deliverable": ("Livrables à valider", "Aucun livrable n'attend votre validation.", "deliverable_list"),
    "approved_plan": (
        "Plans d'actions approuvés par leur commune, à valider",
        "Aucun plan approuvé n'attend votre validation.",
        "deliverable_list",
    ),
    "request": (
        "Demandes d'accompagnement à décider",
        "Aucune demande n'attend de décision.",
        "missions:support_list",
    ),
    "theme": ("Thèmes d'ateliers à valider", "Aucun thème proposé n'attend votre avis.", "ateliers:theme_list"),
    "returned": ("Renvoyé pour corrections", "GBM ne vous a rien renvoyé.", ""),
    "minutes": ("Réunions sans compte rendu", "Toutes vos réunions passées ont leur compte rendu.", ""),
    "closure": ("Ateliers passés à clôturer", "Aucun atelier passé n'attend d'être marqué tenu.", "ateliers:list"),
    "late_action": ("Actions en retard", "Aucune action en retard.", "missions:action_list"),
    "late_step": ("Étapes d'accompagnement en retard", "Aucune étape en retard.", "missions:support_list"),
    "late_order": ("Bons de commande en retard", "Aucun bon de commande en retard.", "missions:order_form_list"),
}
LATE_FILTER = {"late_action", "late_step", "late_order"}
# The filter of the full list that shows exactly a home list's items (the deliverables list shows both kinds of
# GBM's lists; the themes list shows every status).
LIST_FILTER = {
    "deliverable": "?type=autres",
    "approved_plan": "?type=plan",
    "theme": f"?status={Theme.Status.PROPOSED}",
}


def _lists(kinds, by_kind: dict, counts: dict, today, thresholds, user) -> list[ItemList]:
    lists = []
    for kind in kinds:
        title, empty, url_name = TITLES[kind]
        more_url = reverse(url_name) if url_name else ""
        if more_url and kind in LATE_FILTER:
            more_url += "?late=true"
        elif more_url and kind in LIST_FILTER:
            more_url += LIST_FILTER[kind]
        items = sorted(by_kind.get(kind, []), key=lambda item: item.due or item.at or datetime.date.min)
        if kind == "returned":
            items.reverse()
        items = [_describe(item, today, thresholds, user) for item in items]
        lists.append(ItemList(kind, title, counts.get(kind, len(items)), items, empty, more_url))
    return lists


# Budget levels ------------------------------------------------------------------------------------------------------
@dataclass
class BudgetAlert:
    label: str
    figures: BudgetFigures
    order_form_id: int | None = None  # None: a mission

    @property
    def url(self) -> str:
        """Its order form, or the budget page for a mission (reversed only for the alerts shown)."""
        if self.order_form_id is None:
            return reverse("missions:order_form_budget")
        return reverse("missions:order_form_detail", args=[self.order_form_id])


def budget_with_alerts(programme, user) -> tuple[ProgrammeBudget, list[BudgetAlert]]:
    """The programme's budget per mission (as `programme_totals`) and the missions and order forms at 80 % of
    their ordered amount or more, from the same rows (one query)."""
    missions = {value: MissionBudget(mission=value, label=label) for value, label in Mission.choices}
    rows = (
        lines_with_consumption(
            OrderLine.objects.filter(order_form__in=committed_order_forms(programme=programme, user=user))
        )
        .order_by()
        .values_list(
            "order_form_id",
            "order_form__number",
            "order_form__object",
            "order_form__mission",
            "order_form__status",
            "unit",
            "quantity",
            "unit_price",
            "consumed_half_days",
        )
    )
    by_form = figures_by_key(
        ((form_id, number, subject, mission), unit, quantity, unit_price, consumed, status)
        for form_id, number, subject, mission, status, unit, quantity, unit_price, consumed in rows
    )
    forms: dict[int, list] = {}
    for (form_id, number, subject, mission), figures in by_form.items():
        missions[mission].figures = missions[mission].figures + figures
        forms[form_id] = [f"{number} — {subject}", figures]
    total = sum((mission.figures for mission in missions.values()), BudgetFigures())
    budget = ProgrammeBudget(programme=programme, missions=list(missions.values()), figures=total)
    alerts = [
        BudgetAlert(mission.label, mission.figures) for mission in budget.missions if mission.figures.level != "ok"
    ]
    # The order forms over budget first, then the most consumed: the home shows the first BUDGET_ALERTS_SHOWN.
    at_risk = [(form_id, label, figures) for form_id, (label, figures) in forms.items() if figures.level != "ok"]
    at_risk.sort(key=lambda item: (item[2].level != "alert", -(item[2].consumed_rate or 0), item[1]))
    alerts += [BudgetAlert(label, figures, form_id) for form_id, label, figures in at_risk]
    return budget, alerts


# Consultant's accompaniments ---------------------------------------------------------------------------------------
def _related(accompaniment, name: str):
    try:
        return getattr(accompaniment, name)
    except ObjectDoesNotExist:
        return None


def next_step(accompaniment) -> str:
    """What comes next for an accompaniment, from its phase and the state of its diagnostic and plan."""
    phase = accompaniment.phase
    diagnostic, plan = _related(accompaniment, "diagnostic"), _related(accompaniment, "action_plan")
    if phase == Accompaniment.Phase.IDENTIFIED:
        return "Tenir la réunion de lancement et commencer le diagnostic"
    if phase == Accompaniment.Phase.DIAGNOSTIC:
        if diagnostic is not None and diagnostic.awaits_validation:
            return "Diagnostic soumis : en attente de la validation de GBM"
        return "Rédiger le diagnostic et le soumettre à GBM"
    if phase == Accompaniment.Phase.ACTION_PLAN:
        if plan is not None and plan.awaits_approval:
            return "Plan soumis : en attente de l'approbation du conseil municipal"
        if plan is not None and plan.awaits_validation:
            return "Plan approuvé par la commune : en attente de la validation de GBM"
        return "Rédiger le plan d'actions avec la commune et le soumettre"
    if phase == Accompaniment.Phase.IMPLEMENTATION:
        return "Suivre la mise en œuvre des actions du plan"
    return "Accompagnement clôturé"


def my_accompaniments(user, programme, now: datetime.datetime) -> list[Accompaniment]:
    """The consultant's open accompaniments in the programme, each with its next meeting (one query)."""
    upcoming = Meeting.objects.filter(commune_id=OuterRef("commune_id"), starts_at__gte=now).order_by("starts_at")
    return list(
        Accompaniment.objects.filter(lead_consultant=user, programme=programme)
        .exclude(phase=Accompaniment.Phase.CLOSED)
        .select_related("commune", "diagnostic", "action_plan")
        .annotate(
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1], output_field=DateTimeField()),
            next_meeting_title=Subquery(upcoming.values("title")[:1]),
        )
        .order_by("commune__name")
    )


def workshops_to_prepare(user, now: datetime.datetime, limit: int = 5) -> list[Workshop]:
    """The next planned workshops with how many people registered so far (one query)."""
    return list(
        Workshop.objects.visible_to(user)
        .filter(status=Workshop.Status.PLANNED, starts_at__gte=now)
        .annotate(registered=Count("registrations"))
        .order_by("starts_at")[:limit]
    )


# The homes -----------------------------------------------------------------------------------------------------------
@dataclass
class Home:
    """What a home page shows: its lists, the new changes, and what the navigation's count says."""

    role: str
    todo: list[ItemList] = field(default_factory=list)
    late: list[ItemList] = field(default_factory=list)
    news: list = field(default_factory=list)
    news_since: datetime.datetime | None = None
    first_visit: bool = False
    context: dict = field(default_factory=dict)

    @property
    def todo_count(self) -> int:
        return sum(item_list.count for item_list in self.todo) + len(self.context.get("weeks_without_time", []))

    @property
    def late_count(self) -> int:
        return sum(item_list.count for item_list in self.late)


def _news(home: Home, user, since, now) -> None:
    home.first_visit = since is None
    home.news_since = news_since(since, now)
    home.news = news_for(user, home.news_since)


def _team_home(role, user, programme, kinds, today, now, since, thresholds) -> tuple[Home, dict]:
    """The lists of a GBM officer's or a consultant's home with their counts (in the lists' query), the scorecard
    and the budget levels. `kinds(now)` gives the role's "À faire" and "En retard" querysets; their one query is
    kept (`core.prepared.kept`) for the reader, the day and the thresholds, with the moment of the read as a
    `Parameter`: it is run again on every read, never built again."""

    def build():
        todo, late = kinds(Parameter("now", DateTimeField()))
        return prepare_items(_item_queries({**todo, **late}, today), SHOWN), tuple(todo), tuple(late)

    key = ("home_items", router.db_for_read(Deliverable), role, reader_key(user), today, thresholds)
    prepared, todo, late = kept(key, build)
    by_kind, counts = run_items(prepared, now=now)
    extra = {}
    if programme is not None:
        figures = programme_figures(programme, charts=False)
        budget, alerts = budget_with_alerts(programme, user)
        extra = {
            "targets": contract_targets(programme, figures, budget),
            "budget_alerts": alerts[:BUDGET_ALERTS_SHOWN],
            "budget_alerts_count": len(alerts),
        }
    home = Home(
        role=role,
        todo=_lists(todo, by_kind, counts, today, thresholds, user),
        late=_lists(late, by_kind, counts, today, thresholds, user),
    )
    _news(home, user, since, now)
    return home, extra


def gbm_home(user, programme, *, since=None, now=None) -> Home:
    """A GBM officer's home: decisions waiting (with days waiting), what is late, silent communes, budget levels."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    thresholds = programme.thresholds if programme else Thresholds()
    home, extra = _team_home(
        "gbm",
        user,
        programme,
        lambda _now: (gbm_todo(user), late_querysets(user, today)),
        today,
        now,
        since,
        thresholds,
    )
    home.context = {
        **extra,
        "silent": silent_communes(programme, now=now),
        "programme": programme,
        "ending_accounts": list(accounts.ending_soon(today, days=ENDING_ACCOUNTS_DAYS)[:ENDING_ACCOUNTS_SHOWN]),
        "ending_accounts_days": ENDING_ACCOUNTS_DAYS,
    }
    return home


def consultant_home(user, programme, *, since=None, now=None) -> Home:
    """A consultant's home: what was sent back, minutes and time to write, their accompaniments' next steps,
    workshops to prepare, what is late in their communes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    thresholds = programme.thresholds if programme else Thresholds()
    home, extra = _team_home(
        "consultant",
        user,
        programme,
        lambda now: (consultant_todo(user, today, thresholds, now), late_querysets(user, today, consultant=True)),
        today,
        now,
        since,
        thresholds,
    )
    weeks = weeks_without_time(user, today, thresholds.timesheet_weeks_checked, programme)
    home.context = {
        **extra,
        "programme": programme,
        "weeks_without_time": weeks,
        "accompaniments": [
            (accompaniment, next_step(accompaniment)) for accompaniment in my_accompaniments(user, programme, now)
        ]
        if programme
        else [],
        "workshops": workshops_to_prepare(user, now),
    }
    return home


def elu_home(user, *, since=None, now=None) -> Home:
    """An élu's home: first what awaits them (their plan to approve), their next workshops, the state of their
    requests, the validated documents to download, their plan's late actions; the commune's card below."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    commune: Commune = user.commune  # read once: the navigation shows it too
    accompaniment = (
        Accompaniment.objects.visible_to(user)
        .filter(commune=commune)
        .select_related("programme", "lead_consultant", "gbm_referent", "elected_referent", "action_plan")
        .order_by("-programme__start_date")
        .first()
    )
    plan = _related(accompaniment, "action_plan") if accompaniment else None
    plan_in_preparation = plan is not None and not plan.is_visible_to_elus  # said on the home, not shown
    if plan_in_preparation:
        plan = None
    late_actions = list(
        Action.objects.visible_to(user)
        .late(today)
        .filter(plan__accompaniment__commune=commune)
        .order_by("end_month", "position")
    )
    home = Home(role="elu")
    awaiting = plan is not None and plan.awaits_approval
    title = f"Plan d'actions {french.de(commune)}"
    plan_item = Item(kind="plan", pk=plan.pk, title=title, insee=commune.insee_code) if awaiting else None
    home.todo = [
        ItemList(
            "plan",
            "Votre plan d'actions attend votre approbation",
            1 if awaiting else 0,
            [_describe(plan_item, today, Thresholds(), user)] if awaiting else [],
            "Rien n'attend votre approbation.",
        )
    ]
    home.late = [
        ItemList(
            "late_action",
            "Actions du plan en retard",
            len(late_actions),
            [
                _describe(
                    Item(
                        kind="late_action", pk=action.pk, title=action.title, due=action.end_month, state=action.status
                    ),
                    today,
                    Thresholds(),
                    user,
                )
                for action in late_actions
            ],
            "Aucune action du plan n'est en retard.",
        )
    ]
    _news(home, user, since, now)
    home.context = {
        "commune": commune,
        "accompaniment": accompaniment,
        "plan": plan,
        "plan_in_preparation": plan_in_preparation,
        "plan_awaits_approval": awaiting,
        "workshops": list(
            Workshop.objects.visible_to(user)
            .filter(status=Workshop.Status.PLANNED, starts_at__gte=now)
            .annotate(commune_registered=Count("registrations", filter=Q(registrations__commune_id=commune.pk)))
            .order_by("starts_at")[:3]
        ),
        "requests": list(
            SupportRequest.objects.visible_to(user).filter(commune=commune).order_by("-received_on")[:10]
        ),
        "documents": list(
            Deliverable.objects.visible_to(user).validated().filter(commune=commune).order_by("kind", "-version")
        ),
    }
    return home


def home_for(user, *, since=None, now=None) -> Home:
    """The home of `user`'s role."""
    if user.is_elu:
        return elu_home(user, since=since, now=now)
    programme = Programme.objects.visible_to(user).current()
    if user.is_gbm:
        return gbm_home(user, programme, since=since, now=now)
    return consultant_home(user, programme, since=since, now=now)
