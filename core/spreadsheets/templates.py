"""The downloadable import templates: a sheet with the header row and an example row, drop-down lists on every
fixed-value column, and a « Lisez-moi » sheet explaining each column. The same columns as the import reads, so a
template filled in Excel or LibreOffice Calc (saved as XLSX, ODS or CSV) imports as it is.

XLSX: written here with openpyxl (lists as data validations pointing at a hidden « Listes » sheet, which Excel and
Calc both keep; an inline list would be cut at 255 characters). CSV: the header and the example row, through the
exports' CSV writer (core.exports), as every CSV of the portal.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpResponse

from core.exports import spreadsheet_response
from core.filenames import download_filename
from core.spreadsheets.columns import ColumnMap

TEMPLATE_ROWS = 1000  # the rows the drop-down lists cover under the header
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Template:
    """An import template: its file name, sheet, headers in order, the example row (header → value) and what the
    « Lisez-moi » sheet says before the columns."""

    filename: str
    sheet: str
    columns: ColumnMap
    headers: Callable[[], list[str]]
    example: Callable[[], dict]
    intro: tuple[str, ...]


def describe(template: Template) -> list[dict]:
    """Each header of the template with its help, whether it is required and its fixed values (if any)."""
    described = []
    for index, header in enumerate(template.headers()):
        bound = template.columns.bind(header, index)
        column = bound.column if bound else None
        parse = getattr(column, "parse", None)
        described.append(
            {
                "header": header,
                "required": bool(getattr(column, "required", False)),
                "help": getattr(column, "help", ""),
                "choices": list(getattr(parse, "choices", []) or []),
            }
        )
    return described


def template_xlsx(template: Template) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = describe(template)
    example = template.example()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.sheet
    sheet.append([column["header"] for column in columns])
    sheet.append([example.get(column["header"]) for column in columns])
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lists = workbook.create_sheet("Listes")
    lists.sheet_state = "hidden"
    list_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column["header"]) + 4))
        if not column["choices"]:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column["header"])
        for row, choice in enumerate(column["choices"], start=2):
            lists.cell(row=row, column=list_column, value=choice)
        last = len(column["choices"]) + 1
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname('Listes')}!${list_letter}$2:${list_letter}${last}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column["header"],
            error="Choisissez une valeur de la liste (voir l'onglet « Lisez-moi »).",
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)

    readme = workbook.create_sheet("Lisez-moi")
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 14
    readme.column_dimensions["C"].width = 90
    readme.column_dimensions["D"].width = 60
    for line in template.intro:
        readme.append([line])
    readme.append([])
    readme.append(["Colonne", "Obligatoire", "Contenu", "Valeurs possibles"])
    for cell in readme[readme.max_row]:
        cell.font = Font(bold=True)
    for column in columns:
        readme.append(
            [column["header"], "oui" if column["required"] else "", column["help"], " ; ".join(column["choices"])]
        )
    for row in readme.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def template_response(template: Template, fmt: str):
    """The template as an XLSX download (example row, lists, « Lisez-moi ») or a CSV (header and example row)."""
    if fmt == "csv":
        example = template.example()
        getters = {header: (lambda row, header=header: row.get(header)) for header in template.headers()}
        return spreadsheet_response([example], getters, template.filename, "csv")
    if fmt != "xlsx":
        raise Http404("Format inconnu.")
    response = HttpResponse(template_xlsx(template), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{download_filename(template.filename, extension="xlsx")}"'
    )
    return response


COMMON_INTRO = (
    "Remplissez l'onglet du tableau : une ligne par élément, sous la ligne d'en-têtes, sans lignes vides ni cellules "
    "fusionnées. La ligne 2 est un exemple : remplacez-la ou supprimez-la.",
    "Les colonnes à liste (Thème, Priorité, Statut…) proposent leurs valeurs dans la cellule. Les montants s'écrivent "
    "« 1 234,50 € » ou en nombre ; les mois « mars 2026 », « 03/2026 » ou une date.",
    "Enregistrez au format Excel (.xlsx), LibreOffice (.ods) ou CSV (point-virgule ou virgule), puis déposez le "
    "fichier sur la page d'import : un aperçu montre ce qui sera enregistré avant que rien ne le soit.",
)
