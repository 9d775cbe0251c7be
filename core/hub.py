"""The commune hub is assembled from sections and timeline events that each app contributes.

In an app's AppConfig.ready():

    hub.register_section(order, provider)   # provider(commune, user) -> HubSection | None
    hub.register_events(provider)           # provider(commune, user) -> list[TimelineEvent]
    hub.register_commune_annotations(provider)  # provider(user) -> {name: expression} on the hub's commune row

Providers respect what `user` may see and run a fixed number of queries whatever the data.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Aggregate, TextField
from django.utils import timezone
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class TimelineEvent:
    date: datetime.date | datetime.datetime
    category: str  # short French label: "Réunion", "Diagnostic", "Plan d'actions"…
    title: str
    url: str = ""
    detail: str = ""

    @property
    def sort_key(self) -> datetime.datetime:
        if isinstance(self.date, datetime.datetime):
            value = timezone.localtime(self.date) if timezone.is_aware(self.date) else self.date
            return value.replace(tzinfo=None)
        return datetime.datetime.combine(self.date, datetime.time.min)


@dataclass
class HubSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    anchor: str = ""


_sections: list[tuple[int, Callable]] = []
_event_providers: list[Callable] = []
_annotation_providers: list[Callable] = []


def register_section(order: int, provider: Callable) -> None:
    if all(existing is not provider for _order, existing in _sections):
        _sections.append((order, provider))
        _sections.sort(key=lambda item: item[0])


def register_events(provider: Callable) -> None:
    if provider not in _event_providers:
        _event_providers.append(provider)


def register_commune_annotations(provider: Callable) -> None:
    """A small fact about the commune (its reminders, say) rides along in the query that fetches the hub's commune
    instead of costing a query of its own: `provider(user)` returns annotations for that queryset."""
    if provider not in _annotation_providers:
        _annotation_providers.append(provider)


def annotate_commune(queryset, user):
    """The communes `queryset` with every registered annotation (the hub page fetches its commune through this)."""
    annotations = {}
    for provider in _annotation_providers:
        annotations.update(provider(user))
    return queryset.annotate(**annotations) if annotations else queryset


def sections_for(commune, user) -> list[HubSection]:
    return [section for _order, provider in _sections if (section := provider(commune, user)) is not None]


def events_for(commune, user, limit: int = 60) -> list[TimelineEvent]:
    events = [event for provider in _event_providers for event in provider(commune, user)]
    events.sort(key=lambda event: event.sort_key, reverse=True)
    return events[:limit]


def memo(commune, key: str, compute: Callable):
    """Share one query's result between a section and the timeline within one rendering of the hub."""
    cache = commune.__dict__.setdefault("_hub_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class JSONArrayText(Aggregate):
    """The grouped rows' values as one JSON array, read as text: SQLite's json_group_array, PostgreSQL's json_agg.
    What a commune annotation uses to bring a few rows along in the hub's commune query."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, function="JSON_AGG", **extra_context)
        return f"({sql})::text", params


def json_moment(text) -> datetime.datetime | None:
    """A date and time read back from a JSON array (SQLite writes it naive in UTC, PostgreSQL with its offset)."""
    moment = parse_datetime(str(text).replace("T", " ")) if text else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment
