"""The contact directory brought in from a spreadsheet or an address-book export (XLSX, ODS, CSV with "," or ";",
UTF-8 or Windows-1252): a dry run, then « Confirmer l'import », like the plan's import.

Rules:
- a row is a person: « Nom » is required; « Prénom », « E-mail », « Téléphone », « Organisme », « Fonction »,
  « Catégorie », « Notes » are optional, under the headers address books use too (« Adresse de messagerie »,
  « Société », « Last Name »…);
- the commune comes from a « Code INSEE » column or from a « Commune » column holding a name or a code (accents, case,
  hyphens and « St »/« Ste » for « Saint »/« Sainte » ignored); a commune nobody knows is an error on its cell;
- a person already in the directory (same e-mail, or same name in the same commune) is shown and not imported; a row
  repeating an earlier row of the file likewise;
- the consent to share contact details is never read from the file nor guessed: every imported contact has it unset
  (not given, no date, no way of collecting it), and its note says so;
- all or nothing: the confirmation creates exactly the previewed people, in one transaction, unless the directory
  changed since (then the new preview is shown).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.matching import person_key
from communes.models import Commune, Contact
from core.spreadsheets.columns import CellError, Column, ColumnMap, choice, normalize, shown, text
from core.spreadsheets.reading import ParsedTable, cell_error, in_line_order
from core.spreadsheets.templates import COMMON_INTRO, Template

SHEET_NAMES = ("Contacts", "Annuaire", "Carnet d'adresses")
KIND = "contacts"


def email(value) -> str:
    """An e-mail address, checked as Django checks one; an empty cell is no address."""
    address = text(254)(value).strip().strip("<>").strip()
    if not address:
        return ""
    try:
        validate_email(address)
    except ValidationError as invalid:
        raise CellError(f"« {shown(address)} » n'est pas une adresse e-mail") from invalid
    return address.lower()


def phone(value) -> str:
    """A phone number as written (« 03 81 11 22 33 »); a number cell gets back the leading 0 a spreadsheet drops."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        value = "0" + digits if len(digits) == 9 else digits
    return text(30)(value)


def commune_text(value) -> str:
    """A commune's name or INSEE code, as written (an INSEE code typed as a number keeps its leading zero)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)).zfill(5)
    return text(150)(value)


CONTACT_COLUMNS = ColumnMap(
    [
        Column(
            "last_name",
            "Nom",
            text(100),
            aliases=("nom de famille", "last name", "family name", "nom de naissance"),
            required=True,
            help="Obligatoire. Le nom de famille (ou le nom de la structure pour un contact sans personne nommée).",
        ),
        Column(
            "first_name", "Prénom", text(100), aliases=("first name", "given name", "prenom usuel"), help="Facultatif."
        ),
        Column(
            "email",
            "E-mail",
            email,
            aliases=(
                "email",
                "courriel",
                "adresse e-mail",
                "adresse mail",
                "adresse électronique",
                "adresse de messagerie",
                "mail",
                "e-mail address",
                "e-mail 1 - value",
                "email address",
            ),
            help="Une adresse valide. Une personne dont l'adresse est déjà dans l'annuaire n'est pas importée.",
        ),
        Column(
            "phone",
            "Téléphone",
            phone,
            aliases=(
                "tél",
                "tel",
                "téléphone mobile",
                "téléphone portable",
                "portable",
                "mobile",
                "téléphone bureau",
                "téléphone professionnel",
                "phone",
                "phone 1 - value",
                "mobile phone",
                "business phone",
            ),
            help="Tel qu'écrit, 30 caractères au plus.",
        ),
        Column(
            "commune_code",
            "Code INSEE",
            commune_text,
            aliases=("insee", "code commune", "code insee de la commune"),
            help="Le code INSEE de la commune (5 caractères, « 25013 »).",
        ),
        Column(
            "commune_name",
            "Commune",
            commune_text,
            aliases=("ville", "localité", "city", "home city", "business city"),
            help="Le nom de la commune (accents, majuscules, tirets et « St » pour « Saint » ignorés) ou son code "
            "INSEE. Vide : un contact sans commune (partenaire, institution).",
        ),
        Column(
            "organisation",
            "Organisme",
            text(200),
            aliases=("organisation", "structure", "société", "entreprise", "company", "organization name"),
        ),
        Column(
            "role_title",
            "Fonction",
            text(200),
            aliases=("titre", "poste", "job title", "organization title", "titre/fonction", "qualité"),
        ),
        Column(
            "category",
            "Catégorie",
            choice(Contact.Category, default=Contact.Category.AUTRE, synonyms={"élu": "elu", "élue": "elu"}),
            help=choice(Contact.Category).labels + " (vide : Autre).",
        ),
        Column("notes", "Notes", text(4000), aliases=("remarques", "commentaire", "commentaires", "note")),
    ]
)
FIELDS = ("first_name", "last_name", "organisation", "role_title", "category", "email", "phone", "notes")


# Communes ---------------------------------------------------------------------------------------------------------


def commune_key(name: str) -> str:
    """How a commune's name is compared: « St-Vit », « SAINT VIT » and « saint-vit » are one name."""
    words = normalize(name).split()
    expansions = {"st": "saint", "ste": "sainte"}
    return " ".join(expansions.get(word, word) for word in words)


class Communes:
    """Every commune by INSEE code and by name (one query)."""

    def __init__(self):
        self.by_code, self.by_name = {}, {}
        for commune in Commune.objects.only("id", "insee_code", "name"):
            self.by_code[commune.insee_code] = commune
            self.by_name.setdefault(commune_key(commune.name), []).append(commune)

    def find(self, written: str) -> Commune:
        """The commune `written` names (a code or a name); CellError (French) when none or several."""
        code = written.strip().upper()
        if code in self.by_code:
            return self.by_code[code]
        found = self.by_name.get(commune_key(written), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise CellError(f"plusieurs communes s'appellent « {shown(written)} » : écrivez son code INSEE")
        raise CellError(f"« {shown(written)} » n'est pas une commune de Grand Besançon Métropole")


# Reading and comparing ---------------------------------------------------------------------------------------------


@dataclass
class ContactRow:
    """One row of the file: the person it creates, or why it is left out."""

    line: int
    values: dict
    commune: Commune | None
    duplicate_of: str = ""  # « Déjà dans l'annuaire : … » or « Même personne que la ligne 4 »
    changes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values['last_name']}".strip()

    @property
    def operation(self) -> str:
        return "duplicate" if self.duplicate_of else "create"


@dataclass
class ContactPreview:
    filename: str
    sha256: str
    rows: list[ContactRow]
    errors: list[str]
    ignored_headers: list[str]

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.operation == "create")

    @property
    def duplicates(self) -> int:
        return sum(1 for row in self.rows if row.operation == "duplicate")

    @property
    def can_confirm(self) -> bool:
        return not self.errors and self.created > 0

    def summary(self) -> str:
        def count(number, singular, plural):
            return f"{number} {singular if number < 2 else plural}"

        return (
            f"{count(self.created, 'contact à créer', 'contacts à créer')} et "
            f"{count(self.duplicates, 'doublon laissé de côté', 'doublons laissés de côté')}"
        )


def read_contact_rows(parsed: ParsedTable) -> tuple[list[dict], list[str]]:
    """The file's people as JSON rows (what the preview stores) and the French errors, every one at once."""
    communes = Communes()
    rows, errors = [], list(parsed.errors)
    for row in parsed.rows:
        values, line = row.values, row.line
        if "last_name" not in values:
            continue  # its cell could not be read: the error is listed
        if not values["last_name"]:
            errors.append(
                cell_error(line, parsed.header_of("last_name"), "nom manquant : chaque ligne est une personne")
            )
            continue
        commune = None
        for key in ("commune_code", "commune_name"):
            if not values.get(key):
                continue
            try:
                found = communes.find(values[key])
            except CellError as unknown:
                errors.append(cell_error(line, parsed.header_of(key), str(unknown)))
                commune = None
                break
            if commune is not None and found != commune:
                errors.append(
                    f"ligne {line} : le code INSEE ({commune.insee_code}, {commune.name}) et la commune "
                    f"« {values[key]} » ne désignent pas la même commune"
                )
                break
            commune = found
        rows.append(
            {
                "line": line,
                "fields": {name: values[name] for name in FIELDS if name in values},
                "commune": commune.pk if commune else None,
            }
        )
    return rows, errors


def compare_contacts(stored: dict) -> ContactPreview:
    """What the stored rows would do to the directory as it is now: one query for the directory, one for communes."""
    by_email, by_person = {}, {}
    for contact in Contact.objects.filter(anonymised_at__isnull=True).only(
        "id", "first_name", "last_name", "email", "commune_id"
    ):
        if contact.email:
            by_email.setdefault(contact.email.lower(), contact)
        by_person.setdefault(person_key(contact.first_name, contact.last_name, contact.commune_id), contact)
    communes = Commune.objects.in_bulk([row["commune"] for row in stored["rows"] if row["commune"]])
    seen_email, seen_person, rows = {}, {}, []
    for entry in stored["rows"]:
        values = {"category": Contact.Category.AUTRE, **entry["fields"]}
        commune = communes.get(entry["commune"])
        row = ContactRow(entry["line"], values, commune)
        address = values.get("email", "")
        key = person_key(values.get("first_name", ""), values["last_name"], entry["commune"])
        known = (by_email.get(address) if address else None) or by_person.get(key)
        if known is not None:
            how = "même e-mail" if address and by_email.get(address) == known else "même nom, même commune"
            row.duplicate_of = f"Déjà dans l'annuaire : {known.full_name} ({how})"
        elif address and address in seen_email:
            row.duplicate_of = f"Même e-mail que la ligne {seen_email[address]}"
        elif key in seen_person:
            row.duplicate_of = f"Même personne que la ligne {seen_person[key]}"
        else:
            if address:
                seen_email[address] = row.line
            seen_person[key] = row.line
            row.changes = _described(values, commune)
        rows.append(row)
    return ContactPreview(
        filename=stored["filename"],
        sha256=stored["sha256"],
        rows=rows,
        errors=in_line_order(stored["errors"]),
        ignored_headers=stored.get("ignored_headers", []),
    )


def _described(values: dict, commune: Commune | None) -> list[str]:
    described = []
    for name in ("organisation", "role_title", "category", "email", "phone", "notes"):
        value = values.get(name)
        if value:
            label = str(Contact._meta.get_field(name).verbose_name).capitalize()
            shown_value = Contact.Category(value).label if name == "category" else shown(value, limit=80)
            described.append(f"{label} : {shown_value}")
    described.append(f"Commune : {commune.name if commune else '—'}")
    described.append("Consentement au partage des coordonnées : non renseigné")
    return described


def preview_contact_import(*, parsed: ParsedTable) -> tuple[ContactPreview, dict | None]:
    """The dry run of a file read with CONTACT_COLUMNS, and what to store for its confirmation (None on errors)."""
    rows, errors = read_contact_rows(parsed)
    stored = {
        "kind": KIND,
        "filename": parsed.table.filename,
        "sha256": parsed.table.sha256,
        "ignored_headers": parsed.ignored_headers,
        "rows": rows,
        "errors": errors,
    }
    preview = compare_contacts(stored)
    return preview, (stored if preview.can_confirm else None)


class DirectoryChanged(Exception):
    """The directory changed since the preview: `preview` is what the import would do now."""

    def __init__(self, preview: ContactPreview):
        super().__init__("L'annuaire a changé depuis l'aperçu.")
        self.preview = preview


@transaction.atomic
def apply_contact_import(*, stored: dict, previewed: list[int], by) -> list[Contact]:
    """Create the previewed people in one transaction. `previewed`: the lines the preview showed as « Création »;
    when the directory changed so that it would create others, nothing is written (DirectoryChanged)."""
    preview = compare_contacts(stored)
    to_create = [row for row in preview.rows if row.operation == "create"]
    if [row.line for row in to_create] != previewed or not preview.can_confirm:
        raise DirectoryChanged(preview)
    note = (
        f"Importé le {timezone.localdate():%d/%m/%Y} du fichier « {stored['filename']} ». Consentement au partage des "
        "coordonnées non recueilli."
    )
    contacts = []
    for row in to_create:
        fields = dict(row.values)
        fields["notes"] = f"{fields['notes']}\n\n{note}" if fields.get("notes") else note
        contacts.append(Contact(commune=row.commune, consent_to_share=False, **fields))
    reason = f"Import du fichier « {stored['filename'][:60]} »"
    return bulk_create_with_history(contacts, Contact, default_user=by, default_change_reason=reason)


TEMPLATE = Template(
    filename="modele-contacts",
    sheet="Contacts",
    columns=CONTACT_COLUMNS,
    headers=lambda: [column.header for column in CONTACT_COLUMNS.columns],
    example=lambda: {
        "Nom": "Exemple",
        "Prénom": "Marie",
        "E-mail": "marie.exemple@example.org",
        "Téléphone": "03 81 00 00 00",
        "Code INSEE": "",
        "Commune": "Amagney",
        "Organisme": "Mairie",
        "Fonction": "Secrétaire de mairie",
        "Catégorie": Contact.Category.AGENT.label,
        "Notes": "Remplacez ou supprimez cette ligne d'exemple.",
    },
    intro=(
        "Modèle d'import de l'annuaire des contacts : une ligne par personne. Un export de carnet d'adresses (CSV, "
        "séparateur virgule ou point-virgule) convient aussi : ses colonnes Nom, Prénom, E-mail, Téléphone, Société, "
        "Fonction, Ville sont reconnues.",
        "Une personne déjà dans l'annuaire (même e-mail, ou même nom dans la même commune) n'est pas importée deux "
        "fois. Le consentement au partage des coordonnées n'est jamais lu dans le fichier : il reste non renseigné, à "
        "recueillir auprès de chaque personne.",
        *COMMON_INTRO[:1],
        COMMON_INTRO[2],
    ),
)
