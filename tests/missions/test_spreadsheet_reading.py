"""Spreadsheets as people keep them (issue 25): XLSX, ODS and CSV (";" or ",", UTF-8 with or without BOM, or
Windows-1252) read alike; blank rows cost nothing (a row limit that counts every row read, a French message in a
fraction of a second); months as Excel and Calc write them."""

import datetime
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.spreadsheets.columns import CellError, month
from core.spreadsheets.forms import SpreadsheetImportForm
from core.spreadsheets.ods import read_ods
from core.spreadsheets.reading import MAX_LINES_READ, ImportFileError, ReadBudget, parse_table, read_upload
from missions.mission1.imports.plans import PLAN_COLUMNS, SHEET_NAMES
from tests.harness import blank_sheets

CELLS = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>Intitulé</text:p></table:table-cell>'
    '<table:table-cell office:value-type="string"><text:p>Avancement (%)</text:p></table:table-cell>'
    '<table:table-cell office:value-type="string"><text:p>Début</text:p></table:table-cell>'
    '<table:table-cell office:value-type="string"><text:p>Coût (€)</text:p></table:table-cell></table:table-row>'
    '<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="1024"/>'
    "</table:table-row>"
    '<table:table-row><table:table-cell office:value-type="string"><text:p>Verger<text:s text:c="2"/>partagé'
    "<text:line-break/>et jardin</text:p></table:table-cell>"
    '<table:table-cell office:value-type="percentage" office:value="0.45"/>'
    '<table:table-cell office:value-type="date" office:date-value="2026-03-01"/>'
    '<table:table-cell office:value-type="currency" office:value="1234.5"/></table:table-row>'
    '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/>'
    "</table:table-row>"
)


def ods_content(table: str, name: str = "Actions") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{table}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )


def test_an_ods_is_read_with_its_types_and_line_numbers():
    content = blank_sheets.ods_archive(ods_content(CELLS))
    name, lines, formulas, merged = read_ods(content, SHEET_NAMES, ReadBudget())
    assert name == "Actions" and formulas == {} and merged == []
    assert lines[0][0] == 1
    assert lines[1] == (5, ["Verger  partagé\net jardin", 45, datetime.datetime(2026, 3, 1), 1234.5])


def test_an_ods_upload_goes_through_the_form_like_an_xlsx():
    upload = SimpleUploadedFile("plan.ods", blank_sheets.ods_archive(ods_content(CELLS)))
    table = read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)
    parsed = parse_table(table, PLAN_COLUMNS)
    assert parsed.errors == []
    assert parsed.rows[0].line == 5
    assert parsed.rows[0].values["progress"] == 45
    assert parsed.rows[0].values["start_month"] == datetime.date(2026, 3, 1)


def test_merged_cells_in_an_ods_table_are_refused_in_french():
    table = (
        '<table:table-row><table:table-cell table:number-columns-spanned="2" office:value-type="string">'
        "<text:p>Intitulé</text:p></table:table-cell><table:covered-table-cell/></table:table-row>"
    )
    upload = SimpleUploadedFile("plan.ods", blank_sheets.ods_archive(ods_content(table)))
    with pytest.raises(ImportFileError, match="Ligne 1 : les cellules d'en-tête A1 à B1 sont fusionnées"):
        read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ",")],
)
def test_a_csv_is_read_whatever_its_separator_and_encoding(encoding, delimiter):
    text = f"Intitulé{delimiter}Thème{delimiter}Début\r\nÉpicerie{delimiter}Autre{delimiter}01/03/26\r\n"
    upload = SimpleUploadedFile("plan.csv", text.encode(encoding))
    parsed = parse_table(read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES), PLAN_COLUMNS)
    assert parsed.errors == []
    assert parsed.rows[0].values["title"] == "Épicerie"
    assert parsed.rows[0].values["start_month"] == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("lignes-vides.xlsx", blank_sheets.blank_rows_xlsx),
        ("lignes-vides.ods", blank_sheets.blank_row_elements_ods),
        ("lignes-vides.csv", blank_sheets.blank_lines_csv),
    ],
)
def test_a_file_of_blank_rows_is_answered_in_french_at_once(name, build):
    """Every row read counts, blank or not: 1,048,576 blank XLSX rows, 200,000 blank ODS rows or 10 MB of blank
    CSV lines stop at the limit, with a French message on the form, without reading the rest."""
    upload = SimpleUploadedFile(name, build())
    form = SpreadsheetImportForm({}, {"file": upload}, columns=PLAN_COLUMNS, sheet_names=SHEET_NAMES)
    started = time.perf_counter()
    assert not form.is_valid()
    assert time.perf_counter() - started < 2  # a guard against reading every row, not a speed figure
    assert form.errors["file"] == [
        f"Le fichier compte plus de {MAX_LINES_READ:,} lignes, lignes vides comprises : un import en prend au plus "
        "1\u202f000. Supprimez les lignes vides sous le tableau (ou copiez le seul tableau dans un nouveau fichier), "
        "puis déposez-le à nouveau.".replace(",", "\u202f", 1)
    ]


def test_the_blank_rows_calc_writes_to_the_end_of_its_sheet_are_one_read():
    """An ODS ends with its blank rows written once, repeated to row 1,048,576: nothing to refuse."""
    upload = SimpleUploadedFile("plan.ods", blank_sheets.blank_rows_ods())
    with pytest.raises(ImportFileError, match="n'a aucune ligne sous ses en-têtes"):
        read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)


def test_a_csv_line_of_a_megabyte_is_not_a_table():
    upload = SimpleUploadedFile("plan.csv", b"Intitul\xc3\xa9;Th\xc3\xa8me\n" + b";" * 1_000_000)
    with pytest.raises(ImportFileError, match="une ligne de plus de 200\u202f000 caractères"):
        read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)


@pytest.mark.parametrize(
    "written",
    [
        datetime.datetime(2026, 3, 1),
        datetime.date(2026, 3, 17),
        "01/03/26",
        "01/03/2026",
        "1/3/26",
        "mars-26",
        "Mars-26",
        "03/2026",
        "3/2026",
        "mars 2026",
        "Mars 2026",
        "2026-03",
        "2026-03-01",
        "2026-03-01 00:00:00",
        "mar-26",
        " mars  2026 ",
    ],
)
def test_a_month_is_read_as_excel_and_calc_write_it(written):
    assert month(written) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("written", ["printemps 2026", "13/2026", "31/02/26", "03/26/2026", "mars", "2026"])
def test_what_is_not_a_month_is_refused_in_french(written):
    with pytest.raises(CellError, match="n'est pas un mois"):
        month(written)


def test_a_workbook_of_too_many_texts_is_refused_before_they_are_all_read():
    upload = SimpleUploadedFile("plan.xlsx", blank_sheets.many_strings_xlsx(120_000))
    with pytest.raises(ImportFileError, match="plus de 100\u202f000 textes différents"):
        read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)


def test_shared_strings_are_read_as_openpyxl_reads_them():
    from core.spreadsheets.reading import _shared_strings

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<sst xmlns="{main}"><si><t>simple</t></si><si><r><t>ri</t></r><r><rPr/><t>che</t></r></si>'
        "<si><t>kanji</t><rPh><t>KANA</t></rPh></si><si><t>_x005F_x</t></si></sst>"
    )
    assert _shared_strings(io.BytesIO(xml.encode())) == ["simple", "riche", "kanji", "_x"]
