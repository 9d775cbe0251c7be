"""The one export mechanism: declared columns → the list's filters → streamed CSV (French Excel) or XLSX.

An export declares its columns once, as a dict of French header → function of a row, and names the filter set
of the list it exports:

    COLUMNS = {"Code INSEE": lambda c: c.insee_code, "Commune": lambda c: c.name}
    return export_response(request, fmt, rows=queryset, columns=COLUMNS, filename="communes",
                           filterset_class=CommuneFilter)

The filter set is bound to the query string, as the list binds it, so that an export holds the rows its list shows
(a default of the filter set, such as the support queue's "to handle" status, included). A filter the form refuses
is answered the same way by every export: 400 and a page listing the form's French errors, never every row nor
none.

An XLSX file opens ready to read: a title row naming the export, the filters applied and the day; a styled header
row, frozen, with an autofilter; columns as wide as their first rows; real dates shown `dd/mm/yyyy` and numbers in
French formats — a column whose header ends in "(€)" as an amount (`# ##0,00 €` in French Excel), other decimals
`# ##0,00`. A CSV writes every decimal with a comma (`decimal_text`), as the texts that carry numbers must.

Every text cell is made safe to open in a spreadsheet: control characters XML cannot hold are removed, and a
text starting with a formula trigger is prefixed with a quote (OWASP "CSV injection"), so that no cell the portal
writes is ever run as a formula. Numbers and dates stay numbers and dates.

Rows are read with `.iterator()` so that tens of thousands of rows never sit in memory at once.
"""

import csv
import datetime
import decimal
import itertools
import tempfile
from collections.abc import Callable, Iterable, Mapping

from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.filenames import download_filename
from core.french import french_date
from core.text import CONTROL_CHARACTERS

Columns = Mapping[str, Callable[[object], object]]
FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"
CHUNK_SIZE = 2000
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = frozenset(("=", "+", "-", "@", "\t", "\r"))
# XLSX number formats: format codes are written with "," and "." and shown with the reader's locale, so a French
# Excel or LibreOffice shows "1 234,50 €", "27/11/2026".
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
EUROS_FORMAT = '#,##0.00 "€"'
DECIMAL_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"
EUROS_HEADER_SUFFIX = "(€)"
ACCENT_COLOUR = "1D5C3A"
WIDTH_SAMPLE_ROWS = 200  # column widths are measured on the first rows (the rest is streamed)
MIN_WIDTH, MAX_WIDTH = 8, 60


class _Echo:
    def write(self, value):
        return value


def _iterate(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def safe_text(text: str) -> str:
    """`text` as a spreadsheet cell may hold it: without control characters, never read as a formula."""
    if CONTROL_CHARACTERS.search(text):  # rare: searching first keeps the common case a third as costly
        text = CONTROL_CHARACTERS.sub("", text)
    return "'" + text if text[:1] in FORMULA_TRIGGERS else text


def unquoted_text(text: str) -> str:
    """A cell's text as it was before `safe_text` quoted it: what an import of the portal's own export reads.

    (A text that itself began with a quote and a formula trigger, such as "'=", loses that quote: rare enough.)
    """
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS else text


def decimal_text(value) -> str:
    """A number as a French text: 20.00 → '20,00', 1.5 → '1,5' (no thousands separator, as a CSV cell wants it)."""
    return f"{value}".replace(".", ",")


def _csv_value(value) -> str:
    if isinstance(value, str):
        return safe_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal | float):
        return decimal_text(value)
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return safe_text(str(value))


def csv_lines(rows: Iterable, columns: Columns) -> Iterable[str]:
    """UTF-8 with BOM and `;` separators, so that French Excel opens it as is."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)
    yield "\ufeff" + writer.writerow([safe_text(name) for name in columns])
    for row in _iterate(rows):
        yield writer.writerow([_csv_value(getter(row)) for getter in columns.values()])


def _xlsx_value(value):
    if isinstance(value, str):
        # openpyxl stores a string starting with "=" as a formula: safe_text never lets one through.
        return safe_text(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None or isinstance(value, int | float | decimal.Decimal | datetime.date):
        return value
    return safe_text(str(value))


def _display_width(value) -> int:
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 11
    if isinstance(value, decimal.Decimal | float):
        return len(f"{value:,.2f}") + 3
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


class _StyledCells:
    """One styled cell per column and kind of value, reused for every row: write-only mode writes a cell as soon as
    it is appended, so styling 50,000 rows costs no more memory than styling one."""

    def __init__(self, sheet, header: str):
        from openpyxl.cell import WriteOnlyCell  # on first use: see write_xlsx

        def cell(number_format):
            styled = WriteOnlyCell(sheet)
            styled.number_format = number_format
            return styled

        amount_format = EUROS_FORMAT if header.rstrip().endswith(EUROS_HEADER_SUFFIX) else DECIMAL_FORMAT
        self.datetime = cell(DATETIME_FORMAT)
        self.date = cell(DATE_FORMAT)
        self.decimal = cell(amount_format)
        self.integer = cell(amount_format if amount_format == EUROS_FORMAT else INTEGER_FORMAT)

    def __call__(self, value):
        value = _xlsx_value(value)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, datetime.datetime):
            cell = self.datetime
        elif isinstance(value, datetime.date):
            cell = self.date
        elif isinstance(value, int):
            cell = self.integer
        else:
            cell = self.decimal
        cell.value = value
        return cell


def write_xlsx(rows: Iterable, columns: Columns, handle, *, title: str = "Export", heading: str | None = None) -> None:
    """Write an XLSX workbook in openpyxl's write-only mode (rows are streamed to a temporary file).

    Row 1 holds `heading` (what was exported, with which filters, when), row 2 the styled header, frozen, with an
    autofilter over the rows written; widths are measured on the first rows.
    """
    # openpyxl is imported on the first XLSX (0.18 s to load): not in every web process, worker and test run.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_text(title)[:31].lstrip("'") or "Export")
    names = list(columns)
    getters = list(columns.values())
    rows = iter(_iterate(rows))
    sample = [[getter(row) for getter in getters] for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    for index, name in enumerate(names, start=1):
        widest = max(
            [
                len(name) + 2,
                *(_display_width(values[index - 1]) + 1 for values in sample if values[index - 1] is not None),
            ]
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest, MIN_WIDTH), MAX_WIDTH)
    header_row = 2 if heading else 1
    sheet.freeze_panes = f"A{header_row + 1}"
    if heading:
        cell = WriteOnlyCell(sheet, value=safe_text(heading))
        cell.font = Font(bold=True, size=12, color=ACCENT_COLOUR)
        sheet.append([cell])
    header = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=safe_text(name))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=ACCENT_COLOUR)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    sheet.append(header)
    styled = [_StyledCells(sheet, name) for name in names]
    written = 0
    for values in sample:
        sheet.append([style(value) for style, value in zip(styled, values, strict=True)])
        written += 1
    for row in rows:
        sheet.append([style(getter(row)) for style, getter in zip(styled, getters, strict=True)])
        written += 1
    last_column = get_column_letter(max(len(names), 1))
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + max(written, 1)}"
    workbook.save(handle)


def export_heading(title: str, filters: str = "") -> str:
    """'Communes — filtres : Phase = Diagnostic — exporté le 27 novembre 2026'."""
    parts = [title, filters, f"exporté le {french_date(timezone.localdate())}"]
    return " — ".join(part for part in parts if part)


def spreadsheet_response(
    rows: Iterable, columns: Columns, filename: str, fmt: str, *, about: str = "", heading: str | None = None
):
    """Answer `rows` as a CSV stream or an XLSX file download; an unknown format is a 404.

    The file is named by `download_filename` (`filename`, `about`, today); the XLSX title row is `heading` (list
    exports: `export_response` names the export, its filters and the day). Without a heading the header is the first
    row, as in the import templates, whose files are filled in and read back.
    """
    name = download_filename(filename, about=about, extension=fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows, columns), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        write_xlsx(rows, columns, handle, title=filename, heading=heading)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404("Format d'export inconnu.")


def _humanised(filename: str, about: str = "") -> str:
    text = filename.replace("-", " ").replace("_", " ").strip().capitalize()
    return f"{text} ({about})" if about else text


def filters_description(filterset) -> str:
    """The filters a bound filter set applies, as the list's form shows them: 'filtres : Phase = Diagnostic ;
    Commune = Amagney', or 'sans filtre'. A filter set's own default (a list that starts filtered) is named too."""
    form = filterset.form
    parts = []
    for name, field in form.fields.items():
        value = getattr(form, "cleaned_data", {}).get(name)
        if value is None or value == "" or (isinstance(value, list | tuple | set | QuerySet) and not value):
            continue
        parts.append(f"{field.label or name} = {_filter_value_label(field, value)}")
    return "filtres : " + " ; ".join(parts) if parts else "sans filtre"


def _filter_value_label(field, value) -> str:
    if isinstance(value, list | tuple | set | QuerySet):
        return ", ".join(_filter_value_label(field, item) for item in value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return french_date(value)
    if not hasattr(value, "_meta"):  # a model instance names itself; a choice is shown by its label
        for key, label in getattr(field, "choices", None) or ():
            if str(key) == str(value) and isinstance(label, str):
                return label
    return str(value)


def invalid_filter_response(request, filterset):
    """400 and the form's French errors, with a way back to the list the export was asked from."""
    form = filterset.form
    errors = [
        (form.fields[name].label if name in form.fields else "", message)
        for name, messages in form.errors.items()
        for message in messages
    ]
    referer = request.headers.get("referer", "")
    back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()) else ""
    context = {"errors": errors, "back": back}
    return render(request, "pat_portal/export_invalid_filter.html", context, status=400)


def export_response(
    request,
    fmt: str,
    *,
    rows,
    columns: Columns,
    filename: str,
    filterset_class=None,
    filterset_kwargs: Mapping | None = None,
    prepare: Callable[[QuerySet], Iterable] | None = None,
    title: str = "",
    about: str = "",
):
    """The response of every export view: `rows` filtered by the list's filter set, then written as `fmt`.

    `rows` is the queryset the list starts from (already limited to what the user may see); `prepare` turns the
    filtered queryset into the rows written, when they are not its instances (budget figures of order forms,
    lines of the filtered order forms). `title` names the export in the XLSX title row (by default its file name),
    `about` what it is about (a workshop…), in the title and the file name. An unknown format is a 404; a filter the
    form refuses, a 400.
    """
    if fmt not in FORMATS:
        raise Http404("Format d'export inconnu.")
    filters = ""
    if filterset_class is not None:
        filterset = filterset_class(request.GET, queryset=rows, request=request, **(filterset_kwargs or {}))
        if not filterset.is_valid():
            return invalid_filter_response(request, filterset)
        rows = filterset.qs
        filters = filters_description(filterset)
    if prepare is not None:
        rows = prepare(rows)
    heading = export_heading(title or _humanised(filename, about), filters)
    return spreadsheet_response(rows, columns, filename, fmt, about=about, heading=heading)
