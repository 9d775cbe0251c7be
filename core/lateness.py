"""Lateness, said the same way everywhere: "En retard de 35 jours", computed from planned dates.

What is late is decided by each model, in one place each (`Action.objects.late()`, `SupportStep.objects.late()`,
`OrderForm.objects.late()`, `Deliverable.days_waiting()`…); they all answer with a `Lateness`, which lists, pages,
hub sections, home pages, digests and exports show as text (never as a colour alone).

The N-day thresholds are settings of the contract (`missions.Programme`); the kernel cannot import it, so the
programme registers a provider at start-up and kernel code asks `thresholds()`.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.db.models import Expression, IntegerField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property


@dataclasses.dataclass(frozen=True, order=True)
class Lateness:
    """How many days an item is past its due date (always at least one)."""

    days: int

    def __post_init__(self):
        if self.days < 1:
            raise ValueError("A lateness is at least one day; an item on time has no Lateness (None).")

    @classmethod
    def after(cls, due: datetime.date | None, today: datetime.date) -> "Lateness | None":
        """The lateness on `today` of an item due on `due` (the last day it may still be done on time);
        None when it is not late, or has no due date."""
        if due is None:
            return None
        days = (today - due).days
        return cls(days) if days > 0 else None

    @property
    def days_label(self) -> str:
        """1 jour; 35 jours."""
        return f"{self.days} jour" if self.days == 1 else f"{self.days} jours"

    @property
    def label(self) -> str:
        """En retard de 35 jours."""
        return f"En retard de {self.days_label}"

    def __str__(self) -> str:
        return self.label


class LatenessMixin:
    """Lateness of one row, the same three ways for every late-able model (`lateness_on`, `days_late`, `lateness`).

    A plain mixin (no fields, no migration): the model declares what differs, its due date (`lateness_due()`, the
    last day the item may still be done on time) and when it is over (`lateness_closed()`, done or dropped: never
    late). The same rule is written once more as the model's `objects.late()` queryset method, for lists.
    """

    def lateness_due(self) -> datetime.date | None:
        """The last day the item may still be done on time; None when it has no due date."""
        raise NotImplementedError

    def lateness_closed(self) -> bool:
        """True when the item is done (or dropped, executed…): such an item is never late."""
        raise NotImplementedError

    def lateness_on(self, today: datetime.date) -> Lateness | None:
        """The lateness on `today`, counted in days from the due date; None when closed, on time or without one."""
        if self.lateness_closed():
            return None
        return Lateness.after(self.lateness_due(), today)

    def days_late(self, today: datetime.date) -> int:
        lateness = self.lateness_on(today)
        return lateness.days if lateness else 0

    @cached_property
    def lateness(self) -> Lateness | None:
        """Today's lateness, for templates and exports."""
        return self.lateness_on(timezone.localdate())


def today() -> datetime.date:
    """The day as the portal's users live it (local time zone)."""
    return timezone.localdate()


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, as an aware datetime (to compare with datetime fields)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def last_day_of_month(day: datetime.date) -> datetime.date:
    """The last day of the month of `day` (an action planned "until October" may be done until 31 October)."""
    next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return next_month - datetime.timedelta(days=1)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# The contract's N-day thresholds ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The programme's steering thresholds (defaults: the contract's own, used when no programme exists yet)."""

    validation_due_days: int = 15
    minutes_due_days: int = 7
    silent_commune_days: int = 60
    reminder_interval_days: int = 14
    timesheet_weeks_checked: int = 4


_thresholds_provider: Callable[[], Thresholds | None] | None = None
_threshold_expression_provider: Callable[[str], Expression] | None = None


def register_thresholds(
    provider: Callable[[], Thresholds | None], *, expression: Callable[[str], Expression] | None = None
) -> None:
    """The programme registers how to read the current contract's thresholds (missions' AppConfig.ready): as a
    `Thresholds` (one query), and one of them as a scalar subquery to annotate another query with."""
    global _thresholds_provider, _threshold_expression_provider
    _thresholds_provider = provider
    _threshold_expression_provider = expression


def thresholds() -> Thresholds:
    """The current programme's thresholds (one query), or the defaults when there is no programme."""
    found = _thresholds_provider() if _thresholds_provider is not None else None
    return found or Thresholds()


def threshold_expression(name: str) -> Expression:
    """The current programme's threshold `name` (a field of `Thresholds`) as an expression to annotate a query
    with, so that a page reads it without a query of its own; the default when there is no programme."""
    default = Value(getattr(Thresholds(), name))
    if _threshold_expression_provider is None:
        return default
    return Coalesce(_threshold_expression_provider(name), default, output_field=IntegerField())
