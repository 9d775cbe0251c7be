"""LibreOffice's default format (ODS) read as a stream: the sheet's `content.xml` goes through the standard library's
XML parser event by event, each row dropped once read, so memory stays flat whatever the file holds.

What Calc writes is read as it means it: a run of identical rows or cells written once
(`table:number-rows-repeated`, `table:number-columns-repeated`) is never unrolled when blank, and is one read of the
budget; numbers, percentages (shown as 45 for 45 %), currencies, dates and booleans come typed from their
`office:*-value` attribute; text from its paragraphs (spaces, tabs and line breaks kept); merged cells
(`table:number-columns-spanned`, `table:number-rows-spanned`) are reported like XLSX's; a formula without a stored
value is reported as uncomputed. Why not a library: docs/adr/0004-spreadsheet-readers.md.
"""

import datetime
import io
import zipfile
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.utils import get_column_letter

from core.spreadsheets.budget import MAX_CELLS_PER_ROW, MAX_COLUMNS, ImportFileError

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = f"{{{TABLE_NS}}}table"
ROW = f"{{{TABLE_NS}}}table-row"
CELL = f"{{{TABLE_NS}}}table-cell"
COVERED = f"{{{TABLE_NS}}}covered-table-cell"
PARAGRAPH = f"{{{TEXT_NS}}}p"
SPACES, TAB, LINE_BREAK = f"{{{TEXT_NS}}}s", f"{{{TEXT_NS}}}tab", f"{{{TEXT_NS}}}line-break"
# Rows of the sheets before the wanted one are read too (their names come only as they are reached).
OTHER_SHEETS_ROWS_FACTOR = 2


def _attribute(element, namespace: str, name: str, default=None):
    return element.get(f"{{{namespace}}}{name}", default)


def _repeat(element, name: str) -> int:
    try:
        return max(1, int(_attribute(element, TABLE_NS, name, "1")))
    except ValueError:
        return 1


def _text(element) -> str:
    """A text element's content: nested spans and links, `text:s` spaces, tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == SPACES:
            parts.append(" " * _repeat_count(child))
        elif child.tag == TAB:
            parts.append("\t")
        elif child.tag == LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _repeat_count(element) -> int:
    try:
        return max(1, int(_attribute(element, TEXT_NS, "c", "1")))
    except ValueError:
        return 1


def cell_value(element):
    """A cell's value as typed by Calc (float, percentage ×100, date, boolean, text), None when empty."""
    kind = _attribute(element, OFFICE_NS, "value-type")
    if kind in ("float", "currency", "percentage"):
        number = float(_attribute(element, OFFICE_NS, "value", "nan"))
        if number != number:  # no stored value
            return None
        number = number * 100 if kind == "percentage" else number
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    if kind == "date":
        written = _attribute(element, OFFICE_NS, "date-value", "")
        try:
            return datetime.datetime.fromisoformat(written)
        except ValueError:
            return written or None
    if kind == "boolean":
        return _attribute(element, OFFICE_NS, "boolean-value") == "true"
    paragraphs = [_text(paragraph) for paragraph in element if paragraph.tag == PARAGRAPH]
    text = "\n".join(paragraphs)
    if not text and kind == "string":
        text = _attribute(element, OFFICE_NS, "string-value", "")
    return text if text.strip() else None


def read_ods(content: bytes, sheet_names: tuple[str, ...], budget):
    """(sheet name, non-blank rows as (line, values), uncomputed formulas, merged ranges) of the sheet named one of
    `sheet_names` (accents and case ignored), else the first sheet. Raises ImportFileError (French)."""
    from core.spreadsheets.columns import normalize

    unreadable = ImportFileError(
        "Le classeur LibreOffice ne peut pas être lu : ouvrez-le dans LibreOffice Calc, enregistrez-le au format "
        ".ods, puis déposez-le à nouveau."
    )
    wanted = {normalize(name) for name in sheet_names}
    first = None  # the first sheet's result, kept while a sheet of a wanted name may follow
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open("content.xml") as stream:
            sheet = None
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == TABLE:
                        name = _attribute(element, TABLE_NS, "name", "Feuille")
                        sheet = {"name": name, "lines": [], "formulas": {}, "merged": [], "line": 0}
                    elif tag == ROW and sheet is not None:
                        budget.row()
                        sheet["cells"], sheet["column"], sheet["formula"] = [], 0, False
                    elif tag in (CELL, COVERED) and sheet is not None:
                        budget.cell()
                    continue
                if sheet is None:
                    continue
                if tag in (CELL, COVERED):
                    _end_cell(sheet, element, MAX_COLUMNS, MAX_CELLS_PER_ROW, ImportFileError)
                elif tag == ROW:
                    repeat = _repeat(element, "number-rows-repeated")
                    values = sheet.pop("cells")
                    if sheet["formula"] or any(value is not None for value in values):
                        for offset in range(min(repeat, 2)):  # a repeated non-blank row: read twice at most
                            sheet["lines"].append((sheet["line"] + 1 + offset, list(values)))
                    sheet["line"] += repeat
                    element.clear()
                elif tag == TABLE:
                    element.clear()
                    result = (sheet["name"], sheet["lines"], sheet["formulas"], sheet["merged"])
                    if not wanted or normalize(sheet["name"]) in wanted:
                        return result
                    first = first or result
                    sheet = None
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, OSError) as error:
        raise unreadable from error
    if first is None:
        raise unreadable
    return first


def _end_cell(sheet: dict, element, max_columns: int, max_cells_per_row: int, error_class) -> None:
    """Place a read cell in its row; repeated blank cells only move the column."""
    repeat = _repeat(element, "number-columns-repeated")
    column, line = sheet["column"], sheet["line"] + 1
    value = cell_value(element) if element.tag == CELL else None
    formula = _attribute(element, TABLE_NS, "formula")
    span_columns = _repeat(element, "number-columns-spanned")
    span_rows = _repeat(element, "number-rows-spanned")
    if span_columns > 1 or span_rows > 1:
        sheet["merged"].append(
            f"{get_column_letter(min(column + 1, 16384))}{line}:"
            f"{get_column_letter(min(column + span_columns, 16384))}{line + span_rows - 1}"
        )
    if value is not None or formula:
        if column + repeat > max_cells_per_row:
            raise error_class(f"Ligne {line} : plus de {max_cells_per_row} cellules.")
        cells = sheet["cells"]
        for index in range(column, min(column + repeat, max_columns)):
            if len(cells) <= index:
                cells.extend([None] * (index + 1 - len(cells)))
            cells[index] = value
            if formula and value is None:
                sheet["formulas"][(line, index)] = formula.removeprefix("of:")
                sheet["formula"] = True
    sheet["column"] = column + repeat
    element.clear()
