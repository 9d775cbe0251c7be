""" "Nouveau depuis votre dernière visite": who changed what, in words, from the history the portal already keeps.

The history tables of django-simple-history (meetings, diagnostics, plans, actions, requests, workshops…) and the
reminders are read in ONE query (a UNION ALL of one SELECT per table, sorted and cut by the database), filtered by
what the reader may see: the team sees every change; an élu sees changes in their own commune to what they can read
(never a draft, never an order form) and never an edit that touched only a meeting's internal notes. A reader's own
changes are left out, and so is any row the reader may not open now (`visible_to` of its model, or of its parent's:
a consultant never reads of a draft order form, which would answer 404).

What an import did is told once per file and person (« Claire Vuillemin a importé 12 actions (fichier « plan.xlsx »)
»), and what the portal did by itself (no person: the demo data, scheduled tasks) in one line at the end, counted by
kind, so that it never buries what people did.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import CharField, DateTimeField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from ateliers.models import Registration, Theme, Workshop
from core import french
from core.history import history_model
from core.models import Deliverable, WorkflowStatus
from core.prepared import Parameter, Prepared, kept, prepare, reader_key
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan, ProgressNote
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.models.meetings import HEADCOUNT_FIELDS, Meeting
from missions.money.models.orders import OrderForm
from missions.support.models import SupportRequest, SupportStep
from pat_portal.pages.models import Reminder

# How far back "new" goes when the reader has never opened the home page, or not for a long time.
FIRST_VISIT_DAYS = 14
MAX_DAYS = 30
# Rows read (the database sorts and cuts), then changes to one object by one person are told once.
ROWS_READ = 120
SHOWN = 15

VISIBLE_TO_ELUS = [WorkflowStatus.SUBMITTED, WorkflowStatus.VALIDATED]
# What an élu reads of a meeting: an edit that changed none of these (only the internal notes, the time spent…)
# is not news for them.
MEETING_PUBLIC_FIELDS = [
    "starts_at",
    "place",
    "kind",
    "title",
    "agenda",
    "minutes",
    "decisions",
    "next_steps",
    *[name for name, _label, _categories in HEADCOUNT_FIELDS],
]

COLUMNS = [
    "n_source",
    "n_id",
    "n_at",
    "n_type",
    "n_user_id",
    "n_first_name",
    "n_last_name",
    "n_title",
    "n_commune",
    "n_insee",
    "n_state",
    "n_parent",
    "n_reason",
]
# The history's change reason of an import (missions/mission1/imports, communes/contact_import).
IMPORT_REASON_PREFIX = "Import du fichier"


@dataclass(frozen=True)
class Source:
    """One table of the history: how its rows are named, placed in a commune, linked to, and filtered for élus."""

    key: str
    model: type  # the model whose history (or, for reminders, whose rows) is read
    noun: str  # "la réunion": what the sentence says was changed
    title: str | None = None  # path of the title on the historical row
    commune: str | None = None  # path of the commune foreign key on the historical row
    state: str | None = None  # a status or kind the sentence or the link needs
    parent: str | None = None  # the id the link points to when it is not the row's own
    of_commune: bool = False  # "le diagnostic d'Amagney": the commune names the object
    group_additions: str = ""  # additions told together: "a ajouté 12 actions au plan d'actions d'Amagney"
    team_only: bool = False
    for_elu: Callable | None = None  # user -> Q (or Exists) of the rows an élu may see, beyond their commune
    plural: tuple[str, str] = ("élément", "éléments")  # counted: "1 réunion", "12 réunions"
    # Whose `visible_to` says whether the reader may open the row: (model, field of the historical row holding its
    # id); None: the source's own model and the row's id.
    visible_via: tuple[type, str] | None = None

    def counted(self, count: int) -> str:
        return f"{count} {self.plural[0] if count == 1 else self.plural[1]}"


def _visible_plan(prefix: str) -> Callable:
    return lambda user: Q(**{f"{prefix}workflow_status__in": VISIBLE_TO_ELUS})


def _not_internal_only_meeting_edit(user):
    """Keeps every meeting record but the edits whose previous record has the same public fields."""
    history = history_model(Meeting)
    previous = (
        history.objects.filter(id=OuterRef(OuterRef("id")), history_date__lt=OuterRef(OuterRef("history_date")))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    same_public_side = history.objects.filter(
        history_id=Subquery(previous), **{name: OuterRef(name) for name in MEETING_PUBLIC_FIELDS}
    )
    return ~(Q(history_type="~") & Exists(same_public_side))


SOURCES = [
    Source(
        "meeting",
        Meeting,
        "la réunion",
        title="title",
        commune="commune",
        state="kind",
        for_elu=_not_internal_only_meeting_edit,
        plural=("réunion", "réunions"),
    ),
    Source(
        "diagnostic",
        Diagnostic,
        "le diagnostic",
        commune="accompaniment__commune",
        state="workflow_status",
        of_commune=True,
        for_elu=_visible_plan(""),
        plural=("diagnostic", "diagnostics"),
    ),
    Source(
        "plan",
        ActionPlan,
        "le plan d'actions",
        commune="accompaniment__commune",
        state="workflow_status",
        of_commune=True,
        for_elu=_visible_plan(""),
        plural=("plan d'actions", "plans d'actions"),
    ),
    Source(
        "action",
        Action,
        "l'action",
        title="title",
        commune="plan__accompaniment__commune",
        parent="plan__accompaniment__commune__insee_code",
        group_additions="actions au plan d'actions",
        for_elu=_visible_plan("plan__"),
        plural=("action", "actions"),
    ),
    Source(
        "progress_note",
        ProgressNote,
        "un point d'avancement sur l'action",
        title="action__title",
        commune="action__plan__accompaniment__commune",
        parent="action_id",
        for_elu=_visible_plan("action__plan__"),
        plural=("point d'avancement", "points d'avancement"),
        visible_via=(Action, "action_id"),
    ),
    Source(
        "accompaniment",
        Accompaniment,
        "l'accompagnement",
        commune="commune",
        state="phase",
        of_commune=True,
        plural=("accompagnement", "accompagnements"),
    ),
    Source(
        "request",
        SupportRequest,
        "la demande d'accompagnement",
        title="title",
        commune="commune",
        state="status",
        plural=("demande d'accompagnement", "demandes d'accompagnement"),
    ),
    Source(
        "step",
        SupportStep,
        "une étape de la demande",
        title="request__title",
        commune="request__commune",
        state="kind",
        parent="request_id",
        plural=("étape de demande", "étapes de demandes"),
        visible_via=(SupportRequest, "request_id"),
    ),
    Source("workshop", Workshop, "l'atelier", title="title", state="status", plural=("atelier", "ateliers")),
    Source(
        "theme",
        Theme,
        "le thème d'atelier",
        title="title",
        state="status",
        for_elu=lambda user: Q(status=Theme.Status.VALIDATED),
        plural=("thème d'atelier", "thèmes d'ateliers"),
    ),
    Source(
        "registration",
        Registration,
        "une inscription à l'atelier",
        title="workshop__title",
        commune="commune",
        parent="workshop_id",
        group_additions="personnes à l'atelier",
        plural=("inscription", "inscriptions"),
    ),
    Source(
        "deliverable",
        Deliverable,
        "le livrable",
        title="title",
        commune="commune",
        state="status",
        for_elu=lambda user: Q(status=Deliverable.Status.VALIDATED),
        plural=("livrable", "livrables"),
    ),
    Source(
        "order_form",
        OrderForm,
        "le bon de commande",
        title="number",
        commune="commune",
        team_only=True,
        plural=("bon de commande", "bons de commande"),
    ),
]
REMINDERS = Source(
    "reminder", Reminder, "la commune", title="subject", commune="commune", plural=("relance", "relances")
)
SOURCES_BY_KEY = {source.key: source for source in [*SOURCES, REMINDERS]}


def _text(path: str | None):
    return F(path) if path else Value("", output_field=CharField())


def _commune_columns(path: str | None) -> dict:
    if path is None:
        # Typed NULLs: PostgreSQL types a UNION's columns pair by pair, and two untyped NULLs make a text column.
        return {
            "n_commune": Cast(Value(None), output_field=CharField()),
            "n_insee": Cast(Value(None), output_field=CharField()),
        }
    return {"n_commune": F(f"{path}__name"), "n_insee": F(f"{path}__insee_code")}


def _openable(source: Source, user) -> Q | None:
    """The historical rows whose object `user` may open now (None when they may open every one)."""
    model, field = source.visible_via or (source.model, "id")
    visible = model.objects.visible_to(user)
    if not visible.query.has_filters():
        return None
    return Q(**{f"{field}__in": visible.values("pk")})


def _history_branch(source: Source, user, since: datetime.datetime):
    rows = history_model(source.model).objects.filter(history_date__gt=since).exclude(history_user=user)
    openable = _openable(source, user)
    if openable is not None:
        rows = rows.filter(openable)
    if user.is_elu:
        if source.commune:
            rows = rows.filter(**{f"{source.commune}_id": user.commune_id})
        if source.for_elu:
            rows = rows.filter(source.for_elu(user))
    return (
        rows.order_by()
        .annotate(
            n_source=Value(source.key, output_field=CharField()),
            n_id=F("id"),
            n_at=F("history_date"),
            n_type=F("history_type"),
            n_user_id=F("history_user_id"),
            n_first_name=F("history_user__first_name"),
            n_last_name=F("history_user__last_name"),
            n_title=_text(source.title),
            **_commune_columns(source.commune),
            n_state=_text(source.state),
            n_parent=_parent_text(source.parent),
            n_reason=Coalesce(F("history_change_reason"), Value(""), output_field=CharField()),
        )
        .values(*COLUMNS)
    )


def _parent_text(path: str | None):
    """Every branch's parent column is text (an id or an INSEE code), so that the UNION's columns agree."""
    if path is None:
        return Value("", output_field=CharField())
    return Cast(F(path), output_field=CharField())


def _reminder_branch(user, since: datetime.datetime):
    rows = Reminder.objects.visible_to(user).filter(sent_at__gt=since).exclude(sent_by=user)
    return (
        rows.order_by()
        .annotate(
            n_source=Value(REMINDERS.key, output_field=CharField()),
            n_id=F("id"),
            n_at=F("sent_at"),
            n_type=Value("+", output_field=CharField()),
            n_user_id=F("sent_by_id"),
            n_first_name=F("sent_by__first_name"),
            n_last_name=F("sent_by__last_name"),
            n_title=F("subject"),
            **_commune_columns("commune"),
            n_state=Value("", output_field=CharField()),
            n_parent=Value("", output_field=CharField()),
            n_reason=Value("", output_field=CharField()),
        )
        .values(*COLUMNS)
    )


@dataclass
class NewsItem:
    """One change, told as a sentence: "Claire Vuillemin a modifié la réunion « Lancement » — Amagney"."""

    source: str
    at: datetime.datetime
    who: str
    verb: str
    what: str
    commune: str = ""
    url: str = ""
    count: int = 1

    @property
    def sentence(self) -> str:
        where = f" — {self.commune}" if self.commune else ""
        return f"{self.who} {self.verb} {self.what}{where}"

    def ago(self, now: datetime.datetime | None = None) -> str:
        """ "il y a 2 jours", "il y a 3 heures", "à l'instant"."""
        now = now or timezone.now()
        if now - self.at < datetime.timedelta(minutes=1):
            return "à l'instant"
        return f"il y a {timesince(self.at, now, depth=1)}"

    @property
    def when(self) -> str:
        return self.ago()


VERBS = {"+": "a ajouté", "~": "a modifié", "-": "a supprimé"}


def _verb(row: dict) -> str:
    source, kind, state = row["n_source"], row["n_type"], row["n_state"]
    if source == "deliverable":
        return {
            Deliverable.Status.SUBMITTED: "a soumis à validation",
            Deliverable.Status.VALIDATED: "a validé",
            Deliverable.Status.RETURNED: "a renvoyé pour corrections",
            Deliverable.Status.WITHDRAWN: "a retiré",
        }.get(state, VERBS.get(kind, "a modifié"))
    if source == "theme" and kind == "~":
        return {Theme.Status.VALIDATED: "a validé", Theme.Status.REJECTED: "a refusé"}.get(state, "a modifié")
    if source == "reminder":
        return "a relancé"
    if source == "registration" and kind == "+":
        return "a inscrit"
    if source == "progress_note" and kind == "+":
        return "a ajouté"
    if source == "request" and kind == "+":
        return "a enregistré"
    return VERBS.get(kind, "a modifié")


def _what(row: dict, source: Source) -> str:
    title, commune = row["n_title"], row["n_commune"] or ""
    if source.key == "reminder":
        return commune
    if source.key == "registration" and row["n_type"] == "+":
        return f"une personne à l'atelier « {title} »"
    if source.key == "step":
        step = SupportStep.Kind(row["n_state"]).label if row["n_state"] in SupportStep.Kind.values else "une étape"
        return f"l'étape « {step} » de la demande « {title} »"
    if source.key == "meeting" and not title:
        title = Meeting.Kind(row["n_state"]).label if row["n_state"] in Meeting.Kind.values else ""
    if source.of_commune:
        return f"{source.noun} {french.de(commune)}".strip()
    return f"{source.noun} « {title} »" if title else source.noun


def _url(row: dict, user) -> str:
    if row["n_type"] == "-":
        return ""
    source, pk, parent, insee = row["n_source"], row["n_id"], row["n_parent"], row["n_insee"]
    if source == "meeting":
        return reverse("missions:meeting_detail", args=[pk])
    if source == "diagnostic" and insee:
        return reverse("missions:diagnostic", args=[insee])
    if source == "plan" and insee:
        return reverse("missions:action_plan", args=[insee])
    if source == "action":
        return reverse("missions:action_detail", args=[pk])
    if source == "progress_note" and parent:
        return reverse("missions:action_detail", args=[parent])
    if source == "request":
        return reverse("missions:support_detail", args=[pk])
    if source == "step" and parent:
        return reverse("missions:support_detail", args=[parent])
    if source == "workshop":
        return reverse("ateliers:detail", args=[pk])
    if source == "theme":
        return reverse("ateliers:theme_detail", args=[pk])
    if source == "registration" and parent:
        return reverse("ateliers:detail", args=[parent])
    if source == "deliverable":
        if user.is_team:
            return reverse("deliverable_subject", args=[pk])
        return reverse("deliverable_pdf", args=[pk])
    if source == "order_form":
        return reverse("missions:order_form_detail", args=[pk])
    if insee:
        return reverse("communes:detail", args=[insee])
    return ""


def news_since(since: datetime.datetime | None, now: datetime.datetime | None = None) -> datetime.datetime:
    """Where "new" starts: the end of the previous visit, at most MAX_DAYS ago (FIRST_VISIT_DAYS on a first visit)."""
    now = now or timezone.now()
    if since is None:
        return now - datetime.timedelta(days=FIRST_VISIT_DAYS)
    return max(since, now - datetime.timedelta(days=MAX_DAYS))


def _changed_sources(user, since: datetime.datetime) -> set[str]:
    """The sources with a change after `since` by someone else than `user` (one plain query on the history dates'
    indexes): only their branches are built. Building a branch costs more than running it (12-18 ms of ORM work for
    the fourteen of them at scale 20, against 1-4 ms of SQL), and after a visit few tables have changed."""
    connection = connections[router.db_for_read(Reminder)]
    quote = connection.ops.quote_name
    moment = connection.ops.adapt_datetimefield_value(since)
    tables = [
        (source.key, history_model(source.model)._meta.db_table, "history_date", "history_user_id")
        for source in SOURCES
    ]
    tables.append((REMINDERS.key, Reminder._meta.db_table, "sent_at", "sent_by_id"))
    parts, params = [], []
    for key, table, at, by in tables:
        # The keys are the module's own identifiers (letters and underscores), written as SQL literals.
        parts.append(
            f"SELECT '{key}' WHERE EXISTS (SELECT 1 FROM {quote(table)} WHERE {quote(at)} > %s "
            f"AND ({quote(by)} IS NULL OR {quote(by)} <> %s))"
        )
        params += [moment, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {row[0] for row in cursor.fetchall()}


def _news_query(user, wanted: tuple[str, ...]) -> Prepared:
    """The UNION of the `wanted` sources' branches for `user`, the newest ROWS_READ rows first, kept
    (`core.prepared.kept`, ADR 0014) for the reader and the sources with the start of "new" as a `Parameter`."""
    since = Parameter("since", DateTimeField())
    branches = [_history_branch(source, user, since) for source in SOURCES if source.key in wanted]
    if REMINDERS.key in wanted:
        branches.append(_reminder_branch(user, since))
    first, *rest = branches
    return prepare(first.union(*rest, all=True).order_by("-n_at")[:ROWS_READ])


def news_for(user, since: datetime.datetime, *, limit: int = SHOWN) -> list[NewsItem]:
    """The changes after `since` that `user` may see and open, newest first, in words (one query, two when something
    changed); each import in one line, and what the portal did by itself in one line at the end."""
    changed = _changed_sources(user, since)
    wanted = tuple(
        source.key for source in SOURCES if source.key in changed and (user.is_team or not source.team_only)
    )
    if REMINDERS.key in changed:
        wanted += (REMINDERS.key,)
    if not wanted:
        return []
    key = ("news", router.db_for_read(Reminder), reader_key(user), wanted)
    rows = kept(key, lambda: _news_query(user, wanted)).dicts(since=since)
    items: list[NewsItem] = []
    told: dict[tuple, NewsItem] = {}
    imports: dict[tuple, dict[str, int]] = {}
    system = _Tally()
    for row in rows:
        source = SOURCES_BY_KEY[row["n_source"]]
        if row["n_user_id"] is None:
            system.add(row, source)
            continue
        if row["n_reason"].startswith(IMPORT_REASON_PREFIX):
            key = ("import", row["n_reason"], row["n_user_id"])
            if key not in told:
                if len(items) >= limit:
                    continue
                told[key] = _import_item(row)
                items.append(told[key])
                imports[key] = _Tally()
            imports[key].add(row, source)
            told[key].what = f"{imports[key].text()} ({_file_of(row['n_reason'])})"
            told[key].count = imports[key].total
            continue
        grouped = row["n_type"] == "+" and source.group_additions
        key = (
            (source.key, row["n_type"], row["n_parent"], row["n_user_id"])
            if grouped
            else (
                source.key,
                row["n_id"],
                row["n_user_id"],
            )
        )
        if key in told:
            told[key].count += 1
            if grouped:
                item = told[key]
                item.what = f"{item.count} {source.group_additions} {_group_target(row, source)}"
                if source.key == "action":
                    item.commune = ""  # "au plan d'actions d'Amagney" names it
                item.url = _group_url(row) or item.url
            continue
        if len(items) >= limit:
            continue
        item = NewsItem(
            source=source.key,
            at=row["n_at"],
            who=_person(row),
            verb=_verb(row),
            what=_what(row, source),
            commune="" if source.of_commune or source.key == "reminder" else row["n_commune"] or "",  # named already
            url=_url(row, user),
        )
        told[key] = item
        items.append(item)
    if system.total:
        items = items[: max(limit - 1, 0)]
        items.append(
            NewsItem(
                source="system",
                at=system.newest,
                who="Le portail",
                verb="a enregistré",
                what=f"{'au moins ' if len(rows) == ROWS_READ else ''}{_changes(system.total)} "
                f"automatique{'s' if system.total > 1 else ''} ({system.text()})",
                count=system.total,
            )
        )
    return items


class _Tally:
    """Rows counted by source, in the order first met (the newest first)."""

    def __init__(self):
        self.by_source: dict[str, int] = {}
        self.total = 0
        self.newest: datetime.datetime | None = None

    def add(self, row: dict, source: Source) -> None:
        self.by_source[source.key] = self.by_source.get(source.key, 0) + 1
        self.total += 1
        self.newest = self.newest or row["n_at"]

    def text(self) -> str:
        """« 12 actions, 1 plan d'actions »."""
        return ", ".join(SOURCES_BY_KEY[key].counted(count) for key, count in self.by_source.items())


def _changes(count: int) -> str:
    return f"{count} modification{'s' if count > 1 else ''}"


def _person(row: dict) -> str:
    return " ".join(part for part in (row["n_first_name"], row["n_last_name"]) if part) or "Une personne"


def _import_item(row: dict) -> NewsItem:
    return NewsItem(
        source="import",
        at=row["n_at"],
        who=_person(row),
        verb="a importé",
        what="",
        commune=row["n_commune"] or "",
        url=_group_url(row),
    )


def _file_of(reason: str) -> str:
    """« Import du fichier « plan.xlsx » (…) » → « fichier « plan.xlsx » (…) »."""
    return f"fichier {reason[len(IMPORT_REASON_PREFIX) :].strip()}"


def _group_url(row: dict) -> str:
    if row["n_source"] == "action" and row["n_parent"]:
        return reverse("missions:action_plan", args=[row["n_parent"]])
    return ""


def _group_target(row: dict, source: Source) -> str:
    if source.key == "action":
        return french.de(row["n_commune"] or "").strip()
    return f"« {row['n_title']} »"
