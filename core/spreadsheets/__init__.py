"""Spreadsheets brought in as people keep them (XLSX, ODS, CSV), read as tables of cells with French messages.

- `columns`: the declarative column map (header, aliases, parser, help) and the cell parsers ("1 234,50 €",
  "mars 2026", "01/03/26", "oui"…);
- `reading`: the uploaded file as a table of cells (upload checks, formulas, merged cells, size and row limits);
- `ods`: LibreOffice's format read as a stream.

The action plan, diagnostic and contact directory imports build on it (missions/mission1/imports, communes).
"""
