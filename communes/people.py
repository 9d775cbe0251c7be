"""The officers' side of accounts (issue 24): invite one person or a list of élus, set an account's end date.

The rules live in `core.invitations` and `core.accounts`; here are the forms, and the reading of a bulk list of élus
(pasted, or a CSV, XLSX or ODS file), which names communes by their INSEE code and so sits in this layer.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from communes.models import Commune
from core import invitations
from core.models import Invitation, User

MAX_BULK_LINES = 500
MAX_BULK_FILE_SIZE = 2 * 1024 * 1024
MAX_UNCOMPRESSED_SIZE = 20 * 1024 * 1024


class InvitationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    # No role is chosen for the officer: a forgotten choice would otherwise invite a GBM officer, who sees everything.
    role = forms.ChoiceField(
        label="Rôle",
        choices=[("", "Choisir le rôle…"), *User.Role.choices],
        error_messages={"required": "Choisissez le rôle de la personne invitée."},
    )
    commune = forms.ModelChoiceField(
        label="Commune", queryset=Commune.objects.order_by("name"), required=False, help_text="Pour un·e élu·e."
    )
    organisation = forms.CharField(
        label="Organisme", max_length=200, required=False, help_text="Pour un·e consultant·e : son bureau d'études."
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        problem = invitations.email_problem(email)
        if problem:
            raise ValidationError(problem)
        return email

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == User.Role.ELU and not data.get("commune"):
            self.add_error("commune", "Choisissez la commune de l'élu·e.")
        if role != User.Role.ELU and data.get("commune"):
            self.add_error("commune", "Seul·e un·e élu·e est rattaché·e à une commune : laissez ce champ vide.")
        if role == User.Role.CONSULTANT and not (data.get("organisation") or "").strip():
            self.add_error("organisation", "Indiquez l'organisme du ou de la consultant·e.")
        return data

    def invitee(self) -> invitations.Invitee:
        data = self.cleaned_data
        return invitations.Invitee(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            commune=data.get("commune"),
            organisation=data.get("organisation") or "",
            is_staff=data["role"] == User.Role.GBM,
        )


class AccountEndForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["ends_on", "is_active"]
        labels = {"is_active": "Compte actif"}
        help_texts = {
            "is_active": "Décocher ferme le compte tout de suite : connexion refusée, agenda et liens de partage "
            "désactivés. L'historique et ce que la personne a écrit restent."
        }
        widgets = {"ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


# Bulk invitations of élus -------------------------------------------------------------------------------------------
class BulkInvitationForm(forms.Form):
    lines = forms.CharField(
        label="Liste à coller",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Une personne par ligne : prénom ; nom ; e-mail ; code INSEE de la commune (séparés par des "
        "points-virgules, des virgules ou des tabulations, comme un copier-coller depuis un tableur).",
    )
    file = forms.FileField(
        label="Ou un fichier (CSV, XLSX ou ODS)",
        required=False,
        help_text="Colonnes : prénom, nom, e-mail, code INSEE ; une ligne d'en-tête est permise.",
    )

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is None:
            return None
        if uploaded.size > MAX_BULK_FILE_SIZE:
            raise ValidationError("Le fichier dépasse 2 Mo : une liste d'élus est bien plus petite.")
        name = (uploaded.name or "").lower()
        content = uploaded.read()
        try:
            if name.endswith(".xlsx"):
                return _xlsx_rows(content)
            if name.endswith(".ods"):
                return _ods_rows(content)
            if name.endswith((".csv", ".txt")):
                return _text_rows(_decode(content))
        except ValidationError:
            raise
        except Exception:
            raise ValidationError("Ce fichier ne peut pas être lu : enregistrez-le en CSV, XLSX ou ODS.") from None
        raise ValidationError("Format non reconnu : envoyez un fichier CSV, XLSX ou ODS.")

    def clean(self):
        data = super().clean()
        if "file" in self.errors:
            return data
        rows = data.get("file")
        if rows is None:
            rows = _text_rows(data.get("lines") or "")
        if not rows:
            raise ValidationError("Collez au moins une ligne ou choisissez un fichier.")
        if len(rows) > MAX_BULK_LINES:
            raise ValidationError(f"Au plus {MAX_BULK_LINES} personnes à la fois : partagez la liste.")
        data["rows"] = rows
        return data


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("Ce fichier n'est pas du texte lisible : enregistrez-le en CSV (UTF-8).")


def _text_rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank lines of a pasted list or a CSV, with their line numbers, split on ; or tab or ,."""
    lines = text.splitlines()
    sample = "\n".join(lines[:5])
    delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        if any(cells):
            rows.append((number, cells))
    return _without_header(rows)


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_row=MAX_BULK_LINES + 50), start=1):
        cells = ["" if value is None else str(value).strip() for value in values[:6]]
        if any(cells):
            rows.append((number, cells))
    workbook.close()
    return _without_header(rows)


def _ods_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """The first sheet of an ODS file (odfpy), its repeated blank rows and columns not unrolled."""
    import zipfile

    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_UNCOMPRESSED_SIZE:
            raise ValidationError("Ce fichier ODS est trop grand une fois décompressé pour une liste d'élus.")
    tables = load(io.BytesIO(content)).spreadsheet.getElementsByType(Table)
    rows, number = [], 0
    for row in tables[0].getElementsByType(TableRow) if tables else []:
        cells = []
        for cell in row.getElementsByType(TableCell):
            text = "\n".join(str(paragraph) for paragraph in cell.getElementsByType(P)).strip()
            cells.extend([text] * min(int(cell.getAttribute("numbercolumnsrepeated") or 1), 6))
        number += 1
        if any(cells[:6]):
            rows.append((number, cells[:6]))
        number += int(row.getAttribute("numberrowsrepeated") or 1) - 1
        if len(rows) > MAX_BULK_LINES + 1:
            break
    return _without_header(rows)


def _without_header(rows):
    if rows and any(re.search(r"mail|insee|pr[ée]nom", cell, re.IGNORECASE) for cell in rows[0][1]):
        return rows[1:]
    return rows


@dataclass
class BulkLine:
    number: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    insee_code: str = ""
    commune: Commune | None = None
    errors: list[str] = field(default_factory=list)


def check_lines(rows: list[tuple[int, list[str]]]) -> list[BulkLine]:
    """Each line with what is wrong with it, in French (a constant number of queries whatever the list's length)."""
    lines = []
    for number, cells in rows:
        cells = (cells + ["", "", "", ""])[:4]
        line = BulkLine(number, *cells)
        line.insee_code = line.insee_code.zfill(5) if line.insee_code.isdigit() else line.insee_code
        lines.append(line)
    codes = {line.insee_code for line in lines}
    communes = {commune.insee_code: commune for commune in Commune.objects.filter(insee_code__in=codes)}
    emails = {line.email.casefold() for line in lines}
    with_account = set(
        User.objects.annotate(lower=Lower("email")).filter(lower__in=emails).values_list("lower", flat=True)
    )
    invited = set(
        Invitation.objects.pending()
        .annotate(lower=Lower("email"))
        .filter(lower__in=emails)
        .values_list("lower", flat=True)
    )
    seen: dict[str, int] = {}
    for line in lines:
        if not line.first_name or not line.last_name:
            line.errors.append("prénom et nom obligatoires")
        try:
            validate_email(line.email)
        except ValidationError:
            line.errors.append(
                f"adresse e-mail invalide « {line.email} »" if line.email else "adresse e-mail manquante"
            )
        else:
            key = line.email.casefold()
            if key in seen:
                line.errors.append(f"adresse déjà donnée ligne {seen[key]}")
            else:
                seen[key] = line.number
            if key in with_account:
                line.errors.append("un compte existe déjà pour cette adresse")
            elif key in invited:
                line.errors.append("une invitation est déjà en attente pour cette adresse")
        line.commune = communes.get(line.insee_code)
        if line.commune is None:
            line.errors.append(
                f"code INSEE inconnu « {line.insee_code} »" if line.insee_code else "code INSEE manquant"
            )
    return lines


def as_text(lines: list[BulkLine]) -> str:
    """The checked list as the text the confirmation carries (so that a file is not sent twice)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    for line in lines:
        writer.writerow([line.first_name, line.last_name, line.email, line.insee_code])
    return out.getvalue()


def invitees(lines: list[BulkLine]) -> list[invitations.Invitee]:
    return [
        invitations.Invitee(
            first_name=line.first_name,
            last_name=line.last_name,
            email=line.email,
            role=User.Role.ELU,
            commune=line.commune,
        )
        for line in lines
    ]
