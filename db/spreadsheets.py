"""Reading and writing the files an agency exchanges: CSV (UTF-8) and XLSX, with a header row.

Reading gives a `core.importing.Sheet`: header names normalised (lower case, spaces to `_`), each
data row's cells as stripped text, and the line number a spreadsheet program shows for the row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.importing import Cell, Sheet, SheetRow
from core.text import code_point, first_refused

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")


class UnreadableSheet(Exception):
    """The file cannot be read as CSV or XLSX; the message says why, in both languages."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en

    def describe(self, language: str = "id") -> str:
        """The reason in the operator's language."""
        return self.message_en if language == "en" else self.message_id

    def __reduce__(self) -> tuple[type[UnreadableSheet], tuple[str, str]]:
        # Crosses from the parsing process (core.safe_files) with both languages.
        return (UnreadableSheet, (self.message_id, self.message_en))


def read_sheet(path: Path, *, sheet_name: str | None = None) -> Sheet:
    """Read a CSV or XLSX file (chosen by its suffix) into a Sheet."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableSheet(
            f"berkas {path} tidak bisa dibuka ({error.strerror})",
            f"cannot open {path} ({error.strerror})",
        ) from None
    return read_sheet_bytes(data, path.name, sheet_name=sheet_name)


def read_sheet_bytes(data: bytes, file_name: str, *, sheet_name: str | None = None) -> Sheet:
    """Read a CSV or XLSX file's bytes (the kind chosen by FILE_NAME's suffix) into a Sheet."""
    suffix = Path(file_name).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(data, file_name, sheet_name)
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, file_name)
    raise UnreadableSheet(
        f"{file_name}: jenis berkas {suffix or '(tanpa akhiran)'} tidak didukung; "
        "gunakan .csv atau .xlsx",
        f"{file_name}: file type {suffix or '(no suffix)'} is not supported; use .csv or .xlsx",
    )


def normalise_header(name: str) -> str:
    """A header cell as a column name: "Kode Unit " -> "kode_unit"."""
    return "_".join(name.replace("\ufeff", "").replace("-", " ").lower().split())


def guess_delimiter(header_line: str) -> str:
    """The column separator of a CSV file, judged from its header line (`,`, `;` or tab)."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, file_name: str) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableSheet(
            f"{file_name}: baris {line} bukan teks UTF-8; simpan ulang sebagai 'CSV UTF-8'",
            f"{file_name}: line {line} is not UTF-8 text; save it again as 'CSV UTF-8'",
        ) from None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=guess_delimiter(first_line))
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            records.append((len(records) + 1, record))
    except csv.Error as error:
        raise UnreadableSheet(
            f"{file_name}: baris {reader.line_num} tidak bisa dibaca sebagai CSV ({error})",
            f"{file_name}: line {reader.line_num} cannot be read as CSV ({error})",
        ) from None
    return _sheet_from_records(records, file_name)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # A date typed into Excel arrives as a midnight datetime; the files use YYYY-MM-DD.
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Above 15 digits a spreadsheet number has lost digits (an 18-digit NIP typed as a
        # number): keep the scientific form so validation can say so instead of guessing.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _read_xlsx(data: bytes, file_name: str, sheet_name: str | None) -> Sheet:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise UnreadableSheet(
            f"{file_name}: bukan berkas XLSX yang bisa dibaca ({error})",
            f"{file_name}: not a readable XLSX file ({error})",
        ) from None
    try:
        names = {name.lower(): name for name in workbook.sheetnames}
        chosen = names.get(sheet_name.lower()) if sheet_name else None
        worksheet = workbook[chosen] if chosen else workbook.worksheets[0]
        records = [
            (line, [_cell_text(value) for value in values])
            for line, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _sheet_from_records(records, file_name)


def _refuse_unstorable_text(records: Sequence[tuple[int, list[str]]], file_name: str) -> None:
    """UnreadableSheet naming line and column of the first character the database or Telegram
    refuses (NUL, other control characters, lone surrogates): nothing is imported."""
    header = next((cells for _, cells in records if any(c.strip() for c in cells)), [])
    for line, cells in records:
        for index, cell in enumerate(cells):
            position = first_refused(cell)
            if position is None:
                continue
            name = normalise_header(header[index]) if index < len(header) else ""
            if first_refused(name) is not None or cells is header or not name:
                name = get_column_letter(index + 1)
            char = code_point(cell[position])
            raise UnreadableSheet(
                f"{file_name}: baris {line}, kolom {name}: karakter {char} tidak boleh ada "
                "dalam teks; hapus karakter itu lalu simpan ulang",
                f"{file_name}: line {line}, column {name}: the character {char} is not "
                "allowed in text; remove it and save again",
            )


def _sheet_from_records(records: Sequence[tuple[int, list[str]]], file_name: str) -> Sheet:
    """Header = first non-blank record; blank records are skipped; cells stripped."""
    _refuse_unstorable_text(records, file_name)
    body = [(line, [c.strip() for c in cells]) for line, cells in records]
    body = [(line, cells) for line, cells in body if any(cells)]
    if not body:
        return Sheet((), (), file_name)
    _, header_cells = body[0]
    columns: list[str] = []
    for cell in header_cells:
        columns.append(normalise_header(cell))
    while columns and not columns[-1]:
        columns.pop()
    rows: list[SheetRow] = []
    for line, cells in body[1:]:
        mapped: dict[str, str] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column and column not in mapped:
                mapped[column] = cell
        extra = sum(1 for cell in cells[len(columns) :] if cell)
        rows.append(SheetRow(line, mapped, extra))
    return Sheet(tuple(c for c in columns if c), tuple(rows), file_name)


def write_sheet(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_name: str = "data",
) -> None:
    """Write a header row and ROWS as CSV (comma, UTF-8 with BOM for Excel) or XLSX by suffix."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(title=sheet_name[:31])
        worksheet.append([_xlsx_cell(worksheet, c) for c in columns])
        for row in rows:
            worksheet.append([_xlsx_cell(worksheet, c) for c in row])
        workbook.save(path)
        return
    if suffix not in CSV_SUFFIXES:
        raise ValueError(f"unsupported file type {suffix!r}: use .csv or .xlsx")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_text(cell) for cell in row])


def _xlsx_cell(worksheet: Any, value: Cell) -> Any:
    """VALUE for a write-only row; text starting with "=" kept as text, not made a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _csv_text(cell: Cell) -> str:
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell)
