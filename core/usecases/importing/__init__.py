"""Spreadsheet imports (units, employees, ABK activities, the jabatan catalogue): read, check,
write all or none.

The package is split along the way a file travels:

- `core.usecases.importing.columns`: the column names of each kind of file, their aliases in SIMPEG
/
  SIASN exports and ABK workbooks, and finding the header row's columns.
- `core.usecases.importing.sheets`: the shapes: a `Sheet` of `SheetRow`s (what db/spreadsheets.py
reads
  from a CSV or XLSX file), `ImportProblem`, `ImportBatch`, and the outcome and report types.
- `core.usecases.importing.cells`: one parser per kind of cell (number, date, NIP, golongan,
coordinate),
  raising `CellError` in Indonesian and English.
- `core.usecases.importing.validation`: a sheet's rows to core dataclasses, or one problem per bad
cell
  naming line and column (pure: no database).
- `core.usecases.importing.writing`: the inverse, core dataclasses as rows for writing files.
- `core.usecases.importing.apply`: the use case: validate a batch against the database and write
only
  when no row of any sheet is wrong, and only the rows that differ from what is stored.
- `core.usecases.importing.report`: the report an operator reads (CLI and chat).
"""
