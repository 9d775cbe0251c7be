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

An XLSX file opens ready to read: a title row naming the export (with its accents), the filters applied, or
"sans filtre", and the day; a styled header row, frozen, with an autofilter; columns as wide as their first rows;
real dates shown `dd/mm/yyyy`, months (`Month`) as real dates shown `mm/yyyy`, and numbers in French formats — a
column whose header ends in "(€)" as an amount (`# ##0,00 €` in French Excel), other decimals `# ##0,00`. A CSV
writes every decimal with a comma (`decimal_text`), as the texts that carry numbers must, a date `dd/mm/yyyy` (what
French Excel reads as a date) and a month `yyyy-mm` (ISO 8601: it sorts as text in any program, and the portal's
imports read it back).

No cell the portal writes is ever run as a formula (OWASP "CSV injection"), and control characters XML cannot hold
are removed from every text. In a CSV, where every cell is text the spreadsheet interprets, a text starting with a
formula trigger is prefixed with a quote (`safe_text`). In an XLSX a text is written as a text cell, which never
runs, so it is kept as typed, without that quote (`xlsx_text`). Numbers and dates stay numbers and dates.

Scale (issue 26): rows are read with `.iterator()` in chunks, so that tens of thousands of rows never sit in memory
at once; `attached` sets the few related objects of every row from one query each instead of a join built into
every row (an export view also loads only the columns its functions read, `.only()`); the CSV is streamed 500
lines at a time, the XLSX written in constant memory by XlsxWriter (docs/adr/0004-xlsx-exports-with-xlsxwriter.md)
and streamed from its temporary file. `bench/exports.py` measures it.
"""

import csv
import datetime
import decimal
import io
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping

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
CSV_LINES_PER_CHUNK = 500  # about 50 kB sent at a time, not a write to the client per line
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = frozenset(("=", "+", "-", "@", "\t", "\r"))
# XLSX number formats: format codes are written with "," and "." and shown with the reader's locale, so a French
# Excel or LibreOffice shows "1 234,50 €", "27/11/2026".
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONTH_FORMAT = "mm/yyyy"
EUROS_FORMAT = '#,##0.00 "€"'
DECIMAL_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"
EUROS_HEADER_SUFFIX = "(€)"
ACCENT_COLOUR = "1D5C3A"
WIDTH_SAMPLE_ROWS = 200  # column widths are measured on the first rows (the rest is streamed)
MIN_WIDTH, MAX_WIDTH = 8, 60


class Month(datetime.date):
    """A month an export writes: the date of its first day, shown `mm/aaaa` in XLSX and `aaaa-mm` in CSV."""

    @classmethod
    def of(cls, day: datetime.date | None) -> "Month | None":
        """The month of `day` (None stays None): `Month.of(action.start_month)`."""
        return None if day is None else cls(day.year, day.month, 1)


def _iterate(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def attached(rows: QuerySet, *paths: str) -> Iterator:
    """`rows`, read in chunks, each with the related objects of `paths` set from one query per foreign key.

    `paths` are written as for `select_related` ("order_line__order_form__commune"): the first name is a foreign
    key of the rows, the rest is joined to it. The objects the rows point to are read once (`pk__in` the rows' keys)
    and shared by every row, where a join would build the same few hundred objects again in each of 50,000 rows.
    The number of queries does not grow with the rows.
    """
    tables = []
    for path in paths:
        name, _, further = path.partition("__")
        field = rows.model._meta.get_field(name)
        objects = field.related_model._base_manager.filter(pk__in=rows.values(field.attname))
        if further:
            objects = objects.select_related(further)
        tables.append((field.attname, {obj.pk: obj for obj in objects}.get, field.set_cached_value))
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        for attname, related, set_cached in tables:
            key = getattr(row, attname)
            if key is not None and (obj := related(key)) is not None:
                set_cached(row, obj)  # (a row written since, to an object not read: Django reads it when asked)
        yield row


def choice_label(model, name: str) -> Callable[[object], object]:
    """The label of a value of `model`'s field `name`, as `get_<name>_display()` gives it (a value without a label
    as itself), from labels read once where `get_<name>_display()` rebuilds them for every row:
    `label = choice_label(Action, "status")`, then the column `lambda action: label(action.status)`."""
    labels = {value: str(label) for value, label in model._meta.get_field(name).flatchoices}
    return lambda value: labels.get(value, value)


def safe_text(text: str) -> str:
    """`text` as a CSV cell may hold it: without control characters, never read as a formula (a leading quote)."""
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
    kind = type(value)  # the common types first, by identity: this runs for every cell of 50,000 rows
    if kind is str:
        return safe_text(value)
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is decimal.Decimal:
        return decimal_text(value)
    if kind is datetime.date:
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal | float):
        return decimal_text(value)
    if isinstance(value, Month):
        return value.strftime("%Y-%m")
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return safe_text(str(value))


def csv_chunks(rows: Iterable, columns: Columns) -> Iterator[str]:
    """UTF-8 with BOM and `;` separators, so that French Excel opens it as is; sent `CSV_LINES_PER_CHUNK` lines
    at a time."""
    getters = list(columns.values())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    buffer.write("\ufeff")
    writer.writerow([safe_text(name) for name in columns])
    rows = iter(_iterate(rows))
    while chunk := list(itertools.islice(rows, CSV_LINES_PER_CHUNK)):
        writer.writerows([_csv_value(getter(row)) for getter in getters] for row in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no row: the header alone
        yield buffer.getvalue()


def xlsx_text(text: str) -> str:
    """`text` as an XLSX text cell holds it: without control characters, and as typed otherwise.

    No quote in front of a formula trigger: the cell is written as a text (`t="inlineStr"`), which no spreadsheet
    ever runs as a formula; a quote there would be shown and read back as part of the text. Line breaks are
    written as a spreadsheet writes them in a cell, "\\n" (a carriage return would be stored as "_x000D_").
    """
    if CONTROL_CHARACTERS.search(text):
        text = CONTROL_CHARACTERS.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _display_width(value) -> int:
    if isinstance(value, Month):
        return 8
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 11
    if isinstance(value, decimal.Decimal | float):
        return len(f"{value:,.2f}") + 3
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, no quote at either end."""
    name = re.sub(r"[\[\]:*?/\\]", "-", xlsx_text(title))[:31].strip("' ")
    return name or "Export"


class _SheetWriter:
    """Writes rows of values as typed XLSX cells: one format object per kind of value and column, shared by all rows."""

    def __init__(self, workbook, sheet, names: list[str]):
        self.write_string, self.write_number, self.write_datetime = (
            sheet.write_string,
            sheet.write_number,
            sheet.write_datetime,
        )
        euros = workbook.add_format({"num_format": EUROS_FORMAT})
        decimals = workbook.add_format({"num_format": DECIMAL_FORMAT})
        integers = workbook.add_format({"num_format": INTEGER_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.month = workbook.add_format({"num_format": MONTH_FORMAT})
        in_euros = [name.rstrip().endswith(EUROS_HEADER_SUFFIX) for name in names]
        self.decimals = [euros if amount else decimals for amount in in_euros]
        self.integers = [euros if amount else integers for amount in in_euros]

    def write(self, index: int, values: list) -> None:
        # Runs for every cell of every row: the sheet's methods bound once, types compared by identity, commonest first.
        write_string, write_number, write_datetime = self.write_string, self.write_number, self.write_datetime
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    write_string(index, column, xlsx_text(value))
            elif value is None:
                continue
            elif kind is int:
                write_number(index, column, value, self.integers[column])
            elif kind is decimal.Decimal or kind is float:
                write_number(index, column, value, self.decimals[column])
            elif kind is datetime.date:
                write_datetime(index, column, value, self.date)
            elif kind is bool:
                write_string(index, column, "oui" if value else "non")
            elif kind is Month:
                write_datetime(index, column, value, self.month)
            elif kind is datetime.datetime:
                if timezone.is_aware(value):
                    value = timezone.localtime(value).replace(tzinfo=None)
                write_datetime(index, column, value, self.datetime)
            else:  # a subclass (a safe or lazy string, an enum member…): written as its text
                write_string(index, column, xlsx_text(str(value)))


def write_xlsx(rows: Iterable, columns: Columns, handle, *, title: str = "Export", heading: str | None = None) -> None:
    """Write an XLSX workbook to `handle` with XlsxWriter in constant memory (docs/adr/0004-xlsx-exports-with-xlsxwriter.md).

    Each row goes to a temporary file as soon as the next one starts; the workbook is zipped into `handle` at the
    end. Row 1 holds `heading` (what was exported, with which filters, when), row 2 the styled header, frozen, with
    an autofilter over the rows written; widths are measured on the first rows. The sheet is named `title`.
    """
    # XlsxWriter is imported on the first XLSX: not in every web process, worker and test run.
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            # Texts stay texts: write_string never reads "=…" as a formula, "0612…" as a number or "http…" as a link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(_sheet_name(title))
    names = list(columns)
    getters = list(columns.values())
    rows = iter(_iterate(rows))
    sample = [[getter(row) for getter in getters] for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    for index, name in enumerate(names):
        widest = max(
            [len(name) + 2, *(_display_width(values[index]) + 1 for values in sample if values[index] is not None)]
        )
        sheet.set_column(index, index, min(max(widest, MIN_WIDTH), MAX_WIDTH))
    header_row = 1 if heading else 0
    sheet.freeze_panes(header_row + 1, 0)
    if heading:
        title_format = workbook.add_format({"bold": True, "font_size": 12, "font_color": f"#{ACCENT_COLOUR}"})
        sheet.write_string(0, 0, xlsx_text(heading), title_format)
    header_format = workbook.add_format(
        {
            "bold": True,
            "font_color": "#FFFFFF",
            "pattern": 1,
            "bg_color": f"#{ACCENT_COLOUR}",
            "text_wrap": True,
            "valign": "vcenter",
        }
    )
    for index, name in enumerate(names):
        sheet.write_string(header_row, index, xlsx_text(name), header_format)
    writer = _SheetWriter(workbook, sheet, names)
    index = header_row
    for values in sample:
        index += 1
        writer.write(index, values)
    for row in rows:
        index += 1
        writer.write(index, [getter(row) for getter in getters])
    sheet.autofilter(header_row, 0, max(index, header_row + 1), max(len(names), 1) - 1)
    workbook.close()


def export_heading(title: str, filters: str = "") -> str:
    """'Communes — filtres : Phase = Diagnostic — exporté le 27 novembre 2026'."""
    parts = [title, filters, f"exporté le {french_date(timezone.localdate())}"]
    return " — ".join(part for part in parts if part)


def spreadsheet_response(
    rows: Iterable,
    columns: Columns,
    filename: str,
    fmt: str,
    *,
    about: str = "",
    heading: str | None = None,
    sheet: str = "",
):
    """Answer `rows` as a CSV stream or an XLSX file download; an unknown format is a 404.

    The file is named by `download_filename` (`filename`, `about`, today); the XLSX title row is `heading` (list
    exports: `export_response` names the export, its filters and the day), its sheet `sheet` (by default
    `filename`). Without a heading the header is the first row, as in the import templates, whose files are filled
    in and read back.
    """
    name = download_filename(filename, about=about, extension=fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(rows, columns), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        write_xlsx(rows, columns, handle, title=sheet or filename, heading=heading)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404("Format d'export inconnu.")


def filters_description(filterset, unfiltered: Mapping[str, str] | None = None) -> str:
    """The filters a bound filter set applies, as the list's form shows them: 'filtres : Phase = Diagnostic ;
    Commune = Amagney', or 'sans filtre'. A filter set's own default (a list that starts filtered) is named too;
    a value of `unfiltered` (the filter's "everything") is not a filter."""
    form = filterset.form
    unfiltered = unfiltered or {}
    parts = []
    for name, field in form.fields.items():
        value = getattr(form, "cleaned_data", {}).get(name)
        if value is None or value == "" or (isinstance(value, list | tuple | set | QuerySet) and not value):
            continue
        if name in unfiltered and str(value) == unfiltered[name]:
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
    title: str,
    about: str = "",
    unfiltered: Mapping[str, str] | None = None,
):
    """The response of every export view: `rows` filtered by the list's filter set, then written as `fmt`.

    `rows` is the queryset the list starts from (already limited to what the user may see); `prepare` turns the
    filtered queryset into the rows written, when they are not its instances (budget figures of order forms,
    lines of the filtered order forms, related objects `attached`). `title` names the export in French, accents
    included, in the XLSX title row and sheet name; `about` what it is about (a workshop…), in the title and the
    file name.

    An export asked without a filter is unfiltered and says so ("sans filtre", in the title row and the file name),
    even when its list starts filtered: `unfiltered` gives, for such a filter, the value that means "everything"
    (the support queue's status "toutes"), used when the query string has none. A filtered export names its filters
    in both places. An unknown format is a 404; a filter the form refuses, a 400.
    """
    if fmt not in FORMATS:
        raise Http404("Format d'export inconnu.")
    filters = ""
    if filterset_class is not None:
        data = request.GET
        if unfiltered:
            data = data.copy()
            for name, everything in unfiltered.items():
                if not data.get(name):
                    data[name] = everything
        filterset = filterset_class(data, queryset=rows, request=request, **(filterset_kwargs or {}))
        if not filterset.is_valid():
            return invalid_filter_response(request, filterset)
        rows = filterset.qs
        filters = filters_description(filterset, unfiltered)
    if prepare is not None:
        rows = prepare(rows)
    named = f"{title} ({about})" if about else title
    heading = export_heading(named, filters)
    about = " ".join(part for part in (about, filters) if part)
    return spreadsheet_response(rows, columns, filename, fmt, about=about, heading=heading, sheet=title)
