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

Every text cell is made safe to open in a spreadsheet: control characters XML cannot hold are removed, and a
text starting with a formula trigger is prefixed with a quote (OWASP "CSV injection"), so that no cell the portal
writes is ever run as a formula. Numbers and dates stay numbers and dates.

Rows are read with `.iterator()` so that tens of thousands of rows never sit in memory at once.
"""

import csv
import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Mapping

from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from pat_portal.kernel.text import CONTROL_CHARACTERS

Columns = Mapping[str, Callable[[object], object]]
FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"
CHUNK_SIZE = 2000
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = frozenset(("=", "+", "-", "@", "\t", "\r"))


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
        return f"{value}".replace(".", ",")
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


def write_xlsx(rows: Iterable, columns: Columns, handle, *, title: str = "Export") -> None:
    """Write an XLSX workbook in openpyxl's write-only mode (rows are streamed to a temporary file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=safe_text(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _iterate(rows):
        sheet.append([_xlsx_value(getter(row)) for getter in columns.values()])
    workbook.save(handle)


def spreadsheet_response(rows: Iterable, columns: Columns, filename: str, fmt: str):
    """Answer `rows` as a CSV stream or an XLSX file download; an unknown format is a 404."""
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows, columns), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        write_xlsx(rows, columns, handle, title=filename)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{filename}-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404("Format d'export inconnu.")


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
):
    """The response of every export view: `rows` filtered by the list's filter set, then written as `fmt`.

    `rows` is the queryset the list starts from (already limited to what the user may see); `prepare` turns the
    filtered queryset into the rows written, when they are not its instances (budget figures of order forms,
    lines of the filtered order forms). An unknown format is a 404; a filter the form refuses, a 400.
    """
    if fmt not in FORMATS:
        raise Http404("Format d'export inconnu.")
    if filterset_class is not None:
        filterset = filterset_class(request.GET, queryset=rows, request=request, **(filterset_kwargs or {}))
        if not filterset.is_valid():
            return invalid_filter_response(request, filterset)
        rows = filterset.qs
    if prepare is not None:
        rows = prepare(rows)
    return spreadsheet_response(rows, columns, filename, fmt)
