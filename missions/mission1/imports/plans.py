"""An action plan brought in from the template (one row per action), and exported in the same template.

Dry run: the file's rows are compared with the plan, row by row (created, updated with each field's old and new
value, unchanged), with every error naming its line and column; nothing is written. The confirmation applies
exactly the rows previewed, in one transaction, if the plan has not changed since (else a new preview is shown).

Rules: an action is the plan's action of the same title (accents, case and punctuation ignored), so importing the
same file again changes nothing. A column the file lacks leaves that field alone; an empty cell empties it. The
financing and indicator columns describe the action's whole list: a funder or indicator missing from the row is
removed from the action. Actions of the plan the file does not list are kept as they are. When the file lists every
action, its order becomes the plan's order.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.concurrency import save_versioned
from core.deliverables import lock_for_edit
from core.exports import Month
from core.models import User, WorkflowStatus
from core.spreadsheets.columns import (
    Column,
    ColumnMap,
    NumberedColumn,
    boolean,
    choice,
    is_blank,
    money,
    money_or_zero,
    month,
    month_label,
    names,
    normalize,
    percent,
    quantity,
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
    display,
    fingerprint,
    import_reason,
    mark_history,
    order_rows,
    row_state,
    to_json,
    typed,
)
from missions.mission1.imports.contacts import (
    ROLE_LEAD,
    ROLE_PARTNER,
    Directory,
    Proposals,
    create_proposed_contact,
)
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource, Indicator, IndicatorValue
from missions.mission1.services.action_plans import plan_for
from missions.programme.choices import ActionTheme

SHEET_NAMES = ("Actions", "Plan d'actions", "Plan")

PLAN_COLUMNS = ColumnMap(
    [
        Column(
            "title",
            "Intitulé",
            text(200),
            aliases=("titre", "action", "nom de l'action", "intitulé de l'action", "libellé"),
            required=True,
            help="Obligatoire. Une action du plan qui porte déjà cet intitulé est mise à jour (majuscules, accents "
            "et ponctuation ignorés) ; sinon l'action est créée.",
        ),
        Column(
            "theme",
            "Thème",
            choice(ActionTheme),
            aliases=("thématique",),
            help="Obligatoire pour créer une action : " + choice(ActionTheme).labels + ".",
        ),
        Column(
            "priority",
            "Priorité",
            choice(Action.Priority, default=Action.Priority.MEDIUM),
            help="Haute, Moyenne ou Basse (vide : Moyenne).",
        ),
        Column(
            "status",
            "Statut",
            choice(Action.Status, default=Action.Status.PROPOSED, synonyms={"terminée": Action.Status.DONE}),
            aliases=("état",),
            help=choice(Action.Status).labels + " (vide : Proposée).",
        ),
        Column(
            "progress",
            "Avancement (%)",
            percent,
            aliases=("avancement", "progression", "taux d'avancement"),
            help="Nombre entier de 0 à 100 (« 45 », « 45 % »).",
        ),
        Column(
            "specific_support",
            "Accompagnement spécifique",
            boolean,
            aliases=("spécifique",),
            help="« oui » ou « non » (vide : non).",
        ),
        Column("description", "Description", text(10000)),
        Column(
            "lead_name",
            "Porteur",
            text(200),
            aliases=("pilote", "responsable", "porteur (contact)", "porteur de l'action"),
            help="Le nom d'une personne. Retrouvée parmi les contacts de la commune ; une personne inconnue est "
            "proposée à la création, sans consentement au partage de ses coordonnées.",
        ),
        Column(
            "lead_organisation",
            "Structure porteuse",
            text(200),
            aliases=("porteur (organisme)", "organisme porteur", "structure"),
            help="L'organisme qui porte l'action (mairie, association…), avec ou sans porteur nommé.",
        ),
        Column(
            "partners",
            "Partenaires",
            text(3000),
            aliases=("partenaire",),
            help="Séparés par des points-virgules. Les partenaires inconnus de l'annuaire peuvent être ajoutés aux "
            "contacts (case à cocher de l'aperçu).",
        ),
        Column("operational_objectives", "Objectifs opérationnels", text(5000), aliases=("objectifs",)),
        Column("expected_results", "Résultats attendus", text(5000), aliases=("résultats",)),
        Column(
            "cost_estimate",
            "Coût (€)",
            money_or_zero,
            aliases=("coût", "coût estimé", "coût estimé (€)", "coût prévisionnel", "budget"),
            help="En euros : « 1 234,50 € », « 1234,5 » ou un nombre (vide : 0).",
        ),
        Column(
            "start_month",
            "Début",
            month,
            aliases=("début (mois)", "mois de début", "date de début"),
            help="Un mois : « mars 2026 », « 03/2026 » ou une date.",
        ),
        Column(
            "end_month",
            "Fin",
            month,
            aliases=("fin (mois)", "mois de fin", "date de fin"),
            help="Un mois, pas avant le début.",
        ),
    ],
    [
        NumberedColumn(
            "funding",
            "funder",
            "Financeur {n}",
            r"(?:financeur|financement|source de financement) (?P<n>\d+)",
            text(200),
            help="Financeur 1, Financeur 2… : chaque financement de l'action.",
        ),
        NumberedColumn(
            "funding",
            "amount",
            "Montant financeur {n} (€)",
            r"montant (?:financeur |financement )?(?P<n>\d+)(?: eur| euros?)?",
            money,
            help="Le montant du financeur de même numéro, en euros.",
        ),
        NumberedColumn(
            "funding",
            "status",
            "Statut financeur {n}",
            r"statut (?:financeur|financement) (?P<n>\d+)",
            choice(FundingSource.Status, default=FundingSource.Status.PLANNED),
            help=choice(FundingSource.Status).labels + " (vide : Envisagé).",
        ),
        NumberedColumn(
            "indicators",
            "name",
            "Indicateur {n}",
            r"indicateur (?P<n>\d+)",
            text(200),
            help="Indicateur 1, Indicateur 2… : le nom de chaque indicateur de l'action.",
        ),
        NumberedColumn(
            "indicators",
            "unit",
            "Unité indicateur {n}",
            r"unite (?:indicateur )?(?P<n>\d+)",
            text(50),
            help="Son unité (%, repas, kg…).",
        ),
        NumberedColumn(
            "indicators",
            "target",
            "Indicateur {n} cible {year}",
            r"indicateur (?P<n>\d+) (?:cible|objectif) (?P<year>\d{4})",
            quantity,
            help="Sa cible de l'année (une colonne par année : « Indicateur 1 cible 2027 »…).",
        ),
        NumberedColumn(
            "indicators",
            "actual",
            "Indicateur {n} réalisé {year}",
            r"indicateur (?P<n>\d+) (?:realise|reel|valeur) (?P<year>\d{4})",
            quantity,
            help="Sa valeur réalisée de l'année.",
        ),
        NumberedColumn(
            "indicators",
            "comment",
            "Indicateur {n} commentaire {year}",
            r"indicateur (?P<n>\d+) commentaire (?P<year>\d{4})",
            text(500),
            help="Un commentaire sur l'année.",
        ),
    ],
)

# The action's fields a file may set, in the order the preview lists their changes.
ACTION_FIELDS = [
    "title",
    "theme",
    "priority",
    "status",
    "progress",
    "specific_support",
    "description",
    "lead_organisation",
    "partners",
    "operational_objectives",
    "expected_results",
    "cost_estimate",
    "start_month",
    "end_month",
]
NEW_ACTION_DEFAULTS = {
    "priority": Action.Priority.MEDIUM,
    "status": Action.Status.PROPOSED,
    "progress": 0,
    "specific_support": False,
    "description": "",
    "lead_organisation": "",
    "partners": "",
    "operational_objectives": "",
    "expected_results": "",
    "cost_estimate": Decimal("0.00"),
    "start_month": None,
    "end_month": None,
}
VALUE_FIELDS = ("target", "actual", "comment")


# Reading the rows ---------------------------------------------------------------------------------------------


def read_plan_rows(parsed: ParsedTable) -> tuple[list[dict], list[str]]:
    """The file's actions as JSON rows (what the preview stores), and the French errors of the file."""
    rows, errors, seen_titles = [], list(parsed.errors), {}
    title_header = parsed.header_of("title")
    for row in parsed.rows:
        line, values = row.line, row.values
        if "title" not in values:
            continue  # its cell could not be read: the error is already listed
        title = values["title"]
        if not title:
            errors.append(cell_error(line, title_header, "intitulé manquant : chaque ligne du tableau est une action"))
            continue
        if normalize(title) in seen_titles:
            errors.append(
                cell_error(
                    line, title_header, f"l'action « {title} » figure déjà ligne {seen_titles[normalize(title)]}"
                )
            )
            continue
        seen_titles[normalize(title)] = line
        item = {
            "line": line,
            "fields": to_json({name: values[name] for name in ACTION_FIELDS if name in values}),
            "funding": _funding_items(row, parsed, errors),
            "indicators": _indicator_items(row, parsed, errors),
        }
        if "lead_name" in values:
            item["lead_name"] = values["lead_name"]
        rows.append(item)
    return rows, errors


def _numbered_header(parsed: ParsedTable, key: str, number: int, template: str) -> str:
    return parsed.header_of(key, number) or template.format(n=number)


def _funding_items(row, parsed: ParsedTable, errors: list[str]) -> list[dict] | None:
    if not (parsed.has("funder") or parsed.has("amount")):
        return None  # no financing columns: the action's financing is left alone
    items = []
    for number, slot in sorted(row.groups.get("funding", {}).items()):
        if ("funder" not in slot and parsed.header_of("funder", number)) or (
            "amount" not in slot and parsed.header_of("amount", number)
        ):
            continue  # a cell that could not be read: its error is listed
        funder, amount = slot.get("funder", ""), slot.get("amount")
        if not funder and amount is None:
            continue
        if not funder:
            header = _numbered_header(parsed, "funder", number, "Financeur {n}")
            errors.append(cell_error(row.line, header, "financeur manquant pour ce montant"))
            continue
        if amount is None:
            header = _numbered_header(parsed, "amount", number, "Montant financeur {n}")
            errors.append(cell_error(row.line, header, f"montant manquant pour « {funder} »"))
            continue
        item = {"funder": funder, "amount": str(amount)}
        if "status" in slot:
            item["status"] = slot["status"]
        items.append(item)
    return items


def _indicator_items(row, parsed: ParsedTable, errors: list[str]) -> list[dict] | None:
    if not any(bound.column.group == "indicators" for bound in parsed.columns if bound.number is not None):
        return None  # no indicator columns: the action's indicators are left alone
    items = []
    for number, slot in sorted(row.groups.get("indicators", {}).items()):
        if "name" not in slot and parsed.header_of("name", number):
            continue  # its cell could not be read: the error is listed
        name = slot.get("name", "")
        filled = slot.get("unit") or any(
            not is_blank(value) for cells in slot["years"].values() for value in cells.values()
        )
        if not name:
            if filled:
                header = _numbered_header(parsed, "name", number, "Indicateur {n}")
                errors.append(cell_error(row.line, header, "nom de l'indicateur manquant pour ces valeurs"))
            continue
        item = {"name": name, "years": {str(year): to_json(cells) for year, cells in sorted(slot["years"].items())}}
        if "unit" in slot:
            item["unit"] = slot["unit"]
        items.append(item)
    return items


# The plan as it is --------------------------------------------------------------------------------------------


@dataclass
class PlanState:
    accompaniment: Accompaniment
    plan: ActionPlan | None
    actions: list[Action]
    directory: Directory
    fingerprint: str


def load_plan_state(accompaniment: Accompaniment, plan: ActionPlan | None = None) -> PlanState:
    """The plan's actions with their financing and indicators, and the directory: a fixed number of queries."""
    if plan is None:
        plan = ActionPlan.objects.filter(accompaniment=accompaniment).first()
    actions = (
        list(
            plan.actions.select_related("lead_contact")
            .prefetch_related("funding_sources", "indicators__values")
            .order_by("position", "pk")
        )
        if plan is not None
        else []
    )
    directory = Directory.for_commune(
        accompaniment.commune, also={action.lead_contact_id for action in actions if action.lead_contact_id}
    )
    data = {
        "status": plan.workflow_status if plan is not None else WorkflowStatus.DRAFT,
        "actions": [
            {
                **row_state(action),
                "funding": [row_state(source) for source in action.funding_sources.all()],
                "indicators": [
                    {**row_state(indicator), "values": [row_state(value) for value in indicator.values.all()]}
                    for indicator in action.indicators.all()
                ],
            }
            for action in actions
        ],
        "contacts": directory.fingerprint(),
    }
    return PlanState(accompaniment, plan, actions, directory, fingerprint(data))


# Comparing ----------------------------------------------------------------------------------------------------


@dataclass
class ActionChange:
    """What one row of the file does to the plan."""

    line: int
    title: str
    action: Action | None  # the existing action, None when the row creates one
    values: dict  # a new action's fields, or an existing action's changed fields
    changes: list[str] = field(default_factory=list)
    lead: dict | None = None  # {"contact": Contact | None} or {"proposal": key, "fallback": text}; None: not in file
    funding: list = field(default_factory=list)  # ("create", data) | ("update", source, data) | ("delete", source)
    indicators: list = field(default_factory=list)  # see _compare_indicators
    created: Action | None = None  # the action the import created for this row

    @property
    def operation(self) -> str:
        if self.action is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class PlanPreview(PreviewCounts):
    noun = ("action", "actions")
    filename: str
    sha256: str
    rows: list[ActionChange]
    errors: list[str]
    proposals: list[dict]
    ignored_headers: list[str]
    untouched: int  # actions of the plan the file does not list
    ordering: Ordering
    plan_status: str


def compare_plan(stored: dict, state: PlanState) -> PlanPreview:
    """What the stored rows would do to the plan as it is now (no write)."""
    headers = stored["headers"]
    errors = list(stored.get("errors", []))
    proposals = Proposals()
    existing_by_title = {}
    for action in state.actions:
        existing_by_title.setdefault(normalize(action.title), action)
    rows = []
    for item in stored["rows"]:
        action = existing_by_title.get(normalize(item["fields"]["title"]))
        change = _compare_action(item, action, state, headers, proposals, errors)
        if change is not None:
            rows.append(change)
    ordering = order_rows(state.actions, [row.action for row in rows])
    for row in rows:
        if row.action in ordering.moved:
            row.changes.append("Change de place dans le plan (ordre du fichier)")
    listed = {row.action.pk for row in rows if row.action is not None}
    return PlanPreview(
        filename=stored["filename"],
        sha256=stored["sha256"],
        rows=rows,
        errors=in_line_order(errors),
        proposals=proposals.as_list(),
        ignored_headers=stored.get("ignored_headers", []),
        untouched=sum(1 for action in state.actions if action.pk not in listed),
        ordering=ordering,
        plan_status=state.plan.workflow_status if state.plan is not None else WorkflowStatus.DRAFT,
    )


def _compare_action(item, action, state, headers, proposals, errors) -> ActionChange | None:
    line = item["line"]
    values = {name: typed(Action, name, value) for name, value in item["fields"].items()}
    title = values["title"]
    _check_months(line, values, action, errors)
    if action is None:
        if "theme" not in values:
            if "theme" not in headers:  # else the cell's own error is listed, once
                errors.append(f"ligne {line} : la colonne « Thème » manque pour créer l'action « {title} »")
            return None
        values = {**NEW_ACTION_DEFAULTS, **values}
        change = ActionChange(line=line, title=title, action=None, values=values)
        change.changes = describe_values(Action, {name: values[name] for name in ACTION_FIELDS[1:] if name in values})
    else:
        changed, lines = describe_changes(action, values)
        change = ActionChange(line=line, title=title, action=action, values=changed, changes=lines)
    if "lead_name" in item:
        _compare_lead(change, item, state, headers, proposals, errors)
    final_partners = change.values.get("partners", action.partners if action else "")
    if "partners" in item["fields"] and final_partners:
        already = {normalize(name) for name in names(action.partners)} if action else set()
        for partner in names(final_partners):
            if normalize(partner) not in already and not state.directory.knows(partner):
                proposals.propose(partner, role=ROLE_PARTNER, line=line, checked=False)
    if item["funding"] is not None:
        _compare_funding(change, item["funding"])
    if item["indicators"] is not None:
        _compare_indicators(change, item["indicators"])
    return change


def _check_months(line: int, values: dict, action: Action | None, errors: list[str]) -> None:
    """The end month may not precede the start month (the template's guide says so), the file's months or the
    action's when the file leaves one out."""
    start = values.get("start_month", action.start_month if action else None)
    end = values.get("end_month", action.end_month if action else None)
    if start and end and end < start:
        errors.append(
            f"ligne {line} : le mois de fin ({month_label(end)}) précède le mois de début ({month_label(start)})"
        )


def _compare_lead(change: ActionChange, item, state: PlanState, headers, proposals: Proposals, errors) -> None:
    action, name = change.action, item["lead_name"]
    organisation = change.values.get("lead_organisation", action.lead_organisation if action else "")
    current = action.lead_contact if action else None
    if not name:
        change.lead = {"contact": None}
        new_label = "—"
    else:
        prefer = {current.pk} if current else set()
        found = state.directory.people_named(name, organisation, prefer=prefer)
        if len(found) > 1:
            errors.append(
                cell_error(
                    change.line,
                    headers.get("lead_name", "Porteur"),
                    f"plusieurs contacts s'appellent « {name} » : précisez leur structure dans la colonne "
                    "« Structure porteuse »",
                )
            )
            return
        if found:
            change.lead = {"contact": found[0]}
            new_label = found[0].full_name
        else:
            key = proposals.propose(name, organisation=organisation, role=ROLE_LEAD, line=change.line)
            if key is None:
                errors.append(
                    cell_error(
                        change.line, headers.get("lead_name", "Porteur"), "nom trop long (100 caractères au plus)"
                    )
                )
                return
            fallback = f"{name} ({organisation})" if organisation else name
            change.lead = {"proposal": key, "fallback": fallback[:200]}
            new_label = f"{name} (contact à créer)"
    new_pk = change.lead["contact"].pk if change.lead.get("contact") else None
    if action is None and name:
        change.changes.append(f"Porteur (contact) : {new_label}")
    if action is not None and ("proposal" in change.lead or new_pk != action.lead_contact_id):
        change.changes.append(f"Porteur (contact) : {current.full_name if current else '—'} → {new_label}")


def _compare_funding(change: ActionChange, items: list[dict]) -> None:
    unmatched = list(change.action.funding_sources.all()) if change.action else []
    for item in items:
        data = {"funder": item["funder"], "amount": Decimal(item["amount"])}
        if "status" in item:
            data["status"] = item["status"]
        source = next((source for source in unmatched if normalize(source.funder) == normalize(item["funder"])), None)
        if source is None:
            data.setdefault("status", FundingSource.Status.PLANNED)
            change.funding.append(("create", data))
            what = "Financement ajouté" if change.action is not None else "Financement"
            change.changes.append(
                f"{what} : {data['funder']}, {display(FundingSource, 'amount', data['amount'])} "
                f"({display(FundingSource, 'status', data['status']).lower()})"
            )
            continue
        unmatched.remove(source)
        changed, lines = describe_changes(source, data)
        if changed:
            change.funding.append(("update", source, changed))
            change.changes += [f"Financement « {source.funder} », {line[0].lower()}{line[1:]}" for line in lines]
    for source in unmatched:
        change.funding.append(("delete", source))
        change.changes.append(
            f"Financement retiré : {source.funder}, {display(FundingSource, 'amount', source.amount)}"
        )


def _compare_indicators(change: ActionChange, items: list[dict]) -> None:
    """Operations: ("create", data, values) | ("update", indicator, changed, value_ops) | ("delete", indicator);
    value_ops: ("create", data) | ("update", value, changed) | ("delete", value)."""
    unmatched = list(change.action.indicators.all()) if change.action else []
    for item in items:
        data = {"name": item["name"]}
        if "unit" in item:
            data["unit"] = item["unit"]
        cells_by_year = {
            int(year): {name: typed(IndicatorValue, name, value) for name, value in cells.items()}
            for year, cells in item["years"].items()
        }
        indicator = next((i for i in unmatched if normalize(i.name) == normalize(item["name"])), None)
        if indicator is None:
            new_values = [
                {"year": year, **cells}
                for year, cells in cells_by_year.items()
                if any(not is_blank(value) for value in cells.values())
            ]
            change.indicators.append(("create", {"unit": "", **data}, new_values))
            what = "Indicateur ajouté" if change.action is not None else "Indicateur"
            change.changes.append(f"{what} : {item['name']}" + (f" ({data['unit']})" if data.get("unit") else ""))
            continue
        unmatched.remove(indicator)
        changed, lines = describe_changes(indicator, data)
        change.changes += [f"Indicateur « {indicator.name} », {line[0].lower()}{line[1:]}" for line in lines]
        value_ops = []
        by_year = {value.year: value for value in indicator.values.all()}
        for year, cells in cells_by_year.items():
            value = by_year.get(year)
            if value is None:
                if any(not is_blank(cell) for cell in cells.values()):
                    value_ops.append(("create", {"year": year, **cells}))
                    change.changes.append(f"Indicateur « {indicator.name} », {year} : valeurs ajoutées")
                continue
            merged = {name: cells.get(name, getattr(value, name)) for name in VALUE_FIELDS}
            if all(is_blank(cell) for cell in merged.values()):
                value_ops.append(("delete", value))
                change.changes.append(f"Indicateur « {indicator.name} », {year} : valeurs retirées")
                continue
            value_changed, value_lines = describe_changes(value, cells)
            if value_changed:
                value_ops.append(("update", value, value_changed))
                change.changes += [
                    f"Indicateur « {indicator.name} », {year} : {line[0].lower()}{line[1:]}" for line in value_lines
                ]
        if changed or value_ops:
            change.indicators.append(("update", indicator, changed, value_ops))
    for indicator in unmatched:
        change.indicators.append(("delete", indicator))
        change.changes.append(f"Indicateur retiré : {indicator.name}")


# Preview and import -------------------------------------------------------------------------------------------


def preview_plan_import(*, accompaniment: Accompaniment, parsed: ParsedTable) -> tuple[PlanPreview, dict | None]:
    """The dry run of a file read with PLAN_COLUMNS, and what to store for its confirmation (None on errors)."""
    rows, errors = read_plan_rows(parsed)
    state = load_plan_state(accompaniment)
    stored = {
        "kind": "plan",
        "filename": parsed.table.filename,
        "sha256": parsed.table.sha256,
        "headers": {bound.key: bound.header for bound in parsed.columns if bound.number is None},
        "ignored_headers": parsed.ignored_headers,
        "rows": rows,
        "errors": errors,
        "fingerprint": state.fingerprint,
    }
    preview = compare_plan(stored, state)
    return preview, (stored if preview.can_confirm else None)


@transaction.atomic
def apply_plan_import(*, accompaniment: Accompaniment, stored: dict, accepted: set[str], by: User) -> ImportResult:
    """Apply the previewed rows in one transaction, creating the ticked contacts (`accepted`: proposal keys).

    Refused (ContentLocked) while a submitted version of the plan awaits validation; refused (PreviewOutdated,
    nothing written) when the plan or the directory changed since the preview. Importing into a validated plan
    starts its next version. The plan's history records the import, each row's history its file.
    """
    plan = lock_for_edit(plan_for(accompaniment))
    state = load_plan_state(accompaniment, plan)
    preview = compare_plan(stored, state)
    if state.fingerprint != stored["fingerprint"] or not preview.can_confirm:
        raise PreviewOutdated(preview, {**stored, "fingerprint": state.fingerprint})
    reason = import_reason(stored["filename"])
    contacts = {
        proposal["key"]: create_proposed_contact(proposal, commune=accompaniment.commune, reason=reason)
        for proposal in preview.proposals
        if proposal["key"] in accepted
    }

    def lead_of(row: ActionChange, action: Action) -> None:
        if row.lead is None:
            return
        if "proposal" in row.lead:
            contact = contacts.get(row.lead["proposal"])
            action.lead_contact = contact
            if contact is None:  # not ticked: the name stays on the action as its lead organisation
                action.lead_organisation = row.lead["fallback"]
        else:
            action.lead_contact = row.lead["contact"]

    new_rows = [row for row in preview.rows if row.action is None]
    new_actions = []
    for row, position in zip(new_rows, preview.ordering.new_positions, strict=True):
        action = Action(plan=plan, position=position, **row.values)
        lead_of(row, action)
        new_actions.append(action)
    new_actions = bulk_create_with_history(new_actions, Action, default_user=by, default_change_reason=reason)
    for row, action in zip(new_rows, new_actions, strict=True):
        row.created = action

    sources, indicators, pending_values = [], [], []
    for row in preview.rows:
        action = row.action if row.action is not None else row.created
        if row.action is not None and row.operation == "update":
            for name, value in row.values.items():
                setattr(action, name, value)
            lead_of(row, action)
            if action in preview.ordering.moved:
                action.position = preview.ordering.moved[action]
            save_versioned(mark_history(action, by=by, reason=reason), action.lock_version)
        for operation in row.funding:
            if operation[0] == "create":
                sources.append(FundingSource(action=action, **operation[1]))
            elif operation[0] == "update":
                source, changed = operation[1], operation[2]
                for name, value in changed.items():
                    setattr(source, name, value)
                mark_history(source, by=by, reason=reason).save()
            else:
                mark_history(operation[1], by=by, reason=reason).delete()
        for operation in row.indicators:
            if operation[0] == "create":
                indicator = Indicator(action=action, **operation[1])
                indicators.append(indicator)
                pending_values += [(indicator, data) for data in operation[2]]
            elif operation[0] == "update":
                _update_indicator(*operation[1:], by=by, reason=reason, pending_values=pending_values)
            else:
                mark_history(operation[1], by=by, reason=reason).delete()
    bulk_create_with_history(sources, FundingSource, default_user=by, default_change_reason=reason)
    bulk_create_with_history(indicators, Indicator, default_user=by, default_change_reason=reason)
    values = [IndicatorValue(indicator=indicator, **data) for indicator, data in pending_values]
    bulk_create_with_history(values, IndicatorValue, default_user=by, default_change_reason=reason)

    result = ImportResult(preview.created, preview.updated, preview.unchanged, len(contacts))
    plan.mark_edited()
    mark_history(plan, by=by, reason=result.history_reason(stored["filename"]))
    plan.save(update_fields=["workflow_status", *ActionPlan.APPROVAL_FIELDS, "updated_at"])
    return result


def _update_indicator(indicator, changed, value_ops, *, by, reason, pending_values) -> None:
    if changed:
        for name, value in changed.items():
            setattr(indicator, name, value)
        save_versioned(mark_history(indicator, by=by, reason=reason), indicator.lock_version)
    for operation in value_ops:
        if operation[0] == "create":
            pending_values.append((indicator, operation[1]))
        elif operation[0] == "update":
            value = operation[1]
            for name, new in operation[2].items():
                setattr(value, name, new)
            mark_history(value, by=by, reason=reason).save()
        else:
            mark_history(operation[1], by=by, reason=reason).delete()


# Export in the same template ----------------------------------------------------------------------------------


def plan_columns(*, funders: int, indicators: int, years: list[int]) -> dict:
    """The template's columns (header → value of an action), with `funders` financing and `indicators` indicator
    columns, and per indicator a target, actual and comment column for each of `years`."""

    def nth(items, index):
        return items[index] if index < len(items) else None

    def funding(action, index):
        return nth(list(action.funding_sources.all()), index)

    def indicator(action, index):
        return nth(list(action.indicators.all()), index)

    def value(action, index, year):
        found = indicator(action, index)
        return next((value for value in found.values.all() if value.year == year), None) if found else None

    getters = {
        "title": lambda action: action.title,
        "theme": lambda action: action.get_theme_display(),
        "priority": lambda action: action.get_priority_display(),
        "status": lambda action: action.get_status_display(),
        "progress": lambda action: action.progress,
        "specific_support": lambda action: action.specific_support,
        "description": lambda action: action.description,
        "lead_name": lambda action: action.lead_contact.full_name if action.lead_contact_id else "",
        "lead_organisation": lambda action: action.lead_organisation,
        "partners": lambda action: action.partners,
        "operational_objectives": lambda action: action.operational_objectives,
        "expected_results": lambda action: action.expected_results,
        "cost_estimate": lambda action: action.cost_estimate,
        # Real months (mm/aaaa in XLSX, aaaa-mm in CSV), as every export writes them: sortable, and read back.
        "start_month": lambda action: Month.of(action.start_month),
        "end_month": lambda action: Month.of(action.end_month),
    }
    columns = {column.header: getters[column.key] for column in PLAN_COLUMNS.columns}
    numbered = {(column.group, column.key): column for column in PLAN_COLUMNS.numbered}

    def header(group, key, n, year=None):
        return numbered[group, key].header.format(n=n, year=year)

    for n in range(1, funders + 1):
        columns[header("funding", "funder", n)] = lambda a, i=n - 1: getattr(funding(a, i), "funder", None)
        columns[header("funding", "amount", n)] = lambda a, i=n - 1: getattr(funding(a, i), "amount", None)
        columns[header("funding", "status", n)] = lambda a, i=n - 1: (
            funding(a, i).get_status_display() if funding(a, i) else None
        )
    for n in range(1, indicators + 1):
        columns[header("indicators", "name", n)] = lambda a, i=n - 1: getattr(indicator(a, i), "name", None)
        columns[header("indicators", "unit", n)] = lambda a, i=n - 1: getattr(indicator(a, i), "unit", None)
        for year in years:
            for key in VALUE_FIELDS:
                columns[header("indicators", key, n, year)] = lambda a, i=n - 1, y=year, k=key: getattr(
                    value(a, i, y), k, None
                )
    return columns


def export_plan_columns(actions: list[Action], *, today_year: int) -> dict:
    """The template's columns sized for these actions (every financing, indicator and year they have)."""
    funders = max((len(action.funding_sources.all()) for action in actions), default=0)
    indicator_count = max((len(action.indicators.all()) for action in actions), default=0)
    years = sorted(
        {value.year for action in actions for indicator in action.indicators.all() for value in indicator.values.all()}
    )
    return plan_columns(funders=max(funders, 1), indicators=max(indicator_count, 1), years=years or [today_year])


def template_plan_columns(*, today_year: int) -> dict:
    """The empty template: three funders, two indicators, this year and the next two."""
    return plan_columns(funders=3, indicators=2, years=[today_year, today_year + 1, today_year + 2])


def _plan_example() -> dict:
    year = timezone.localdate().year
    return {
        "Intitulé": "Exemple : verger partagé (remplacez ou supprimez cette ligne)",
        "Thème": ActionTheme.JARDINS.label,
        "Priorité": Action.Priority.HIGH.label,
        "Statut": Action.Status.PROPOSED.label,
        "Avancement (%)": 0,
        "Accompagnement spécifique": "non",
        "Description": "Planter 20 arbres fruitiers sur le terrain communal.",
        "Porteur": "Marie Exemple",
        "Structure porteuse": "Mairie",
        "Partenaires": "Association des jardins ; École",
        "Coût (€)": 1500,
        "Début": f"03/{year + 1}",
        "Fin": f"11/{year + 1}",
        "Financeur 1": "Département",
        "Montant financeur 1 (€)": 500,
        "Statut financeur 1": FundingSource.Status.PLANNED.label,
        "Indicateur 1": "Arbres plantés",
        "Unité indicateur 1": "arbres",
        f"Indicateur 1 cible {year + 1}": 20,
    }


TEMPLATE = Template(
    filename="modele-plan-d-actions",
    sheet="Actions",
    columns=PLAN_COLUMNS,
    headers=lambda: list(template_plan_columns(today_year=timezone.localdate().year)),
    example=_plan_example,
    intro=("Modèle d'import du plan d'actions : une ligne par action.", *COMMON_INTRO),
)
