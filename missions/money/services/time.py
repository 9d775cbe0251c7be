"""Writes of time entries: one entry, a whole week at once, and GBM's month locks.

Every write checks the month locks inside its transaction: a locked month refuses creation, correction
and deletion alike (TimeLockedError, French message), and nothing is half-written.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from missions.money.models.time import (
    TimeEntry,
    TimeLockedError,
    TimeMonthLock,
    first_of_month,
    locked_message,
    month_label,
)
from pat_portal.kernel import access
from pat_portal.kernel.concurrency import save_versioned
from pat_portal.kernel.models import User

WEEK_LENGTH = 7


@transaction.atomic
def save_time_entry(*, entry: TimeEntry, by: User, expected_version: int | None = None) -> TimeEntry:
    """Create or correct one entry (already validated by its form) unless its month, old or new, is locked.

    A correction is refused (StaleEdit, nothing written) when someone saved the entry since `expected_version`, the
    version the correction form was opened at, was read.
    """
    if not access.can_log_time(by) or (entry.pk and not access.can_edit_time_entry(by, entry)):
        raise PermissionDenied
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
    """One row of the week grid: an activity, an order line, and half-days per date."""

    activity_key: str
    order_line_id: int
    half_days: dict[datetime.date, int]


@dataclass(frozen=True)
class WeekResult:
    created: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in range(WEEK_LENGTH)]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_entries(*, consultant: User, monday: datetime.date):
    days = week_days(monday)
    return TimeEntry.objects.filter(consultant=consultant, date__range=(days[0], days[-1]))


def _entry_key(entry: TimeEntry) -> tuple[str, int, datetime.date]:
    return (entry.activity_key, entry.order_line_id, entry.date)


@transaction.atomic
def save_week(*, consultant: User, monday: datetime.date, rows: list[WeekRow], by: User) -> WeekResult:
    """Make the consultant's entries of the week match the grid: create, correct or delete entry by entry.

    A cell is identified by (activity, order line, date). Cells of a locked month must stay as they were;
    any change there refuses the whole week (TimeLockedError). Each created or corrected entry is validated
    like a single entry (ValidationError with the French messages of `TimeEntry.clean`).
    """
    if not access.can_log_time(by) or not (by.is_gbm or consultant.pk == by.pk):
        raise PermissionDenied
    days = week_days(monday)
    wanted: dict[tuple[str, int, datetime.date], int] = {}
    for row in rows:
        for day, half_days in row.half_days.items():
            if day in days and half_days:
                key = (row.activity_key, row.order_line_id, day)
                wanted[key] = wanted.get(key, 0) + half_days
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

    for entry in to_delete:
        entry.delete()
    for entry, value in to_update:
        entry.half_days = value
        entry.full_clean()
        save_versioned(entry, entry.lock_version)  # one version up: a correction form opened before is refused
    for (activity_key, order_line_id, day), value in to_create:
        entry = TimeEntry(consultant=consultant, date=day, half_days=value, order_line_id=order_line_id)
        entry.set_activity(activity_key)
        try:
            entry.full_clean()
        except ValidationError as error:
            raise ValidationError(
                [f"{day:%d/%m/%Y} : {message}" for message in error.messages], code="invalid_week_entry"
            ) from error
        entry.save()
    return WeekResult(created=len(to_create), updated=len(to_update), deleted=len(to_delete))


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
