"""What plan and diagnostic imports share once the rows are read: values kept as JSON between the preview and the
confirmation, the French description of a change, the order of the rows, the fingerprint of what was previewed."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html

from core.models import WorkflowStatus
from core.spreadsheets.columns import month_label, shown
from core.templatetags.portal import euros


def to_json(value):
    """A value as the preview stores it (JSON: Decimal and dates as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def typed(model, name: str, value):
    """A stored value back to what the model field holds."""
    return model._meta.get_field(name).to_python(value)


def fingerprint(data) -> str:
    """SHA-256 of what the rows were compared with: confirming applies the preview only if it still holds."""
    return hashlib.sha256(json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()


def row_state(instance) -> dict:
    """A row's field values as text (foreign keys as ids), for the fingerprint."""
    return {field.attname: field.value_to_string(instance) for field in instance._meta.concrete_fields}


def display(model, name: str, value) -> str:
    """A field's value as the preview shows it: the choice's label, euros, "mars 2026", "oui"."""
    model_field = model._meta.get_field(name)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return month_label(value) if name.endswith("_month") else value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal) and name in {"cost_estimate", "amount"}:
        return euros(value)
    if isinstance(value, Decimal):
        return shown(value.normalize() if value == value.to_integral_value() else value)
    return shown(value, limit=80)


def label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def describe_changes(instance, values: dict) -> tuple[dict, list[str]]:
    """The fields `values` changes on `instance`, and their French description (« Statut : Proposée → En cours »)."""
    model = type(instance)
    changed, lines = {}, []
    for name, value in values.items():
        current = getattr(instance, model._meta.get_field(name).attname)
        if current != value:
            changed[name] = value
            lines.append(f"{label(model, name)} : {display(model, name, current)} → {display(model, name, value)}")
    return changed, lines


def describe_values(model, values: dict) -> list[str]:
    """What a created row will hold, field by field (« Thème : Jardins et vergers »); empty fields left out."""
    return [
        f"{label(model, name)} : {display(model, name, value)}"
        for name, value in values.items()
        if value is not None and value != ""
    ]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 action », « 2 actions », « 0 action » (French: 0 and 1 take the singular)."""
    return f"{count} {singular if abs(count) < 2 else (plural_form or singular + 's')}"


@dataclass
class Ordering:
    """Positions to write: the rows the file adds, and existing rows whose place changes."""

    new_positions: list[int] = field(default_factory=list)
    moved: dict = field(default_factory=dict)  # existing row → new position

    @property
    def reorders(self) -> bool:
        return bool(self.moved)


def order_rows(existing: list, desired: list) -> Ordering:
    """Where the file's rows go. `existing`: the rows in their current order; `desired`: the file's rows in its
    order, an existing row or None for a new one.

    When the file lists every existing row, its order becomes the order (existing rows move only if their place
    changed). A file listing only some rows leaves their order alone and adds the new ones at the end.
    """
    new_count = sum(1 for item in desired if item is None)
    listed = [item for item in desired if item is not None]
    last = max((item.position for item in existing), default=-1)
    complete = bool(existing) and len({id(item) for item in listed}) == len(existing)
    in_order = desired[: len(existing)] == existing  # the file lists the rows in their order, new ones after
    if not complete or in_order:
        return Ordering(new_positions=[last + 1 + index for index in range(new_count)])
    ordering = Ordering()
    for position, item in enumerate(desired):
        if item is None:
            ordering.new_positions.append(position)
        elif item.position != position:
            ordering.moved[item] = position
    return ordering


class PreviewOutdated(Exception):
    """The content changed since the preview: `preview` is the new one, `stored` what to keep for its confirmation."""

    def __init__(self, preview, stored):
        super().__init__("Le contenu a changé depuis l'aperçu.")
        self.preview = preview
        self.stored = stored


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    contacts_created: int
    noun: str = "action"

    def summary(self, filename: str) -> str:
        """What the person reads once the import is done: « 1 action créée, 2 modifiées, 0 inchangée… »."""
        return (
            f"Import du fichier « {filename} » : {plural(self.created, self.noun + ' créée', self.noun + 's créées')}, "
            f"{plural(self.updated, 'modifiée')}, {plural(self.unchanged, 'inchangée')}, "
            f"{plural(self.contacts_created, 'contact créé', 'contacts créés')}."
        )

    def history_reason(self, filename: str) -> str:
        """What the plan's or diagnostic's history says of the import."""
        return import_reason(
            filename,
            f" : {plural(self.created, 'créée')}, {plural(self.updated, 'modifiée')}, "
            f"{plural(self.contacts_created, 'contact')}",
        )


MAX_REASON_LENGTH = 100  # django-simple-history's change reason column


def import_reason(filename: str, details: str = "") -> str:
    """« Import du fichier « plan.xlsx » » and `details`, the file name shortened to fit the history's column."""
    room = MAX_REASON_LENGTH - len("Import du fichier «  »") - len(details)
    name = filename if len(filename) <= room else filename[: room - 1] + "…"
    return f"Import du fichier « {name} »{details}"


def mark_history(instance, *, by, reason: str):
    """The history record of the next save or deletion of `instance` names the importing person and the file."""
    instance._change_reason = reason
    instance._history_user = by
    return instance


class PreviewCounts:
    """What a preview says about itself (plans and diagnostics alike): how many rows it creates, updates or leaves
    unchanged, whether it may be confirmed, and whether importing prepares the subject's next version. The preview
    dataclass provides `rows` (with their `operation`), `errors` and the subject's `plan_status`."""

    noun = ("ligne", "lignes")  # what a row of the file is, singular and plural

    @property
    def summary(self) -> str:
        """« 1 action à créer, 2 à modifier et 0 sans changement », the numbers in bold (safe HTML)."""
        created = self.created
        return format_html(
            "<strong>{}</strong> {} à créer, <strong>{}</strong> à modifier et <strong>{}</strong> sans changement",
            created,
            self.noun[0] if created < 2 else self.noun[1],
            self.updated,
            self.unchanged,
        )

    @property
    def untouched_text(self) -> str:
        """« 1 élément déjà enregistré ne figure pas dans le fichier et reste tel quel » (empty when none)."""
        count = getattr(self, "untouched", 0)
        if not count:
            return ""
        if count == 1:
            return "1 élément déjà enregistré ne figure pas dans le fichier et reste tel quel"
        return f"{count} éléments déjà enregistrés ne figurent pas dans le fichier et restent tels quels"

    def count(self, operation: str) -> int:
        return sum(1 for row in self.rows if row.operation == operation)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def has_changes(self) -> bool:
        return self.created + self.updated > 0

    @property
    def can_confirm(self) -> bool:
        return not self.errors and self.has_changes

    @property
    def starts_new_version(self) -> bool:
        """Importing into a validated subject prepares its next version (to be approved and validated again)."""
        return self.plan_status == WorkflowStatus.VALIDATED
