"""Readable change history from django-simple-history: who changed what, when, field by field, in French."""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format

from core import french


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    date: object
    user: object
    action: str
    object_label: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""  # why the change was made, when the writer said (e.g. « Import du fichier « plan.xlsx » »)


@functools.cache
def _history_manager(model):
    return model.history


def history_of(model):
    """The historical rows of `model`, as `model.history.all()`, without its cost on every access: simple_history
    builds a new manager class each time `Model.history` is read (`Manager.from_queryset`, which walks the queryset
    class with `inspect`: about 0.3 ms each, six of them on GBM's home). The unbound manager holds no state but its
    model, so it is built once per model."""
    return _history_manager(model).all()


def history_model(model):
    """The historical model of `model` (`model.history.model`, built once; see `history_of`)."""
    return _history_manager(model).model


ACTIONS = {"+": "Création", "~": "Modification", "-": "Suppression"}
IGNORED_FIELDS = {"lock_version", "updated_at", "created_at"}


def _raw(record, field_name: str):
    return getattr(record, record.instance_type._meta.get_field(field_name).attname, None)


def _display(model_field, value, related_names: dict) -> str:
    """A field's value as a reader says it: a choice's label, a person's or a commune's name, a French date or
    number, "oui"/"non"."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.many_to_one or model_field.one_to_one:
        return related_names.get((model_field.related_model, value), f"élément supprimé (n° {value})")
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return french.date_time(value)
    if isinstance(value, datetime.date):
        # A date field named "month" or "…_month" holds a month (its first day): "septembre 2026", not "1er septembre".
        month = model_field.name == "month" or model_field.name.endswith("_month")
        return french.long_month_year(value) if month else french.french_date(value)
    if isinstance(value, datetime.time):
        return french.time_of_day(value)
    if isinstance(value, Decimal | float):  # amounts, rates: "2 500,00" (integers stay as they are: years, numbers)
        return number_format(value, decimal_pos=getattr(model_field, "decimal_places", None), force_grouping=True)
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


def _related_names(pending: list[tuple]) -> dict:
    """Names of the rows the changed foreign keys point to: one query per related model, none per entry."""
    ids_by_model = defaultdict(set)
    for model_field, *values in pending:
        if model_field.many_to_one or model_field.one_to_one:
            ids_by_model[model_field.related_model].update(value for value in values if value not in (None, ""))
    names = {}
    for model, ids in ids_by_model.items():
        # select_related(): a name built from relations (an accompaniment's commune) is read in the same query.
        for row in model._base_manager.select_related().filter(pk__in=ids):
            names[model, row.pk] = str(row)
    return names


def history_entries(*querysets, limit: int = 200, labels: dict | None = None) -> list[HistoryEntry]:
    """Entries newest first from historical records of one or several rows, of one or several models.

    Each argument is a queryset of historical rows (e.g. `diagnostic.history.all()`,
    `Stake.history.filter(diagnostic=…)`); users are fetched with them. Records are paired in memory:
    one query per queryset, none per entry. `labels` names the rows of a model whose name needs its relations
    (`{Diagnostic: "Diagnostic d'Amagney"}`): the record's own name would query them for every entry.
    """
    labels = labels or {}
    records = [record for queryset in querysets for record in queryset.select_related("history_user")]
    records.sort(key=lambda record: (record.history_date, record.history_id))
    previous_by_object = {}
    entries, pending = [], []  # pending: (model field, old value, new value, entry) of the changes to display
    for record in records:
        key = (record.instance_type, record.id)
        previous = previous_by_object.get(key)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in IGNORED_FIELDS:
                    continue
                model_field = record.instance_type._meta.get_field(change.field)
                label = str(model_field.verbose_name).capitalize()
                if model_field.many_to_many:
                    # Many-to-many changes come as lists of through rows: say how many, not their repr.
                    changes.append(
                        Change(
                            label=label,
                            old=f"{len(change.old or [])} élément(s)",
                            new=f"{len(change.new or [])} élément(s)",
                        )
                    )
                else:
                    changes.append(Change(label=label, old="", new=""))
                    pending.append(
                        (model_field, _raw(previous, change.field), _raw(record, change.field), changes[-1])
                    )
        previous_by_object[key] = record
        reason = record.history_change_reason or ""
        if record.history_type == "~" and previous is not None and not changes and not reason:
            continue
        entries.append(
            HistoryEntry(
                date=record.history_date,
                user=record.history_user,
                action=ACTIONS.get(record.history_type, record.history_type),
                object_label=(
                    f"{record.instance_type._meta.verbose_name.capitalize()} "
                    f"« {labels.get(record.instance_type) or record.instance} »"
                ),
                changes=changes,
                reason=reason,
            )
        )
    entries.reverse()
    entries = entries[:limit]
    shown = {id(change) for entry in entries for change in entry.changes}
    pending = [item for item in pending if id(item[3]) in shown]
    related_names = _related_names([item[:3] for item in pending])
    for model_field, old, new, change in pending:
        change.old = _display(model_field, old, related_names)
        change.new = _display(model_field, new, related_names)
    return entries
