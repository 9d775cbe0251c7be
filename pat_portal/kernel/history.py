"""Readable change history from django-simple-history: who changed what, when, field by field."""

from dataclasses import dataclass, field


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


ACTIONS = {"+": "Création", "~": "Modification", "-": "Suppression"}
IGNORED_FIELDS = {"lock_version", "updated_at", "created_at"}


def _display(record, field_name: str) -> str:
    model_field = record.instance_type._meta.get_field(field_name)
    value = getattr(record, model_field.attname, None)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


def history_entries(*querysets, limit: int = 200, labels: dict | None = None) -> list[HistoryEntry]:
    """Entries newest first from historical records of one or several rows, of one or several models.

    Each argument is a queryset of historical rows (e.g. `diagnostic.history.all()`,
    `Stake.history.filter(diagnostic=…)`); users are fetched with them. Records are paired in memory:
    one query per queryset, none per entry. `labels` names the rows of a model whose name needs its relations
    (`{Diagnostic: "Diagnostic de Amagney"}`): the record's own name would query them for every entry.
    """
    labels = labels or {}
    records = [record for queryset in querysets for record in queryset.select_related("history_user")]
    records.sort(key=lambda record: (record.history_date, record.history_id))
    previous_by_object = {}
    entries = []
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
                if model_field.many_to_many:
                    # Many-to-many changes come as lists of through rows: say how many, not their repr.
                    old, new = f"{len(change.old or [])} élément(s)", f"{len(change.new or [])} élément(s)"
                else:
                    old, new = _display(previous, change.field), _display(record, change.field)
                changes.append(Change(label=str(model_field.verbose_name).capitalize(), old=old, new=new))
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
    return entries[:limit]
