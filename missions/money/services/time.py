"""Writes of time entries: one entry, a whole week at once, and GBM's month locks.

Every write checks the month locks inside its transaction: a locked month refuses creation, correction
and deletion alike (TimeLockedError, French message), and nothing is half-written.
"""

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ateliers.models import Workshop
from core import access
from core.concurrency import save_versioned
from core.french import short_date
from core.lateness import start_of_day
from core.models import User
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import (
    MAX_HALF_DAYS_PER_ENTRY,
    TimeEntry,
    TimeLockedError,
    TimeMonthLock,
    TimeSuggestionDismissal,
    first_of_month,
    locked_message,
    month_label,
)
from missions.money.services import consumption

WEEK_LENGTH = 7


def record_override(entry: TimeEntry, *, by: User) -> None:
    """Keep GBM's reason only where it was needed (the line refuses the time without it), with who gave it; anyone
    else giving a reason is refused (PermissionDenied), as the form offers the field to GBM only."""
    if not entry.override_reason.strip():
        entry.override_by = None
        return
    if not access.can_override_time_limits(by):
        raise PermissionDenied
    needed = any(problem.code == "overridable" for problem in entry.charging_problems())
    entry.override_reason = entry.override_reason.strip() if needed else ""
    entry.override_by = by if needed else None


def lock_order_lines(line_ids) -> dict[int, OrderLine]:
    """Serialise the time charged to the same lines (two consultants at 95 % both adding a day): the limit is checked
    under this lock, in the caller's transaction. Returns the lines by id, each with its order form, as read under
    the lock (only the lines' rows are locked)."""
    return OrderLine.objects.select_for_update(of=("self",)).select_related("order_form").in_bulk(set(line_ids))


@transaction.atomic
def save_time_entry(*, entry: TimeEntry, by: User, expected_version: int | None = None) -> TimeEntry:
    """Create or correct one entry (already validated by its form) unless its month, old or new, is locked.

    A correction is refused (StaleEdit, nothing written) when someone saved the entry since `expected_version`, the
    version the correction form was opened at, was read. The order line's limits are checked again under its lock
    (ValidationError, French): another entry may have filled the line since the form was checked.
    """
    if not access.can_log_time(by) or (entry.pk and not access.can_edit_time_entry(by, entry)):
        raise PermissionDenied
    lock_order_lines([entry.order_line_id])
    record_override(entry, by=by)
    entry.clean()
    original_date = None
    if entry.pk:
        original = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        original_date = original.date
        if not access.can_edit_time_entry(by, original):
            raise PermissionDenied
    entry.check_editable(original_date=original_date)
    save_versioned(entry, expected_version)
    return entry


@transaction.atomic
def delete_time_entry(*, entry: TimeEntry, by: User) -> None:
    """Delete one entry unless its month is locked."""
    if not access.can_edit_time_entry(by, entry):
        raise PermissionDenied
    entry.check_editable()
    entry.delete()


@dataclass(frozen=True)
class WeekRow:
    """One row of the week grid: an activity, an order line, and half-days per date. `source` names the proposal
    the row came from ('reunion:12', 'atelier:3'): an entry created from it remembers its meeting, and a proposal
    that ends up with no time is removed for good (not proposed again)."""

    activity_key: str
    order_line_id: int | None
    half_days: dict[datetime.date, int]
    source: str = ""


@dataclass(frozen=True)
class Suggestion:
    """Time already recorded elsewhere (a meeting's half-days, a workshop the consultant organised), proposed as a
    pre-filled row of the week grid: the consultant accepts, adjusts or removes it."""

    source: str
    activity_key: str
    day: datetime.date
    half_days: int
    label: str
    order_line_id: int | None = None


@dataclass(frozen=True)
class WeekResult:
    created: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    @property
    def summary(self) -> str:
        if not self.changed:
            return "Aucune modification dans cette semaine."
        return (
            f"Semaine enregistrée : {self.created} saisie(s) créée(s), {self.updated} corrigée(s), "
            f"{self.deleted} supprimée(s)."
        )


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in range(WEEK_LENGTH)]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_entries(*, consultant: User, monday: datetime.date):
    days = week_days(monday)
    return TimeEntry.objects.filter(consultant=consultant, date__range=(days[0], days[-1]))


@dataclass(frozen=True)
class WeekGrid:
    """What the week grid of `consultant` shows for the week of `monday`: the entries already saved, the days that
    cannot change (a locked month, or after today) and the proposals (meetings, workshops) for the other days."""

    consultant: User
    monday: datetime.date
    days: list[datetime.date]
    entries: list[TimeEntry]
    locked_months: set[datetime.date]
    frozen_days: frozenset[datetime.date]
    suggestions: list[Suggestion]

    def initial_rows(self) -> list[dict]:
        """One row per activity and order line of the saved entries, then one pre-filled row per proposal."""
        rows: dict[tuple[str, int], dict] = {}
        for entry in self.entries:
            row = rows.setdefault(
                (entry.activity_key, entry.order_line_id),
                {"activity": entry.activity_key, "order_line": entry.order_line_id},
            )
            index = (entry.date - self.monday).days
            row[f"day_{index}"] = row.get(f"day_{index}", 0) + entry.half_days
        proposals = [
            {
                "activity": suggestion.activity_key,
                "order_line": suggestion.order_line_id,
                "source": suggestion.source,
                f"day_{(suggestion.day - self.monday).days}": suggestion.half_days,
            }
            for suggestion in self.suggestions
        ]
        return list(rows.values()) + proposals

    def activity_keys(self) -> set[str]:
        """The activities already in the grid: offered even when no longer open to new time."""
        return {entry.activity_key for entry in self.entries} | {s.activity_key for s in self.suggestions}

    def order_line_ids(self) -> set[int]:
        return {entry.order_line_id for entry in self.entries}

    def suggestion_labels(self) -> dict[str, str]:
        return {suggestion.source: suggestion.label for suggestion in self.suggestions}

    def accepted_source(self, source: str | None) -> str:
        """`source` when it is one of this week's proposals; a forged one is ignored ('')."""
        return source if source in self.suggestion_labels() else ""

    def day_totals(self) -> list[int]:
        return [sum(entry.half_days for entry in self.entries if entry.date == day) for day in self.days]

    def locked_month_labels(self) -> list[str]:
        return [month_label(month) for month in sorted(self.locked_months)]


def week_grid(*, consultant: User, monday: datetime.date, today: datetime.date) -> WeekGrid:
    """The week grid of `consultant` (three queries, two more when there is something to propose)."""
    days = week_days(monday)
    entries = list(week_entries(consultant=consultant, monday=monday))
    locked = TimeMonthLock.objects.locked_months({first_of_month(day) for day in days})
    frozen = frozenset(day for day in days if first_of_month(day) in locked or day > today)
    suggestions = [
        suggestion
        for suggestion in week_suggestions(consultant=consultant, monday=monday, entries=entries)
        if suggestion.day not in frozen
    ]
    return WeekGrid(consultant, monday, days, entries, locked, frozen, suggestions)


def _entry_key(entry: TimeEntry) -> tuple[str, int, datetime.date]:
    return (entry.activity_key, entry.order_line_id, entry.date)


def _meeting_activity(meeting: Meeting) -> str:
    if meeting.accompaniment_id:
        return f"{TimeEntry.Activity.ACCOMPANIMENT.value}:{meeting.accompaniment_id}"
    if meeting.support_request_id:
        return f"{TimeEntry.Activity.SUPPORT_REQUEST.value}:{meeting.support_request_id}"
    return TimeEntry.Activity.GENERAL.value


def _half_days_of(value) -> int:
    """A recorded duration in half-days, as a cell of the grid: at least one, at most a whole day."""
    return max(1, min(MAX_HALF_DAYS_PER_ENTRY, math.ceil(value)))


def week_suggestions(*, consultant: User, monday: datetime.date, entries: list[TimeEntry]) -> list[Suggestion]:
    """The time the consultant already recorded this week outside the grid, not yet in it: meetings they logged with
    half-days spent, workshops they organised (held or planned, not cancelled; half-days from their duration).

    One source of truth, no double count: a meeting already charged (an entry remembers it), an activity that
    already has time on that day (however it was entered) and a proposal the consultant removed are not proposed.
    Two queries when there is nothing to propose; two more (removed proposals, order lines last used) otherwise.
    """
    days = week_days(monday)
    start, end = start_of_day(days[0]), start_of_day(days[-1] + datetime.timedelta(days=1))
    logged = {(entry.activity_key, entry.date) for entry in entries}
    charged_meetings = {entry.meeting_id for entry in entries if entry.meeting_id}
    suggestions = []
    meetings = list(
        Meeting.objects.filter(
            created_by=consultant, starts_at__gte=start, starts_at__lt=end, time_spent_half_days__gt=0
        )
        .exclude(time_entries__isnull=False)
        .order_by("starts_at")
    )
    workshops = list(
        Workshop.objects.filter(created_by=consultant, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Workshop.Status.CANCELLED)
        .order_by("starts_at")
    )
    if not meetings and not workshops:
        return []
    dismissed = set(TimeSuggestionDismissal.objects.filter(consultant=consultant).values_list("source", flat=True))
    for meeting in meetings:
        source, day = f"reunion:{meeting.pk}", timezone.localdate(meeting.starts_at)
        activity = _meeting_activity(meeting)
        if source in dismissed or meeting.pk in charged_meetings or (activity, day) in logged:
            continue
        recorded = f"{meeting.time_spent_half_days.normalize():f}".replace(".", ",")
        label = f"Réunion « {meeting} » : {recorded} demi-journée(s) saisie(s) sur la réunion"
        suggestions.append(Suggestion(source, activity, day, _half_days_of(meeting.time_spent_half_days), label))
    for workshop in workshops:
        source, day = f"atelier:{workshop.pk}", timezone.localdate(workshop.starts_at)
        activity = f"{TimeEntry.Activity.WORKSHOP.value}:{workshop.pk}"
        if source in dismissed or (activity, day) in logged:
            continue
        hours = (workshop.ends_at - workshop.starts_at).total_seconds() / 3600
        label = f"{workshop}, le {short_date(workshop.starts_at)}"
        suggestions.append(Suggestion(source, activity, day, _half_days_of(hours / 4), label))
    return _with_usual_lines(consultant, suggestions)


def _with_usual_lines(consultant: User, suggestions: list[Suggestion]) -> list[Suggestion]:
    """Pre-select, for each proposal, the line the consultant last charged that activity to, while its order form is
    still open (issued or notified); none otherwise (the consultant chooses). One query."""
    if not suggestions:
        return suggestions
    usual: dict[str, int] = {}
    recent = (  # plain rows, keyed as TimeEntry.activity_key keys them (200 instances were a third of the proposals)
        TimeEntry.objects.filter(consultant=consultant, order_line__order_form__status__in=OPEN_STATUSES)
        .order_by("-date", "-pk")
        .values_list("accompaniment_id", "workshop_id", "support_request_id", "order_line_id")[:200]
    )
    Activity = TimeEntry.Activity
    accompaniment, workshop, request = (
        Activity.ACCOMPANIMENT.value,
        Activity.WORKSHOP.value,
        Activity.SUPPORT_REQUEST.value,
    )
    general = Activity.GENERAL.value
    for accompaniment_id, workshop_id, request_id, line_id in recent:
        key = (
            f"{accompaniment}:{accompaniment_id}"
            if accompaniment_id
            else f"{workshop}:{workshop_id}"
            if workshop_id
            else f"{request}:{request_id}"
            if request_id
            else general
        )
        usual.setdefault(key, line_id)
    return [
        Suggestion(s.source, s.activity_key, s.day, s.half_days, s.label, usual.get(s.activity_key))
        for s in suggestions
    ]


# Order forms time is charged to: issued or notified (a draft is not ordered yet; executed, invoiced or paid ones are
# closed, GBM alone may still charge them, with a reason).
OPEN_STATUSES = (OrderForm.Status.ISSUED, OrderForm.Status.NOTIFIED)


@transaction.atomic
@consumption.batched()  # each line touched by the week recomputed once, in the week's transaction
def save_week(
    *, consultant: User, monday: datetime.date, rows: list[WeekRow], by: User, override_reason: str = ""
) -> WeekResult:
    """Make the consultant's entries of the week match the grid: create, correct or delete entry by entry.

    A cell is identified by (activity, order line, date). Cells of a locked month must stay as they were;
    any change there refuses the whole week (TimeLockedError). Each created or corrected entry is validated
    like a single entry (ValidationError with the French messages of `TimeEntry.clean`), its order line's limits
    checked under lock; `override_reason` (GBM only) lets the entries that pass a line's 100 % or go on a closed
    order form through, and is recorded on those entries only. Proposals (rows with a `source`) kept with time
    become entries that remember their meeting; those left without time are removed for good.
    """
    if not access.can_log_time(by) or not (by.is_gbm or consultant.pk == by.pk):
        raise PermissionDenied
    if override_reason.strip() and not access.can_override_time_limits(by):
        raise PermissionDenied
    days = week_days(monday)
    wanted: dict[tuple[str, int, datetime.date], int] = {}
    meetings: dict[tuple[str, int, datetime.date], int] = {}
    dismissed: list[str] = []
    for row in rows:
        kept = False
        for day, half_days in row.half_days.items():
            if day in days and half_days and row.order_line_id:
                key = (row.activity_key, row.order_line_id, day)
                wanted[key] = wanted.get(key, 0) + half_days
                kept = True
                if row.source.startswith("reunion:"):
                    meetings[key] = int(row.source.partition(":")[2])
        if row.source and not kept:
            dismissed.append(row.source)
    existing = {
        _entry_key(entry): entry for entry in week_entries(consultant=consultant, monday=monday).select_for_update()
    }
    to_delete = [entry for key, entry in existing.items() if key not in wanted]
    to_update = [
        (existing[key], value) for key, value in wanted.items() if key in existing and existing[key].half_days != value
    ]
    to_create = [(key, value) for key, value in wanted.items() if key not in existing]

    touched_months = {first_of_month(entry.date) for entry in to_delete}
    touched_months |= {first_of_month(entry.date) for entry, _ in to_update}
    touched_months |= {first_of_month(key[2]) for key, _ in to_create}
    locked = TimeMonthLock.objects.locked_months(touched_months)
    if locked:
        raise TimeLockedError(locked_message(min(locked)))

    lines = lock_order_lines([key[1] for key in wanted] + [entry.order_line_id for entry in to_delete])
    checked: set[tuple[str, int]] = set()  # the foreign keys found to exist for an entry of this week
    for entry in to_delete:
        entry.delete()
    for entry, value in to_update:
        entry.half_days = value
        entry.meeting_id = entry.meeting_id or meetings.get(_entry_key(entry))
        _read_under_lock(entry, lines)
        _clean_week_entry(entry, by=by, override_reason=override_reason, checked=checked)
        save_versioned(entry, entry.lock_version)  # one version up: a correction form opened before is refused
    for key, value in to_create:
        activity_key, order_line_id, day = key
        entry = TimeEntry(
            consultant=consultant, date=day, half_days=value, order_line_id=order_line_id, meeting_id=meetings.get(key)
        )
        entry.set_activity(activity_key)
        _read_under_lock(entry, lines)
        _clean_week_entry(entry, by=by, override_reason=override_reason, checked=checked)
        entry.save()
    for source in dismissed:
        TimeSuggestionDismissal.objects.get_or_create(consultant=consultant, source=source)
    return WeekResult(created=len(to_create), updated=len(to_update), deleted=len(to_delete))


def _read_under_lock(entry: TimeEntry, lines: dict[int, OrderLine]) -> None:
    """The entry's line as `lock_order_lines` read it (with its order form): its rules read it without a query. A
    line gone since the grid was shown is left to the entry's validation, which says so."""
    line = lines.get(entry.order_line_id)
    if line is not None:
        entry.order_line = line


def _clean_week_entry(entry: TimeEntry, *, by: User, override_reason: str, checked: set) -> None:
    """Validate one cell like a single entry; GBM's reason is applied where the line's limits refuse it. A foreign
    key value already found to exist for another cell of the week (`checked`: (field, id) pairs, filled here) is
    not looked up again; every rule of `TimeEntry.clean` and every constraint still runs for each cell."""
    entry.override_reason = override_reason
    record_override(entry, by=by)
    foreign_keys = [
        (field.name, getattr(entry, field.attname))
        for field in TimeEntry._meta.concrete_fields
        if field.is_relation and getattr(entry, field.attname) is not None
    ]
    try:
        entry.full_clean(
            exclude=[name for name, value in foreign_keys if (name, value) in checked], validate_constraints=False
        )
        entry.validate_constraints()
        checked.update(foreign_keys)
    except ValidationError as error:
        raise ValidationError(
            [f"{short_date(entry.date)} : {message}" for message in error.messages], code="invalid_week_entry"
        ) from error


@transaction.atomic
def lock_month(*, month: datetime.date, by: User) -> TimeMonthLock:
    """GBM closes a month: its entries can no longer be created, corrected or deleted."""
    if not access.can_lock_time(by):
        raise PermissionDenied
    lock, _ = TimeMonthLock.objects.get_or_create(month=first_of_month(month), defaults={"locked_by": by})
    return lock


@transaction.atomic
def unlock_month(*, month: datetime.date, by: User) -> None:
    """GBM reopens a month (for a correction); the lock's history keeps who locked and reopened it."""
    if not access.can_lock_time(by):
        raise PermissionDenied
    lock = TimeMonthLock.objects.filter(month=first_of_month(month)).first()
    if lock is None:
        raise TimeLockedError(f"Le mois de {month_label(month)} n'est pas verrouillé.")
    lock.delete()
