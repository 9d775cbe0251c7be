"""The silent-commune radar: communes of the programme where nothing has happened for a while (one query).

A commune accompanied in the programme (accompaniment not closed) is silent when its last activity is older than
the programme's `silent_commune_days`. Its activity is the latest of: a meeting held there, an edit to its
accompaniment, diagnostic, action plan, actions, meetings or support requests (by anyone), a login of one of its
élus — and, when there is none of these, the day its accompaniment started.
"""

import datetime
from dataclasses import dataclass

from django.db import router
from django.db.models import DateField, DateTimeField, Exists, F, IntegerField, OuterRef, Subquery
from django.utils import timezone

from communes.models import Commune
from core.history import history_of
from core.lateness import start_of_day
from core.models import User
from core.prepared import Parameter, Prepared, kept, prepare
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.models.meetings import Meeting
from missions.support.models import SupportRequest
from pat_portal.pages.models import Reminder
from pat_portal.pages.reminders import next_reminder_allowed_on


def _latest(queryset, field: str) -> Subquery:
    """The latest `field` among the rows of an already correlated `queryset` (NULL when there is none): the first
    row in descending order, nulls last, as MAX() would give it, for half the ORM work of a grouped aggregate."""
    return Subquery(
        queryset.order_by(F(field).desc(nulls_last=True)).values(field)[:1],
        output_field=DateTimeField(),
    )


@dataclass
class SilentCommune:
    commune: Commune  # its id, name and INSEE code only
    last_meeting: datetime.datetime | None
    last_edit: datetime.datetime | None
    last_login: datetime.datetime | None
    last_reminder: datetime.datetime | None
    last_activity: datetime.datetime
    silent_days: int
    next_reminder_on: datetime.date | None  # None: a reminder may be sent now

    @property
    def may_be_reminded(self) -> bool:
        return self.next_reminder_on is None


def _activity_sources(now: datetime.datetime) -> dict:
    """Each sign of activity of an accompaniment: {annotation: (rows correlated to the accompaniment, their moment)}.
    The reminders are not activity: they are read beside it (`last_reminder`)."""
    commune = OuterRef("commune_id")
    return {
        "last_meeting": (Meeting.objects.filter(commune_id=commune, starts_at__lte=now), "starts_at"),
        "last_login": (User.objects.elus_of(commune), "last_login"),
        "last_edit_accompaniment": (history_of(Accompaniment).filter(id=OuterRef("pk")), "history_date"),
        "last_edit_diagnostic": (history_of(Diagnostic).filter(accompaniment_id=OuterRef("pk")), "history_date"),
        "last_edit_plan": (history_of(ActionPlan).filter(accompaniment_id=OuterRef("pk")), "history_date"),
        "last_edit_actions": (history_of(Action).filter(plan__accompaniment_id=OuterRef("pk")), "history_date"),
        "last_edit_meetings": (history_of(Meeting).filter(commune_id=commune), "history_date"),
        "last_edit_requests": (history_of(SupportRequest).filter(commune_id=commune), "history_date"),
    }


def accompaniments_with_activity(programme, now, *, quiet_since=None, quiet_day=None):
    """The programme's open accompaniments, each with `last_meeting`, `last_edit_*`, `last_login` and
    `last_reminder` (one query). With `quiet_since` and `quiet_day` (its day), only those with no sign of activity
    after that moment and started on or before that day: the database leaves the others out at once (most of
    them), with one NOT EXISTS per source, so that only the candidates are read. `programme`, `now` and the quiet
    bounds may be `Parameter`s (the radar's kept query)."""
    sources = _activity_sources(now)
    accompaniments = (
        Accompaniment.objects.filter(programme=programme)
        .exclude(phase=Accompaniment.Phase.CLOSED)
        .annotate(
            last_reminder=_latest(Reminder.objects.filter(commune_id=OuterRef("commune_id")), "sent_at"),
            **{name: _latest(rows, moment) for name, (rows, moment) in sources.items()},
        )
    )
    if quiet_since is not None:
        accompaniments = accompaniments.filter(
            *(~Exists(rows.filter(**{f"{moment}__gt": quiet_since})) for rows, moment in sources.values()),
            started_on__lte=quiet_day,
        )
    return accompaniments


EDIT_FIELDS = [
    "last_edit_accompaniment",
    "last_edit_diagnostic",
    "last_edit_plan",
    "last_edit_actions",
    "last_edit_meetings",
    "last_edit_requests",
]
ACTIVITY_FIELDS = ["last_meeting", "last_login", *EDIT_FIELDS]


def _quiet_accompaniments() -> Prepared:
    """The radar's query, kept once per process (`core.prepared.kept`): the programme and the moments are
    `Parameter`s, given at each read."""
    moment = DateTimeField()
    rows = accompaniments_with_activity(
        Parameter("programme", IntegerField()),
        Parameter("now", moment),
        quiet_since=Parameter("quiet_since", moment),
        quiet_day=Parameter("quiet_day", DateField()),
    ).values("started_on", "commune_id", "commune__name", "commune__insee_code", "last_reminder", *ACTIVITY_FIELDS)
    return prepare(rows)


def silent_communes(programme, *, now: datetime.datetime | None = None) -> list[SilentCommune]:
    """The programme's silent communes, the longest silent first (one query). See the module's docstring."""
    if programme is None:
        return []
    now = now or timezone.now()
    silent_after = datetime.timedelta(days=programme.silent_commune_days)
    quiet_since = now - silent_after
    rows = kept(("radar", router.db_for_read(Accompaniment)), _quiet_accompaniments).dicts(
        programme=programme.pk, now=now, quiet_since=quiet_since, quiet_day=timezone.localdate(quiet_since)
    )
    found = []
    for row in rows:
        last_activity = _last_activity(row)
        if now - last_activity <= silent_after:
            continue
        reminder = row["last_reminder"]
        found.append(
            SilentCommune(
                commune=Commune(
                    pk=row["commune_id"], name=row["commune__name"], insee_code=row["commune__insee_code"]
                ),
                last_meeting=row["last_meeting"],
                last_edit=max((row[name] for name in EDIT_FIELDS if row[name]), default=None),
                last_login=row["last_login"],
                last_reminder=reminder,
                last_activity=last_activity,
                silent_days=(now - last_activity).days,
                next_reminder_on=next_reminder_allowed_on(reminder, programme.reminder_interval_days, now=now),
            )
        )
    found.sort(key=lambda item: item.last_activity)
    return found


def _last_activity(row: dict) -> datetime.datetime:
    """The latest sign of activity of an accompaniment's row (`started_on` and the ACTIVITY_FIELDS)."""
    moments = [start_of_day(row["started_on"]), *(row[name] for name in ACTIVITY_FIELDS)]
    return max(moment for moment in moments if moment)


def last_activity_of(commune, programme, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The commune's last activity in the programme (the radar's rule), None when it is not accompanied (one query)."""
    if programme is None:
        return None
    row = (
        accompaniments_with_activity(programme, now or timezone.now())
        .filter(commune=commune)
        .values("started_on", *ACTIVITY_FIELDS)
        .first()
    )
    return _last_activity(row) if row else None
