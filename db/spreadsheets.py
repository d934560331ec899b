"""Reading and writing the files an agency exchanges: CSV (UTF-8) and XLSX, with a header row.

Reading gives a `core.usecases.importing.sheets.Sheet`: header names normalised (lower case, spaces
to
`_`) and aliases of SIMPEG/SIASN exports mapped to the bot's names, each data row's cells as
stripped text (XLSX number and date cells also typed), and the line number a spreadsheet
program shows.

Real layouts: the header row is the one among the first filled lines that names the most known
columns (title rows above it are skipped); merged cells give every cell of the range the value of
the first; a formula cell without a stored value is marked so validation can say so; CSV is
UTF-8 with or without BOM, separated by `,`, `;` or tab (judged from the first lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from core.domain.text import code_point, first_refused
from core.usecases.importing.columns import (
    HEADER_SEARCH_ROWS,
    ImportKind,
    header_columns,
    header_score,
)
from core.usecases.importing.sheets import Cell, RawCell, Sheet, SheetRow, UnreadableFile

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")


class UnreadableSheet(UnreadableFile):
    """The file cannot be read as CSV or XLSX; the message says why, in both languages."""


def read_sheet(
    path: Path, *, sheet_name: str | None = None, kind: ImportKind | None = None
) -> Sheet:
    """Read a CSV or XLSX file (chosen by its suffix) into a Sheet (KIND: which columns to
    look for when finding the header row and resolving aliases; None: any kind)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableSheet(
            f"berkas {path} tidak bisa dibuka ({error.strerror})",
            f"cannot open {path} ({error.strerror})",
        ) from None
    return read_sheet_bytes(data, path.name, sheet_name=sheet_name, kind=kind)


def read_upload(data: bytes, file_name: str, kind: ImportKind | None) -> Sheet:
    """`read_sheet_bytes` with positional arguments, for
    core.usecases.safe_files.parse_with_budget."""
    return read_sheet_bytes(data, file_name, sheet_name=kind, kind=kind)


def read_sheet_bytes(
    data: bytes,
    file_name: str,
    *,
    sheet_name: str | None = None,
    kind: ImportKind | None = None,
) -> Sheet:
    """Read a CSV or XLSX file's bytes (the type chosen by FILE_NAME's suffix) into a Sheet."""
    suffix = Path(file_name).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(data, file_name, sheet_name, kind)
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, file_name, kind)
    raise UnreadableSheet(
        f"{file_name}: jenis berkas {suffix or '(tanpa akhiran)'} tidak didukung; "
        "gunakan .csv atau .xlsx",
        f"{file_name}: file type {suffix or '(no suffix)'} is not supported; use .csv or .xlsx",
    )


_HEADER_PUNCTUATION = re.compile(r"[-./()\[\]:*#]")


def normalise_header(name: str) -> str:
    """A header cell as a column name: "Kode Unit " -> "kode_unit",
    "Waktu Penyelesaian (menit)" -> "waktu_penyelesaian_menit", "NIP-Baru" -> "nip_baru"."""
    cleaned = _HEADER_PUNCTUATION.sub(" ", name.replace("\ufeff", "").replace("_", " "))
    return "_".join(cleaned.lower().split())


def guess_delimiter(text: str) -> str:
    """The column separator of a CSV file (`,`, `;` or tab): the one a single line among the
    first filled lines uses most (title lines above the header may hold none)."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, file_name: str, kind: ImportKind | None) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableSheet(
            f"{file_name}: baris {line} bukan teks UTF-8; simpan ulang sebagai 'CSV UTF-8'",
            f"{file_name}: line {line} is not UTF-8 text; save it again as 'CSV UTF-8'",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=guess_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            records.append((len(records) + 1, record))
    except csv.Error as error:
        raise UnreadableSheet(
            f"{file_name}: baris {reader.line_num} tidak bisa dibaca sebagai CSV ({error})",
            f"{file_name}: line {reader.line_num} cannot be read as CSV ({error})",
        ) from None
    return _sheet_from_records(
        [(line, list(cells), ()) for line, cells in records], file_name, kind
    )


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


def _read_xlsx(
    data: bytes, file_name: str, sheet_name: str | None, kind: ImportKind | None
) -> Sheet:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as error:
        raise UnreadableSheet(
            f"{file_name}: bukan berkas XLSX yang bisa dibaca ({error})",
            f"{file_name}: not a readable XLSX file ({error})",
        ) from None
    formulas = None
    try:
        names = {name.lower(): name for name in workbook.sheetnames}
        chosen = names.get(sheet_name.lower()) if sheet_name else None
        title = chosen or workbook.sheetnames[0]
        merges, has_formulas = _sheet_layout(data, title)
        values_rows = workbook[title].iter_rows(values_only=True)
        rows: list[tuple[int, list[object], tuple[int, ...]]] = []
        if not has_formulas:  # the common case: one pass
            rows = [(line, list(values), ()) for line, values in enumerate(values_rows, 1)]
        else:  # a second pass shows which empty cells are formulas without a stored value
            formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            pairs = zip(values_rows, formulas[title].iter_rows(values_only=True), strict=False)
            for line, (values, written) in enumerate(pairs, start=1):
                unstored = tuple(
                    index
                    for index, (value, formula) in enumerate(zip(values, written, strict=False))
                    if value is None and _is_formula(formula)
                )
                rows.append((line, list(values), unstored))
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise UnreadableSheet(
            f"{file_name}: bukan berkas XLSX yang bisa dibaca ({error})",
            f"{file_name}: not a readable XLSX file ({error})",
        ) from None
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()
    _fill_merged(rows, merges)
    return _sheet_from_records(rows, file_name, kind)


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


def _is_formula(written: object) -> bool:
    if isinstance(written, str):
        return written.startswith("=")
    return written is not None and type(written).__name__ in {"ArrayFormula", "DataTableFormula"}


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


_MERGE_CELL = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)\""
)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _sheet_layout(data: bytes, title: str) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The merged ranges (min_col, min_row, max_col, max_row) of worksheet TITLE and whether it
    holds any formula, read from the sheet's XML text (a read-only workbook exposes neither)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
        sheet_id = next(
            (s.get(f"{_REL}id") for s in book.iter(f"{_MAIN}sheet") if s.get("name") == title),
            None,
        )
        target = targets.get(sheet_id)
        if not target:
            return [], True  # unknown layout: check every cell
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        xml = archive.read(posixpath.normpath(path))
    ranges: list[tuple[int, int, int, int]] = []
    for match in _MERGE_CELL.finditer(xml):
        low_col, low_row, high_col, high_row = range_boundaries(match.group(1).decode())
        assert low_col and low_row and high_col and high_row
        ranges.append((low_col, low_row, high_col, high_row))
    return ranges, _FORMULA.search(xml) is not None


def _fill_merged(
    rows: list[tuple[int, list[object], tuple[int, ...]]],
    merges: Sequence[tuple[int, int, int, int]],
) -> None:
    """Every cell of a merged range takes the value of its first (top-left) cell."""
    by_line = {line: values for line, values, _ in rows}
    for low_col, low_row, high_col, high_row in merges:
        first = by_line.get(low_row)
        if first is None or len(first) < low_col:
            continue
        value = first[low_col - 1]
        for line in range(low_row, high_row + 1):
            values = by_line.get(line)
            if values is None:
                continue
            if len(values) < high_col:
                values.extend([None] * (high_col - len(values)))
            for col in range(low_col, high_col + 1):
                if (line, col) != (low_row, low_col) and values[col - 1] is None:
                    values[col - 1] = value


def _typed(value: object) -> RawCell | None:
    """The value an XLSX cell gives when it is a number or a date (not text)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int | float | dt.date):
        return value
    return None


def _sheet_from_records(
    records: Sequence[tuple[int, Sequence[object], tuple[int, ...]]],
    file_name: str,
    kind: ImportKind | None,
) -> Sheet:
    """Header = the filled line among the first HEADER_SEARCH_ROWS naming the most known columns
    (the first filled line when none names two); lines above it and blank lines are skipped."""
    body = [
        (line, values, [_cell_text(v).strip() for v in values], unstored)
        for line, values, unstored in records
    ]
    _refuse_unstorable_text([(line, texts) for line, _, texts, _ in body], file_name)
    body = [item for item in body if any(item[2]) or item[3]]
    if not body:
        return Sheet((), (), file_name)
    position, best = 0, 1
    for index, (_, _, texts, _) in enumerate(body[:HEADER_SEARCH_ROWS]):
        score = header_score(kind, [normalise_header(t) for t in texts])
        if score > best:
            position, best = index, score
    header_line, _, header_cells, _ = body[position]
    columns = header_columns(kind, [normalise_header(cell) for cell in header_cells])
    while columns and not columns[-1]:
        columns.pop()
    rows: list[SheetRow] = []
    for line, values, cells, unstored in body[position + 1 :]:
        mapped: dict[str, str] = {}
        typed: dict[str, RawCell] = {}
        formula_columns: set[str] = set()
        for index, (column, cell) in enumerate(zip(columns, cells, strict=False)):
            if column and column not in mapped:
                mapped[column] = cell
                value = _typed(values[index])
                if value is not None:
                    typed[column] = value
                if index in unstored:
                    formula_columns.add(column)
        for index in unstored:
            if index < len(columns) and columns[index] and columns[index] not in mapped:
                formula_columns.add(columns[index])
        extra = sum(1 for cell in cells[len(columns) :] if cell)
        rows.append(SheetRow(line, mapped, extra, typed, frozenset(formula_columns)))
    header_text = " | ".join(cell for cell in header_cells if cell)
    return Sheet(tuple(c for c in columns if c), tuple(rows), file_name, header_line, header_text)


def write_sheet(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_name: str = "data",
    for_spreadsheet_program: bool = False,
) -> None:
    """Write a header row and ROWS as CSV (comma, UTF-8 with BOM for Excel) or XLSX by suffix.

    XLSX text is always stored as text. FOR_SPREADSHEET_PROGRAM (a CSV meant to be opened in
    Excel or LibreOffice, not read back by a program): a text cell starting with = + - @ or a
    tab/carriage return gets a leading apostrophe, which the spreadsheet shows as the text
    itself instead of running it as a formula.
    """
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
            texts = [_csv_text(cell) for cell in row]
            if for_spreadsheet_program:
                texts = ["'" + x if x.startswith(_FORMULA_STARTS) else x for x in texts]
            writer.writerow(texts)


#: What makes a spreadsheet program read a CSV cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_cell(worksheet: Any, value: Cell) -> Any:
    """VALUE for a write-only row; text starting with "=" kept as text, not made a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _csv_text(cell: Cell) -> str:
    """A cell as CSV text that `core.domain.values.read_number` reads back to the same value: a
    decimal dot before exactly three digits ("1.125") would read as thousands, so such a
    number gets a trailing zero ("1.1250")."""
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        text = repr(cell)
        whole, _, fraction = text.lstrip("-").partition(".")
        if len(fraction) == 3 and "e" not in text and whole != "0":
            text += "0"
        return text
    return str(cell)
