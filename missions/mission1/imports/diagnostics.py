"""A diagnostic's stakes, shared findings and action leads brought in from one table (one row each, its kind in
the « Type » column), with the same dry run, rules and all-or-nothing import as the action plan, and exported in
the same template.

A stake or an action lead is the diagnostic's one of the same title, a finding the one of the same text (accents,
case and punctuation ignored): importing the same file again changes nothing. Resource people are matched with the
directory; unknown ones are proposed for creation, their consent unset.
"""

from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from core.concurrency import save_versioned
from core.deliverables import lock_for_edit
from core.models import User, WorkflowStatus
from core.spreadsheets.columns import (
    CellError,
    Column,
    ColumnMap,
    choice,
    is_blank,
    names,
    normalize,
    shown,
    text,
)
from core.spreadsheets.reading import ParsedTable, cell_error, in_line_order
from core.spreadsheets.templates import COMMON_INTRO, Template
from missions.mission1.imports.changes import (
    ImportResult,
    Ordering,
    PreviewCounts,
    PreviewOutdated,
    describe_changes,
    describe_values,
    fingerprint,
    import_reason,
    mark_history,
    order_rows,
    row_state,
    to_json,
)
from missions.mission1.imports.contacts import ROLE_RESOURCE_PERSON, Directory, Proposals, create_proposed_contact
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.programme.choices import ActionTheme

SHEET_NAMES = ("Diagnostic", "Enjeux", "Synthèse")

STAKE, FINDING, LEAD = "enjeu", "constat", "piste"
KINDS = {STAKE: (Stake, "Enjeu"), FINDING: (SharedFinding, "Constat partagé"), LEAD: (ActionLead, "Piste d'action")}
KIND_CHOICES = {"enjeu": STAKE, "enjeux": STAKE, "constat": FINDING, "constat partagé": FINDING, "constats": FINDING}
KIND_CHOICES |= {"piste": LEAD, "piste d'action": LEAD, "piste d'actions": LEAD, "pistes": LEAD}
KIND_LABELS = "« Enjeu », « Constat partagé » ou « Piste d'action »"


def kind(value):
    """What a row is: a stake, a shared finding or an action lead."""
    if is_blank(value):
        raise CellError(f"type manquant ({KIND_LABELS})")
    found = {normalize(word): kind for word, kind in KIND_CHOICES.items()}.get(normalize(value))
    if found is None:
        raise CellError(f"« {shown(value)} » n'est pas un type de ligne ({KIND_LABELS})")
    return found


kind.choices = ["Enjeu", "Constat partagé", "Piste d'action"]

DIAGNOSTIC_COLUMNS = ColumnMap(
    [
        Column(
            "kind",
            "Type",
            kind,
            aliases=("nature", "type de ligne"),
            required=True,
            help=f"Obligatoire : {KIND_LABELS}.",
        ),
        Column(
            "title",
            "Intitulé",
            text(200),
            aliases=("titre", "enjeu", "piste d'action", "libellé"),
            help="L'enjeu ou la piste d'action ; un enjeu ou une piste du diagnostic qui porte déjà cet intitulé est "
            "mis à jour. Pour un constat partagé, son texte (ou dans « Description »).",
        ),
        Column("description", "Description", text(5000), help="Le texte d'un constat partagé va ici."),
        Column(
            "category",
            "Catégorie",
            choice(Stake.Category, default=Stake.Category.AUTRE),
            help="D'un enjeu : " + choice(Stake.Category).labels + " (vide : Autre).",
        ),
        Column(
            "priority",
            "Priorité",
            choice(Stake.Priority, default=Stake.Priority.MEDIUM),
            help="D'un enjeu : Prioritaire, Importante ou Secondaire (vide : Importante).",
        ),
        Column(
            "theme",
            "Thème",
            choice(ActionTheme, default=ActionTheme.AUTRE),
            aliases=("thématique",),
            help="D'une piste d'action : " + choice(ActionTheme).labels + " (vide : Autre).",
        ),
        Column(
            "potential_leads",
            "Porteurs potentiels",
            text(300),
            aliases=("porteurs", "porteur potentiel"),
            help="D'une piste d'action, en texte libre.",
        ),
        Column(
            "resource_people",
            "Personnes ressources",
            text(3000),
            aliases=("personnes ressource", "personne ressource"),
            help="D'une piste d'action : des noms séparés par des points-virgules, retrouvés parmi les contacts ; "
            "les inconnus sont proposés à la création, sans consentement au partage de leurs coordonnées.",
        ),
    ]
)

FIELDS = {
    STAKE: ["title", "category", "priority", "description"],
    FINDING: ["text"],
    LEAD: ["title", "theme", "description", "potential_leads"],
}
NEW_ROW_DEFAULTS = {
    STAKE: {"category": Stake.Category.AUTRE, "priority": Stake.Priority.MEDIUM, "description": ""},
    FINDING: {},
    LEAD: {"theme": ActionTheme.AUTRE, "description": "", "potential_leads": ""},
}


# Reading the rows ---------------------------------------------------------------------------------------------


def read_diagnostic_rows(parsed: ParsedTable) -> tuple[list[dict], list[str]]:
    rows, errors, seen = [], list(parsed.errors), {}
    for row in parsed.rows:
        values, line = row.values, row.line
        if "kind" not in values:
            continue  # its cell could not be read: the error is listed
        row_kind = values["kind"]
        if row_kind == FINDING:
            finding = values.get("description") or values.get("title") or ""
            fields = {"text": finding}
            header = parsed.header_of("description") or parsed.header_of("title") or "Description"
            if not finding:
                errors.append(cell_error(line, header, "texte du constat manquant"))
                continue
        else:
            fields = {name: values[name] for name in FIELDS[row_kind] if name in values}
            header = parsed.header_of("title") or "Intitulé"
            if not fields.get("title"):
                errors.append(cell_error(line, header, f"intitulé manquant pour cette ligne « {KINDS[row_kind][1]} »"))
                continue
        identity = (row_kind, normalize(fields.get("title") or fields.get("text")))
        if identity in seen:
            errors.append(
                cell_error(line, header, f"cette ligne « {KINDS[row_kind][1]} » figure déjà ligne {seen[identity]}")
            )
            continue
        seen[identity] = line
        item = {"line": line, "kind": row_kind, "fields": to_json(fields)}
        if row_kind == LEAD and "resource_people" in values:
            item["resource_people"] = names(values["resource_people"])
        rows.append(item)
    return rows, errors


# The diagnostic as it is --------------------------------------------------------------------------------------


@dataclass
class DiagnosticState:
    accompaniment: Accompaniment
    diagnostic: Diagnostic | None
    items: dict  # kind → rows in their order
    directory: Directory
    fingerprint: str


def load_diagnostic_state(accompaniment: Accompaniment, diagnostic: Diagnostic | None = None) -> DiagnosticState:
    if diagnostic is None:
        diagnostic = Diagnostic.objects.filter(accompaniment=accompaniment).first()
    items = {STAKE: [], FINDING: [], LEAD: []}
    if diagnostic is not None:
        items[STAKE] = list(diagnostic.stakes.order_by("position", "pk"))
        items[FINDING] = list(diagnostic.findings.order_by("position", "pk"))
        items[LEAD] = list(diagnostic.action_leads.prefetch_related("resource_people").order_by("position", "pk"))
    people = {person.pk for lead in items[LEAD] for person in lead.resource_people.all()}
    directory = Directory.for_commune(accompaniment.commune, also=people)
    data = {
        "status": diagnostic.workflow_status if diagnostic is not None else WorkflowStatus.DRAFT,
        "items": {
            row_kind: [
                {
                    **row_state(item),
                    "people": sorted(person.pk for person in item.resource_people.all()) if row_kind == LEAD else [],
                }
                for item in rows
            ]
            for row_kind, rows in items.items()
        },
        "contacts": directory.fingerprint(),
    }
    return DiagnosticState(accompaniment, diagnostic, items, directory, fingerprint(data))


# Comparing ----------------------------------------------------------------------------------------------------


@dataclass
class ItemChange:
    line: int
    kind: str
    label: str
    item: object | None
    values: dict
    changes: list[str] = field(default_factory=list)
    people: list | None = None  # [{"contact": Contact} | {"proposal": key}]; None: not in the file
    created: object | None = None

    @property
    def operation(self) -> str:
        if self.item is None:
            return "create"
        return "update" if self.changes else "unchanged"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind][1]

    @property
    def title(self) -> str:
        return self.label


@dataclass
class DiagnosticPreview(PreviewCounts):
    filename: str
    sha256: str
    rows: list[ItemChange]
    errors: list[str]
    proposals: list[dict]
    ignored_headers: list[str]
    untouched: int
    orderings: dict  # kind → Ordering
    plan_status: str


def _identity(row_kind: str, item) -> str:
    return normalize(item.text if row_kind == FINDING else item.title)


def compare_diagnostic(stored: dict, state: DiagnosticState) -> DiagnosticPreview:
    errors = list(stored.get("errors", []))
    proposals = Proposals()
    existing = {
        row_kind: {_identity(row_kind, item): item for item in reversed(rows)}
        for row_kind, rows in state.items.items()
    }
    rows = []
    for entry in stored["rows"]:
        row_kind = entry["kind"]
        model = KINDS[row_kind][0]
        values = {name: model._meta.get_field(name).to_python(value) for name, value in entry["fields"].items()}
        label = values.get("title") or values.get("text")
        item = existing[row_kind].get(normalize(label))
        if item is None:
            values = {**NEW_ROW_DEFAULTS[row_kind], **values}
            described = describe_values(
                model, {name: value for name, value in values.items() if name not in ("title", "text")}
            )
            row = ItemChange(entry["line"], row_kind, label[:120], None, values, described)
        else:
            changed, lines = describe_changes(item, values)
            row = ItemChange(entry["line"], row_kind, label[:120], item, changed, lines)
        if "resource_people" in entry:
            _compare_people(row, entry["resource_people"], state, proposals, errors)
        rows.append(row)
    orderings = {}
    for row_kind, current in state.items.items():
        orderings[row_kind] = order_rows(current, [row.item for row in rows if row.kind == row_kind])
        for row in rows:
            if row.kind == row_kind and row.item in orderings[row_kind].moved:
                row.changes.append("Change de place (ordre du fichier)")
    listed = {(row.kind, row.item.pk) for row in rows if row.item is not None}
    return DiagnosticPreview(
        filename=stored["filename"],
        sha256=stored["sha256"],
        rows=rows,
        errors=in_line_order(errors),
        proposals=proposals.as_list(),
        ignored_headers=stored.get("ignored_headers", []),
        untouched=sum(
            1 for row_kind, items in state.items.items() for item in items if (row_kind, item.pk) not in listed
        ),
        orderings=orderings,
        plan_status=state.diagnostic.workflow_status if state.diagnostic is not None else WorkflowStatus.DRAFT,
    )


def _compare_people(row: ItemChange, people: list[str], state: DiagnosticState, proposals, errors) -> None:
    current = {person.pk: person for person in row.item.resource_people.all()} if row.item is not None else {}
    resolved, labels = [], []
    for name in people:
        found = state.directory.people_named(name, prefer=set(current))
        if len(found) > 1:
            errors.append(
                f"ligne {row.line}, colonne « Personnes ressources » : plusieurs contacts s'appellent « {name} » ; "
                "reliez la bonne personne depuis la page du diagnostic"
            )
            continue
        if found:
            resolved.append({"contact": found[0]})
            labels.append(found[0].full_name)
            continue
        key = proposals.propose(name, role=ROLE_RESOURCE_PERSON, line=row.line)
        if key is not None:
            resolved.append({"proposal": key})
            labels.append(f"{name} (contact à créer)")
    row.people = resolved
    new_ids = {entry["contact"].pk for entry in resolved if "contact" in entry}
    if row.item is None and labels:
        row.changes.append(f"Personnes ressources : {', '.join(labels)}")
    if row.item is not None and (new_ids != set(current) or any("proposal" in entry for entry in resolved)):
        before = ", ".join(person.full_name for person in current.values()) or "—"
        row.changes.append(f"Personnes ressources : {before} → {', '.join(labels) or '—'}")


# Preview and import -------------------------------------------------------------------------------------------


def preview_diagnostic_import(*, accompaniment: Accompaniment, parsed: ParsedTable):
    rows, errors = read_diagnostic_rows(parsed)
    state = load_diagnostic_state(accompaniment)
    stored = {
        "kind": "diagnostic",
        "filename": parsed.table.filename,
        "sha256": parsed.table.sha256,
        "ignored_headers": parsed.ignored_headers,
        "rows": rows,
        "errors": errors,
        "fingerprint": state.fingerprint,
    }
    preview = compare_diagnostic(stored, state)
    return preview, (stored if preview.can_confirm else None)


@transaction.atomic
def apply_diagnostic_import(*, accompaniment: Accompaniment, stored: dict, accepted: set[str], by: User):
    """Apply the previewed rows in one transaction (same refusals as the plan's import); editing a validated
    diagnostic starts its next version, and the accompaniment reaches its diagnostic phase."""
    diagnostic, _ = Diagnostic.objects.get_or_create(accompaniment=accompaniment)
    diagnostic = lock_for_edit(diagnostic)
    state = load_diagnostic_state(accompaniment, diagnostic)
    preview = compare_diagnostic(stored, state)
    if state.fingerprint != stored["fingerprint"] or not preview.can_confirm:
        raise PreviewOutdated(preview, {**stored, "fingerprint": state.fingerprint})
    reason = import_reason(stored["filename"])
    contacts = {
        proposal["key"]: create_proposed_contact(proposal, commune=accompaniment.commune, reason=reason)
        for proposal in preview.proposals
        if proposal["key"] in accepted
    }
    for row_kind, (model, _label) in KINDS.items():
        rows = [row for row in preview.rows if row.kind == row_kind]
        ordering: Ordering = preview.orderings[row_kind]
        new_rows = [row for row in rows if row.item is None]
        new_items = [
            model(diagnostic=diagnostic, position=position, **row.values)
            for row, position in zip(new_rows, ordering.new_positions, strict=True)
        ]
        new_items = bulk_create_with_history(new_items, model, default_user=by, default_change_reason=reason)
        for row, item in zip(new_rows, new_items, strict=True):
            row.created = item
        for row in rows:
            if row.item is not None and row.operation == "update":
                for name, value in row.values.items():
                    setattr(row.item, name, value)
                if row.item in ordering.moved:
                    row.item.position = ordering.moved[row.item]
                mark_history(row.item, by=by, reason=reason)
                if model is Stake:
                    save_versioned(row.item, row.item.lock_version)
                else:
                    row.item.save()
            if row.people is not None:
                target = row.item or row.created
                ids = [entry["contact"].pk for entry in row.people if "contact" in entry]
                ids += [contacts[entry["proposal"]].pk for entry in row.people if entry.get("proposal") in contacts]
                if row.item is None or set(ids) != {person.pk for person in row.item.resource_people.all()}:
                    target.resource_people.set(ids)
    result = ImportResult(preview.created, preview.updated, preview.unchanged, len(contacts), noun="ligne")
    diagnostic.mark_edited()
    mark_history(diagnostic, by=by, reason=result.history_reason(stored["filename"]))
    diagnostic.save(update_fields=["workflow_status", "updated_at"])
    accompaniment.advance_to(Accompaniment.Phase.DIAGNOSTIC)
    return result


# Export in the same template ----------------------------------------------------------------------------------


def diagnostic_rows(diagnostic: Diagnostic | None) -> list:
    """The rows of the template for a diagnostic: its stakes, findings and leads, each in its order."""
    if diagnostic is None:
        return []
    return [
        *diagnostic.stakes.order_by("position", "pk"),
        *diagnostic.findings.order_by("position", "pk"),
        *diagnostic.action_leads.prefetch_related("resource_people").order_by("position", "pk"),
    ]


def diagnostic_columns() -> dict:
    def kind_of(item):
        return {Stake: "Enjeu", SharedFinding: "Constat partagé", ActionLead: "Piste d'action"}[type(item)]

    getters = {
        "kind": kind_of,
        "title": lambda item: getattr(item, "title", ""),
        "description": lambda item: item.text if isinstance(item, SharedFinding) else item.description,
        "category": lambda item: item.get_category_display() if isinstance(item, Stake) else "",
        "priority": lambda item: item.get_priority_display() if isinstance(item, Stake) else "",
        "theme": lambda item: item.get_theme_display() if isinstance(item, ActionLead) else "",
        "potential_leads": lambda item: item.potential_leads if isinstance(item, ActionLead) else "",
        "resource_people": lambda item: (
            " ; ".join(person.full_name for person in item.resource_people.all())
            if isinstance(item, ActionLead)
            else ""
        ),
    }
    return {column.header: getters[column.key] for column in DIAGNOSTIC_COLUMNS.columns}


TEMPLATE = Template(
    filename="modele-diagnostic",
    sheet="Diagnostic",
    columns=DIAGNOSTIC_COLUMNS,
    headers=lambda: list(diagnostic_columns()),
    example=lambda: {
        "Type": "Enjeu",
        "Intitulé": "Exemple : approvisionner la cantine en produits locaux",
        "Description": "Remplacez ou supprimez cette ligne d'exemple.",
        "Catégorie": Stake.Category.AUTRE.label,
        "Priorité": Stake.Priority.MEDIUM.label,
    },
    intro=(
        "Modèle d'import du diagnostic : une ligne par enjeu, constat partagé ou piste d'action (colonne « Type »).",
        *COMMON_INTRO,
    ),
)
