"""Bringing an existing action plan or diagnostic in from a spreadsheet (XLSX, ODS or CSV, as Excel and LibreOffice
write them), on the shared reader of core/spreadsheets (upload checks, column map, cell parsers, row budget).

- `contacts`: leads, partners and resource people matched with the directory, unknown ones proposed;
- `changes`: what plan and diagnostic previews share (values kept as JSON, French descriptions, row order, counts);
- `plans` and `diagnostics`: each one's column map, its dry run (what will be created or updated, row by row),
  the all-or-nothing import of exactly what was previewed, the export in the same template, and the downloadable
  template (example row, drop-down lists, « Lisez-moi »).
"""
