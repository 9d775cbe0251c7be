"""Bringing an existing action plan or diagnostic in from a spreadsheet (XLSX or CSV, French Excel conventions).

- `columns`: the declarative column map (one table of columns: header, aliases, parser) and the cell parsers
  ("1 234,50 €", "mars 2026", "03/2026", "oui"…);
- `reading`: the uploaded file as a table of cells (upload checks, formulas, merged cells, size limits);
- `contacts`: leads, partners and resource people matched with the directory, unknown ones proposed;
- `previews`: the dry run kept server-side until it is confirmed;
- `plans` and `diagnostics`: each one's column map, its dry run (what will be created or updated, row by row),
  the all-or-nothing import of exactly what was previewed, and the export in the same template.
"""
