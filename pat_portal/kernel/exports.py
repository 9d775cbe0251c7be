"""The one export helper: declared columns → streamed CSV (French Excel) or XLSX.

An export declares its columns once, as a dict of French header → function of a row:

    COLUMNS = {"Code INSEE": lambda c: c.insee_code, "Commune": lambda c: c.name}
    return export_response(queryset, COLUMNS, "communes", fmt)

Rows are read with `.iterator()` so that tens of thousands of rows never sit in memory at once.
"""

import csv
import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Mapping

from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone

Columns = Mapping[str, Callable[[object], object]]
FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"
CHUNK_SIZE = 2000


class _Echo:
    def write(self, value):
        return value


def _iterate(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
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
    return str(value)


def csv_lines(rows: Iterable, columns: Columns) -> Iterable[str]:
    """UTF-8 with BOM and `;` separators, so that French Excel opens it as is."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)
    yield "\ufeff" + writer.writerow(list(columns))
    for row in _iterate(rows):
        yield writer.writerow([_csv_value(getter(row)) for getter in columns.values()])


def _xlsx_value(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None or isinstance(value, int | float | decimal.Decimal | datetime.date | str):
        return value
    return str(value)


def write_xlsx(rows: Iterable, columns: Columns, handle, *, title: str = "Export") -> None:
    """Write an XLSX workbook in openpyxl's write-only mode (rows are streamed to a temporary file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _iterate(rows):
        sheet.append([_xlsx_value(getter(row)) for getter in columns.values()])
    workbook.save(handle)


def export_response(rows: Iterable, columns: Columns, filename: str, fmt: str):
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
