"""Spreadsheets made of blank rows, as a worksheet formatted to its last row or a CSV of empty lines leaves them:
a header row, then nothing but blank rows. Each is small on disk and huge once unrolled; reading one must cost
nothing (issue 25). Built in memory, in a few tenths of a second, for the tests and bench/import_blank_rows.py."""

import io
import zipfile

SHEET_ROWS = 1_048_576  # the last row of an Excel or Calc sheet
HEADER = ("Intitulé", "Thème")

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Actions" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def blank_rows_xlsx(rows: int = SHEET_ROWS, columns: int = 5) -> bytes:
    """An XLSX whose dimension says A1:XFD`rows` and whose sheet holds `rows` rows: the header, then rows of
    `columns` empty cells (rows and cells without a reference, as the format allows: a few hundred kilobytes)."""
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in _XLSX_PARTS.items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="A1:XFD{rows}"/><sheetData>'.encode()
            )
            header = "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in HEADER)
            sheet.write(f"<row>{header}</row>".encode())
            chunk, left = 10_000, rows - 1
            blank = b"<row>" + b"<c/>" * columns + b"</row>"
            while left > 0:
                sheet.write(blank * min(chunk, left))
                left -= chunk
            sheet.write(b"</sheetData></worksheet>")
    return handle.getvalue()


def blank_rows_ods(rows: int = SHEET_ROWS) -> bytes:
    """An ODS whose one sheet has the header, then `rows` - 1 blank rows of 1,024 cells written as Calc writes
    them (table:number-rows-repeated, table:number-columns-repeated)."""
    return header_ods(
        f'<table:table-row table:number-rows-repeated="{rows - 1}">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )


def blank_row_elements_ods(rows: int = 200_000) -> bytes:
    """An ODS whose blank rows are each written out (no repetition): `rows` row elements to read."""
    return header_ods(
        '<table:table-row><table:table-cell table:number-columns-repeated="30"/></table:table-row>' * (rows - 1)
    )


def header_ods(rows_xml: str) -> bytes:
    """An ODS whose sheet « Actions » has the header row, then `rows_xml`."""
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>' for text in HEADER
    )
    return ods_archive(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        '<office:body><office:spreadsheet><table:table table:name="Actions">'
        f"<table:table-row>{cells}</table:table-row>{rows_xml}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )


def ods_archive(content: str) -> bytes:
    """An ODS package around `content.xml`: the uncompressed mimetype first, as the format requires."""
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return handle.getvalue()


def blank_lines_csv(size: int = 10 * 1024 * 1024 - 1024) -> bytes:
    """A CSV of the header, then blank lines (";;;" as Excel writes an empty row) up to `size` bytes."""
    header = ";".join(HEADER).encode("utf-8-sig") + b"\r\n"
    line = b";;;\r\n"
    return header + line * ((size - len(header)) // len(line))


def many_strings_xlsx(strings: int = 800_000) -> bytes:
    """An XLSX whose shared strings part holds `strings` short strings (what openpyxl loads whole), under the 20 MB
    cap once unpacked; its sheet is the header only."""
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _XLSX_PARTS.items():
            if name == "[Content_Types].xml":
                content = content.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if name == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    "</Relationships>",
                    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            archive.writestr(name, content)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for start in range(0, strings, 10_000):
                part.write("".join(f"<si><t>{n}</t></si>" for n in range(start, start + 10_000)).encode())
            part.write(b"</sst>")
        header = "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in HEADER)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f"<row>{header}</row></sheetData></worksheet>",
        )
    return handle.getvalue()


def long_text_ods(size: int = 45 * 1024 * 1024) -> bytes:
    """An ODS whose one cell under the header holds `size` characters of text (under the 50 MB unpacked cap)."""
    return header_ods(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>'
        + "a" * size
        + "</text:p></table:table-cell></table:table-row>"
    )
