"""An uploaded spreadsheet as a table of cells: XLSX through openpyxl's own sheet parser (values as last computed by
the spreadsheet), ODS as a stream (`core.spreadsheets.ods`), CSV as Excel, Calc or an address book write it (";" or
"," separators, UTF-8 with or without BOM, or Windows-1252).

The file goes through the portal's upload checks first (size limit, type read from the content): an XLSX must be a
real Excel workbook, an ODS a real OpenDocument spreadsheet; a CSV must be text, not another format renamed. Then what
a spreadsheet may hide is refused with a French message: formulas without a computed value, merged cells in the
table, an empty sheet, more rows than an import takes.

Blank rows cost nothing: every row the reader goes through counts, blank or not, and reading stops at
MAX_LINES_READ rows (a run of blank rows that an ODS writes once, as Calc does to the sheet's end, is one read);
every cell read counts too (MAX_CELLS_READ). Blank rows are never kept. So a sheet formatted down to its
1,048,576th row, or 10 MB of empty CSV lines, is answered in a fraction of a second with a French message
(bench/import_blank_rows.py measures it).
"""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from core.spreadsheets.budget import (  # noqa: F401 (the reader's limits and error, as its callers name them)
    HEADER_SEARCH_ROWS,
    MAX_CELLS_PER_ROW,
    MAX_CELLS_READ,
    MAX_COLUMNS,
    MAX_LINE_LENGTH,
    MAX_LINES_READ,
    MAX_LOADED_PARTS_SIZE,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_UNCOMPRESSED_SIZE,
    ImportFileError,
    ReadBudget,
    limit_text,
)
from core.spreadsheets.columns import CellError, ColumnMap, is_blank, normalize
from core.uploads import MAX_UPLOAD_SIZE, TYPES_BY_MIME, detect_mime, sanitize_filename, validate_upload

ACCEPTED_EXTENSIONS = ("xlsx", "ods", "csv")


@dataclass
class Table:
    """The table of a sheet: its header line, recognised columns, and data rows (blank rows left out)."""

    filename: str
    sha256: str
    sheet: str
    header_line: int
    headers: list[tuple[int, str]]
    rows: list[tuple[int, list]]
    # Cells holding a formula the spreadsheet never computed: (line, column index) → formula.
    uncomputed_formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)


def read_upload(uploaded, column_map: ColumnMap, *, sheet_names: tuple[str, ...] = ()) -> Table:
    """Check the uploaded file and read its table; raise ImportFileError (French) when it cannot be read.

    `sheet_names`: the sheet to read in a workbook, by name (accents and case ignored); else the first sheet.
    """
    filename = sanitize_filename(getattr(uploaded, "name", "") or "")
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension not in ACCEPTED_EXTENSIONS:
        raise ImportFileError(
            f"Le fichier « {filename} » n'est pas un tableau accepté : enregistrez-le au format Excel (.xlsx), "
            "LibreOffice (.ods) ou CSV, puis déposez-le à nouveau."
        )
    if extension == "csv":
        _check_csv_upload(uploaded, filename)
    else:
        try:
            validate_upload(uploaded)
        except ValidationError as error:
            raise ImportFileError(" ".join(error.messages)) from error
    uploaded.seek(0)
    content = uploaded.read()
    sha256 = hashlib.sha256(content).hexdigest()
    if extension == "xlsx":
        sheet, lines, formulas, merged = _read_xlsx(content, sheet_names)
    elif extension == "ods":
        from core.spreadsheets.ods import read_ods

        _check_unpacked_size(content, "ods")
        sheet, lines, formulas, merged = read_ods(content, sheet_names, ReadBudget())
    else:
        sheet, lines, formulas, merged = "CSV", _read_csv(content), {}, []
    return _table(filename, sha256, sheet, lines, formulas, merged, column_map)


def _check_csv_upload(uploaded, filename: str) -> None:
    size = getattr(uploaded, "size", None)
    if not size:
        raise ImportFileError("Le fichier est vide.")
    if size > MAX_UPLOAD_SIZE:
        raise ImportFileError(f"Le fichier « {filename} » dépasse la taille maximale de 10 Mo.")
    detected = TYPES_BY_MIME.get(detect_mime(uploaded))
    if detected is not None:
        raise ImportFileError(
            f"Le fichier « {filename} » porte l'extension « .csv » mais son contenu est un {detected.label} : "
            "l'extension doit correspondre au contenu."
        )
    uploaded.seek(0)
    if b"\x00" in uploaded.read(64 * 1024):
        raise ImportFileError(f"Le fichier « {filename} » n'est pas un fichier texte CSV.")


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what French Excel and address books write), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _read_csv(content: bytes) -> list[tuple[int, list]]:
    """The non-blank records of a CSV with their numbers; ";", "," or tab, whichever the first line uses most."""
    text = _decode(content)
    if re.search(f"[^\\n]{{{MAX_LINE_LENGTH}}}", text):
        raise ImportFileError(
            f"Le fichier CSV a une ligne de plus de {limit_text(MAX_LINE_LENGTH)} caractères : ce n'est pas un tableau. "
            "Enregistrez-le à nouveau depuis le tableur, au format CSV."
        )
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count) if any(d in first_line for d in ";,\t") else ";"
    lines, budget = [], ReadBudget()
    reader = csv.reader(_physical_lines(text), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            budget.row()
            budget.cell(len(row))
            if not all(is_blank(cell) for cell in row):
                lines.append((number, row[:MAX_COLUMNS]))
    except csv.Error as error:
        raise ImportFileError(
            f"Le fichier CSV ne peut pas être lu (enregistrement {budget.rows}) : {error}."
        ) from error
    return lines


def _physical_lines(text: str):
    """The text's lines, line ends kept, one at a time (no copy of the whole text)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _pick_sheet(workbook, sheet_names: tuple[str, ...]):
    wanted = {normalize(name) for name in sheet_names}
    for sheet in workbook.worksheets:
        if normalize(sheet.title) in wanted:
            return sheet
    return workbook.worksheets[0]


def _check_unpacked_size(content: bytes, kind: str) -> None:
    """A zip that would unpack to too much is refused before anything is unpacked; so are parts loaded whole
    (shared strings, styles) past MAX_LOADED_PARTS_SIZE. Worksheets are read as a stream, within the budget."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = archive.infolist()
    streamed = ("xl/worksheets/",) if kind == "xlsx" else ("content.xml",)
    loaded = sum(member.file_size for member in members if not member.filename.startswith(streamed))
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_SIZE or loaded > MAX_LOADED_PARTS_SIZE:
        raise ImportFileError(
            "Le classeur est trop volumineux une fois décompressé : gardez dans le fichier la seule feuille du "
            "tableau à importer."
        )


def _read_xlsx(content: bytes, sheet_names: tuple[str, ...]):
    unreadable = ImportFileError(
        "Le classeur Excel ne peut pas être lu : ouvrez-le dans Excel ou LibreOffice, enregistrez-le au format "
        ".xlsx, puis déposez-le à nouveau."
    )
    try:
        _check_unpacked_size(content, "xlsx")
        reader = _BudgetedExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.read()
        workbook = reader.wb
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged workbook
        raise unreadable from error
    try:
        sheet = _pick_sheet(workbook, sheet_names)
        return (sheet.title, *_sheet_cells(workbook, sheet, ReadBudget()))
    except ImportFileError:
        raise
    except Exception as error:
        raise unreadable from error
    finally:
        workbook.close()


def _shared_strings(source) -> list[str]:
    """A workbook's shared strings (the texts its cells point at), as openpyxl reads them (plain text and rich-text
    runs, phonetic runs left out) but some twenty times faster, and at most MAX_SHARED_STRINGS of them."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.xml.constants import SHEET_MAIN_NS

    item, text, run = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = []
    for _event, element in iterparse(source):
        if element.tag != item:
            continue
        snippets = [child.text or "" for child in element if child.tag == text]
        snippets += [(part.text or "") for child in element if child.tag == run for part in child if part.tag == text]
        strings.append("".join(snippets).replace("x005F_", ""))
        element.clear()
        if len(strings) > MAX_SHARED_STRINGS:
            raise ImportFileError(
                f"Le classeur contient plus de {limit_text(MAX_SHARED_STRINGS)} textes différents : gardez dans le fichier "
                "la seule feuille du tableau à importer, puis déposez-le à nouveau."
            )
    return strings


def _budgeted_reader():
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    self.shared_strings = _shared_strings(source)

    return Reader


def _BudgetedExcelReader(*args, **kwargs):  # noqa: N802 (a class made on first use: openpyxl loads in 0.18 s)
    return _budgeted_reader()(*args, **kwargs)


def _percent_styles(workbook) -> set[int]:
    """The cell styles showing a number as a percentage (the cell holds 0.45 and shows "45 %")."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    styles = set()
    for index, style in enumerate(workbook._cell_styles):
        number_format = (
            BUILTIN_FORMATS.get(style.numFmtId, "")
            if style.numFmtId < 164
            else workbook._number_formats[style.numFmtId - 164]
        )
        if "%" in number_format:
            styles.add(index)
    return styles


def _sheet_cells(workbook, sheet, budget: ReadBudget):
    """One pass over the sheet's XML as a stream, each cell read by openpyxl's own cell parser: the non-blank rows'
    values as the spreadsheet last computed them (a percentage as shown), the cells holding a formula, the merged
    ranges. Every row and cell read counts against `budget` (a cell as soon as it ends, before its row is parsed);
    a row is dropped once read."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet._reader import CELL_TAG, FORMULA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    merge_tag = f"{{{SHEET_MAIN_NS}}}mergeCell"
    percent_styles = _percent_styles(workbook)
    lines, formulas, merged = [], {}, []
    source = sheet._get_source()
    try:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        line, in_row = 0, 0
        for _event, element in iterparse(source):
            tag = element.tag
            if tag == CELL_TAG:  # counted as it ends, before its row is parsed
                budget.cell()
                in_row += 1
                if in_row > MAX_CELLS_PER_ROW:
                    raise ImportFileError(f"Ligne {line + 1} : plus de {limit_text(MAX_CELLS_PER_ROW)} cellules.")
            elif tag == ROW_TAG:
                budget.row()
                reference = element.get("r")
                line = int(float(reference)) if reference else line + 1
                parser.row_counter, parser.col_counter, in_row = line, 0, 0
                cells = []
                for child in element:
                    cell = parser.parse_cell(child)
                    formula = child.find(FORMULA_TAG)
                    if formula is not None:
                        cell["formula"] = "=" + (formula.text or "")
                    if cell["column"] <= MAX_COLUMNS and not is_blank(cell["value"]) or "formula" in cell:
                        cells.append(cell)
                element.clear()
                row = _xlsx_row(line, cells, percent_styles, formulas)
                if row is not None:
                    lines.append((line, row))
            elif tag == merge_tag:
                merged.append(element.get("ref"))
    finally:
        source.close()
    return lines, formulas, merged


def _xlsx_row(line: int, cells: list[dict], percent_styles: set[int], formulas: dict) -> list | None:
    """A row's values by column (None when every cell is blank); its formulas go to `formulas`."""
    cells = [cell for cell in cells if cell["column"] <= MAX_COLUMNS]
    if not cells:
        return None
    values = [None] * max(cell["column"] for cell in cells)
    for cell in cells:
        index, value = cell["column"] - 1, cell["value"]
        if isinstance(value, str) and not value.strip():
            value = None
        elif isinstance(value, int | float) and not isinstance(value, bool) and cell["style_id"] in percent_styles:
            value = value * 100
        values[index] = value
        if "formula" in cell:
            formulas[(line, index)] = cell["formula"]
    has_formula = any("formula" in cell for cell in cells)
    return values if has_formula or not all(is_blank(value) for value in values) else None


def _table(filename, sha256, sheet, lines, formulas, merged, column_map: ColumnMap) -> Table:
    sheet_label = f"la feuille « {sheet} »" if sheet != "CSV" else "le fichier"
    header_line = None
    for number, values in lines:
        if number > HEADER_SEARCH_ROWS:
            break
        bound = [column_map.bind(str(value), index) for index, value in enumerate(values) if not is_blank(value)]
        if any(column is not None and getattr(column.column, "required", False) for column in bound):
            header_line = number
            break
    if header_line is None:
        if all(all(is_blank(value) for value in values) for _number, values in lines):
            raise ImportFileError(f"{_capitalized(sheet_label)} est vide : aucun tableau à importer.")
        expected = ", ".join(f"« {column.header} »" for column in column_map.required)
        raise ImportFileError(
            f"Aucune ligne d'en-têtes reconnue dans les {HEADER_SEARCH_ROWS} premières lignes de {sheet_label} : "
            f"la première ligne du tableau doit porter les en-têtes du modèle (dont {expected})."
        )
    for reference in merged:
        first, _, last = reference.partition(":")
        _min_col, min_row, _max_col, max_row = range_boundaries(reference)
        if max_row >= header_line:
            where = "d'en-tête " if min_row <= header_line else ""
            raise ImportFileError(
                f"Ligne {min_row} : les cellules {where}{first} à {last or first} sont fusionnées. Défusionnez-les "
                "(une valeur par cellule, un en-tête par colonne), puis déposez à nouveau le fichier."
            )
    header_values = dict(lines)[header_line]
    headers = [(index, str(value).strip()) for index, value in enumerate(header_values) if not is_blank(value)]
    rows = [
        (number, values)
        for number, values in lines
        if number > header_line and not all(is_blank(value) for value in values)
    ]
    if not rows:
        raise ImportFileError(
            f"{_capitalized(sheet_label)} n'a aucune ligne sous ses en-têtes (ligne {header_line}) : rien à importer."
        )
    if len(rows) > MAX_ROWS:
        limit = f"{MAX_ROWS:,}".replace(",", "\u202f")
        raise ImportFileError(
            f"{_capitalized(sheet_label)} compte plus de {limit} lignes sous ses en-têtes : un import en prend au "
            "plus autant. Gardez dans le fichier le seul tableau à importer, ou partagez-le en plusieurs fichiers."
        )
    values_by_line = dict(rows)
    uncomputed = {
        (line, column): formula
        for (line, column), formula in formulas.items()
        if line in values_by_line and _value_at(values_by_line[line], column) is None
    }
    return Table(
        filename=filename,
        sha256=sha256,
        sheet=sheet,
        header_line=header_line,
        headers=headers,
        rows=rows,
        uncomputed_formulas=uncomputed,
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value_at(values: list, index: int):
    return values[index] if index < len(values) else None


@dataclass
class ParsedRow:
    """One data row: the parsed value of each column the file has (a column it lacks is not a key), and the
    numbered columns by group and number (and year)."""

    line: int
    values: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)  # group → number → {key: value, "years": {year: {key: value}}}


@dataclass
class ParsedTable:
    table: Table
    columns: list  # BoundColumn, in file order
    rows: list[ParsedRow]
    errors: list[str]
    ignored_headers: list[str]

    def header_of(self, key: str, number: int | None = None, year: int | None = None) -> str | None:
        """The header the file gives a column (for messages), or None when the file does not have it."""
        for bound in self.columns:
            if bound.key == key and bound.number == number and bound.year == year:
                return bound.header
        return None

    def has(self, key: str) -> bool:
        return any(bound.key == key for bound in self.columns)


def in_line_order(errors: list[str]) -> list[str]:
    """A preview's errors once each, by line (a file's errors read top to bottom); those of no line first."""

    def line_of(error: str) -> int:
        found = re.match(r"ligne (\d+)", error)
        return int(found.group(1)) if found else 0

    return sorted(dict.fromkeys(errors), key=line_of)


def cell_error(line: int, header: str, message: str) -> str:
    return f"ligne {line}, colonne « {header} » : {message}"


def parse_table(table: Table, column_map: ColumnMap) -> ParsedTable:
    """Bind the headers to the column map and parse every cell; every error names its line and column."""
    bound, ignored, seen = [], [], {}
    for index, header in table.headers:
        column = column_map.bind(header, index)
        if column is None:
            ignored.append(header)
            continue
        identity = (column.key, column.number, column.year)
        if identity in seen:
            raise ImportFileError(
                f"Ligne {table.header_line} : la colonne « {header} » apparaît deux fois (colonnes "
                f"{column_letter(seen[identity])} et {column_letter(index)}) : gardez-en une seule."
            )
        seen[identity] = index
        bound.append(column)
    missing = [column.header for column in column_map.required if not any(b.column is column for b in bound)]
    if missing:
        raise ImportFileError(
            f"Ligne {table.header_line} : colonne « {missing[0]} » introuvable : le tableau doit avoir cette colonne."
        )
    errors, rows = [], []
    for line, values in table.rows:
        row = ParsedRow(line=line)
        for column in bound:
            raw = _value_at(values, column.index)
            formula = table.uncomputed_formulas.get((line, column.index))
            if formula is not None:
                errors.append(
                    cell_error(
                        line,
                        column.header,
                        f"la cellule contient une formule ({formula[:40]}) dont la valeur n'a pas été calculée. "
                        "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le (ou remplacez la formule par "
                        "sa valeur), puis déposez-le à nouveau",
                    )
                )
                continue
            try:
                value = column.column.parse(raw)
            except CellError as error:
                errors.append(cell_error(line, column.header, str(error)))
                continue
            if column.number is None:
                row.values[column.key] = value
                continue
            slot = row.groups.setdefault(column.column.group, {}).setdefault(column.number, {"years": {}})
            if column.year is None:
                slot[column.key] = value
            else:
                slot["years"].setdefault(column.year, {})[column.key] = value
        rows.append(row)
    return ParsedTable(table=table, columns=bound, rows=rows, errors=errors, ignored_headers=ignored)
