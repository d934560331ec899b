"""Spreadsheet imports (units, employees, ABK activities): validate every row, write all or none.

A `Sheet` is what db/spreadsheets.py reads from a CSV or XLSX file: text cells by column name, each
row with the line number a person sees in a spreadsheet program. Validation turns rows into core
dataclasses or into `ImportProblem`s naming line, column and what is wrong, in Indonesian and
English. `import_batch` validates one or more sheets together against the database and writes
only when no row of any sheet is wrong, and only the rows that differ from what is stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from core.domain import Activity, AuditEvent, Employee, EmployeeStatus, Unit
from core.eligibility import (
    JENIS,
    LOCK_KINDS,
    SKP_RATINGS,
    JabatanInfo,
    catalogue_by_key,
    catalogue_key,
)
from core.nip import InvalidNip, parse_nip
from core.ports import UnitOfWork, UnitOfWorkFactory

ImportKind = Literal["units", "employees", "activities", "jabatan"]
Language = Literal["id", "en"]
Cell = str | int | float
T = TypeVar("T")
K = TypeVar("K")

IMPORT_KINDS: tuple[ImportKind, ...] = ("units", "employees", "activities", "jabatan")

UNIT_COLUMNS: tuple[str, ...] = (
    "kode", "nama", "opd", "lat", "lon", "keahlian_dibutuhkan", "daerah_khusus", "kepala_nip",
)  # fmt: skip
EMPLOYEE_COLUMNS: tuple[str, ...] = (
    "nip", "nama", "status", "kode_unit", "jabatan", "golongan", "tmt_unit", "bup",
    "keahlian", "lat_rumah", "lon_rumah", "nip_pasangan", "kunci",
    "jenis_kunci", "kunci_sampai", "akhir_kontrak", "skp_1", "skp_2", "mapel",
)  # fmt: skip
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "kode_unit", "jabatan", "kegiatan", "satuan_hasil", "norma_waktu_menit", "volume_tahunan",
    "mapel",
)  # fmt: skip
JABATAN_COLUMNS: tuple[str, ...] = ("jabatan", "jenis", "butuh_sip", "masa_minimal_bulan")

#: Columns a file must have in its header row; the others may be left out entirely.
REQUIRED_COLUMNS: Mapping[ImportKind, tuple[str, ...]] = {
    "units": ("kode", "nama", "opd", "lat", "lon"),
    "employees": (
        "nip",
        "nama",
        "status",
        "kode_unit",
        "jabatan",
        "golongan",
        "tmt_unit",
        "bup",
    ),  # fmt: skip
    "activities": ACTIVITY_COLUMNS[:6],
    "jabatan": ("jabatan", "jenis"),
}
COLUMNS: Mapping[ImportKind, tuple[str, ...]] = {
    "units": UNIT_COLUMNS,
    "employees": EMPLOYEE_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "jabatan": JABATAN_COLUMNS,
}

# Indonesia, with a margin: a point outside is almost always swapped or mistyped coordinates.
INDONESIA_LAT = (-11.5, 6.5)
INDONESIA_LON = (94.5, 141.5)
RETIREMENT_AGE_RANGE = (50, 70)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PNS_GOLONGAN = re.compile(r"^(IV|III|II|I)\s*[/\-. ]?\s*([A-Ea-e])$")
_ROMAN = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Sheets and problems


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: stripped text per (normalised) column, and where it is in the file."""

    line: int
    cells: Mapping[str, str]
    extra_cells: int = 0  # non-empty cells beyond the header's columns (a delimiter mix-up)

    def get(self, column: str) -> str:
        """The cell's text, or "" when the column is absent or the cell empty."""
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A table read from a file: its header columns and data rows; `source` names the file."""

    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with a file, located by line and column when it has a place."""

    line: int | None
    column: str | None
    message_id: str
    message_en: str
    kind: ImportKind | None = None

    def describe(self, language: Language = "id") -> str:
        """The problem as an operator reads it, e.g. "baris 4, kolom nip: ..."."""
        message = self.message_en if language == "en" else self.message_id
        place = []
        if self.line is not None:
            place.append(f"line {self.line}" if language == "en" else f"baris {self.line}")
        if self.column is not None:
            place.append(f"column {self.column}" if language == "en" else f"kolom {self.column}")
        return f"{', '.join(place)}: {message}" if place else message


@dataclass(frozen=True, slots=True)
class Validated(Generic[T]):
    """What validating a sheet gave: the good items (in file order) and every problem found."""

    items: tuple[T, ...]
    problems: tuple[ImportProblem, ...]


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """How many rows an import created, updated, and found already equal."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """The result of importing one sheet; with problems, nothing of the whole batch was written."""

    kind: ImportKind
    source: str
    counts: ImportCounts
    problems: tuple[ImportProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the sheet had no problem."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Sheets imported together in one transaction; unit codes of `units` count as known."""

    units: Sheet | None = None
    employees: Sheet | None = None
    activities: Sheet | None = None
    jabatan: Sheet | None = None

    def sheets(self) -> list[tuple[ImportKind, Sheet]]:
        """The sheets present, in dependency order (units before the rest)."""
        found: list[tuple[ImportKind, Sheet | None]] = [
            ("units", self.units),
            ("employees", self.employees),
            ("activities", self.activities),
            ("jabatan", self.jabatan),
        ]
        return [(kind, sheet) for kind, sheet in found if sheet is not None]


class _CellError(Exception):
    """A cell that cannot be read; carries both languages."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en


@dataclass(slots=True)
class _RowReader:
    """Reads the cells of one row, collecting a problem per bad cell instead of stopping."""

    row: SheetRow
    kind: ImportKind
    problems: list[ImportProblem] = field(default_factory=list)

    def fail(self, column: str | None, message_id: str, message_en: str) -> None:
        problem = ImportProblem(self.row.line, column, message_id, message_en, self.kind)
        self.problems.append(problem)

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = " ".join(self.row.get(column).split())
        if not value:
            if required:
                self.fail(column, "wajib diisi, tetapi kosong", "is required but empty")
            return None
        return value

    def parsed(self, column: str, parse: Callable[[str], T], *, required: bool = True) -> T | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except _CellError as error:
            self.fail(column, error.message_id, error.message_en)
            return None

    @property
    def clean(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------------------------
# Cell parsers


def parse_number(text: str) -> float:
    """A number as people type it: "1.5", "1,5" (Indonesian decimal comma), "-7.25"."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise _CellError(f"{text!r} bukan angka", f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _CellError(f"{text!r} bukan angka", f"{text!r} is not a number")
    return value


def parse_whole_number(text: str) -> int:
    """A whole number ("58", "58.0" from a spreadsheet)."""
    value = parse_number(text)
    if not value.is_integer():
        raise _CellError(f"{text!r} bukan bilangan bulat", f"{text!r} is not a whole number")
    return int(value)


def parse_iso_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD (what the files use, whatever the locale)."""
    match = _DATE.match(text.strip())
    if not match:
        raise _CellError(
            f"{text!r} bukan tanggal (format YYYY-MM-DD)",
            f"{text!r} is not a date (format YYYY-MM-DD)",
        )
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise _CellError(
            f"tanggal {text} tidak ada di kalender", f"{text} is not a real calendar date"
        ) from None


def parse_skill_list(text: str) -> tuple[str, ...]:
    """A `;`-separated list of skills, lower-cased, without blanks or repeats, sorted."""
    return tuple(sorted({" ".join(part.split()).lower() for part in text.split(";")} - {""}))


def normalise_unit_code(text: str) -> str:
    """Unit codes are compared upper-case without surrounding spaces."""
    return "".join(text.split()).upper()


_NUMBER_WITH_EXPONENT = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")


def normalise_nip(text: str) -> str:
    """A NIP without the spaces people put between its groups or a leading apostrophe."""
    cleaned = "".join(text.split()).lstrip("'")
    if _NUMBER_WITH_EXPONENT.match(cleaned):
        raise _CellError(
            f"NIP {text} tersimpan sebagai angka sehingga digit terakhirnya hilang; "
            "format kolom sebagai Teks lalu ketik ulang NIP-nya",
            f"NIP {text} was stored as a number and lost its last digits; format the column "
            "as Text and type the NIP again",
        )
    return cleaned


def parse_status(text: str) -> EmployeeStatus:
    """PNS, PPPK or CPNS, in any case."""
    value = text.strip().upper()
    if value == "PNS":
        return "PNS"
    if value == "PPPK":
        return "PPPK"
    if value == "CPNS":
        return "CPNS"
    raise _CellError(
        f"status {text!r} tidak dikenal (harus PNS, PPPK atau CPNS)",
        f"status {text!r} is unknown (must be PNS, PPPK or CPNS)",
    )


def _one_of(choices: Sequence[str], what_id: str, what_en: str) -> Callable[[str], str]:
    """A parser accepting one of CHOICES (case and spacing ignored), returning its spelling."""
    by_key = {" ".join(c.lower().replace("_", " ").split()): c for c in choices}

    def parse(text: str) -> str:
        found = by_key.get(" ".join(text.lower().replace("_", " ").split()))
        if found is None:
            listed = ", ".join(choices)
            raise _CellError(
                f"{what_id} {text!r} tidak dikenal (pilih: {listed})",
                f"{what_en} {text!r} is unknown (one of: {listed})",
            )
        return found

    return parse


def parse_yes_no(text: str) -> bool:
    """ya/tidak (also yes/no, 1/0, true/false)."""
    value = text.strip().lower()
    if value in ("ya", "y", "yes", "1", "true", "benar"):
        return True
    if value in ("tidak", "t", "no", "n", "0", "false", "salah"):
        return False
    raise _CellError(f"{text!r} harus ya atau tidak", f"{text!r} must be ya (yes) or tidak (no)")


def _months(text: str) -> int:
    value = parse_whole_number(text)
    if not 0 <= value <= 600:
        raise _CellError(
            f"{value} bulan tidak wajar (0 sampai 600)",
            f"{value} months is implausible (0 to 600)",
        )
    return value


def parse_golongan(text: str, status: EmployeeStatus | None) -> str:
    """A grade: I/a ... IV/e for PNS (written "III/a", "III a", "IIIa"), I ... XVII for PPPK."""
    raw = text.strip()
    if status != "PPPK":
        match = _PNS_GOLONGAN.match(raw.upper())
        if match:
            group, letter = match.group(1), match.group(2).lower()
            if letter <= ("e" if group == "IV" else "d"):
                return f"{group}/{letter}"
        if status == "PNS":
            raise _CellError(
                f"golongan {text!r} tidak dikenal untuk PNS (I/a sampai IV/e)",
                f"grade {text!r} is unknown for PNS (I/a to IV/e)",
            )
    upper = raw.upper()
    if upper in _ROMAN:
        return upper
    if upper.isdigit() and 1 <= int(upper) <= len(_ROMAN):
        return _ROMAN[int(upper) - 1]
    raise _CellError(
        f"golongan {text!r} tidak dikenal untuk PPPK (I sampai XVII)",
        f"grade {text!r} is unknown for PPPK (I to XVII)",
    )


def _golongan_for(status: EmployeeStatus | None) -> Callable[[str], str]:
    return lambda text: parse_golongan(text, status)


def _latitude(text: str) -> float:
    value = parse_number(text)
    if not -90 <= value <= 90:
        raise _CellError(
            f"lintang {text} di luar rentang -90 sampai 90",
            f"latitude {text} is outside -90 to 90",
        )
    low, high = INDONESIA_LAT
    if not low <= value <= high:
        raise _CellError(
            f"lintang {text} di luar wilayah Indonesia ({low} sampai {high}); "
            "tertukar dengan bujur?",
            f"latitude {text} is outside Indonesia ({low} to {high}); swapped with longitude?",
        )
    return value


def _longitude(text: str) -> float:
    value = parse_number(text)
    if not -180 <= value <= 180:
        raise _CellError(
            f"bujur {text} di luar rentang -180 sampai 180",
            f"longitude {text} is outside -180 to 180",
        )
    low, high = INDONESIA_LON
    if not low <= value <= high:
        raise _CellError(
            f"bujur {text} di luar wilayah Indonesia ({low} sampai {high}); "
            "tertukar dengan lintang?",
            f"longitude {text} is outside Indonesia ({low} to {high}); swapped with latitude?",
        )
    return value


def _positive(text: str) -> float:
    value = parse_number(text)
    if value <= 0:
        raise _CellError(f"harus lebih dari 0 (tertulis {text})", f"must be above 0 (got {text})")
    return value


def _not_negative(text: str) -> float:
    value = parse_number(text)
    if value < 0:
        raise _CellError(
            f"tidak boleh negatif (tertulis {text})", f"must not be negative (got {text})"
        )
    return value


def _retirement_age(text: str) -> int:
    value = parse_whole_number(text)
    low, high = RETIREMENT_AGE_RANGE
    if not low <= value <= high:
        raise _CellError(
            f"batas usia pensiun {value} tidak wajar (harus {low} sampai {high})",
            f"retirement age {value} is implausible (must be {low} to {high})",
        )
    return value


_LOCK_KIND = _one_of(LOCK_KINDS, "jenis kunci", "lock kind")
_SKP = _one_of(SKP_RATINGS, "predikat SKP", "SKP rating")


# --------------------------------------------------------------------------------------------
# Sheet validation (pure)


def missing_columns(kind: ImportKind, sheet: Sheet) -> tuple[ImportProblem, ...]:
    """One problem per required column absent from the header row."""
    present = set(sheet.columns)
    return tuple(
        ImportProblem(
            None,
            column,
            "kolom wajib ini tidak ada di baris judul",
            "this required column is missing from the header row",
            kind,
        )
        for column in REQUIRED_COLUMNS[kind]
        if column not in present
    )


def _sheet_level_problems(kind: ImportKind, sheet: Sheet) -> list[ImportProblem]:
    problems = list(missing_columns(kind, sheet))
    if not sheet.rows and not problems:
        problems.append(
            ImportProblem(
                None, None, "berkas tidak berisi baris data", "the file has no data rows", kind
            )
        )
    return problems


def _extra_cells(reader: _RowReader) -> None:
    if reader.row.extra_cells:
        reader.fail(
            None,
            f"ada {reader.row.extra_cells} sel terisi di luar kolom judul "
            "(pemisah kolom atau koma desimal tertukar?)",
            f"{reader.row.extra_cells} filled cells lie beyond the header's columns "
            "(column separator or decimal comma mixed up?)",
        )


def validate_units(sheet: Sheet) -> Validated[Unit]:
    """Units from a `units` sheet, or a problem for every bad cell and repeated code."""
    problems = _sheet_level_problems("units", sheet)
    if any(p.line is None for p in problems):
        return Validated((), tuple(problems))
    items: list[Unit] = []
    first_line: dict[str, int] = {}
    for row in sheet.rows:
        reader = _RowReader(row, "units")
        _extra_cells(reader)
        code = reader.parsed("kode", normalise_unit_code)
        if code is not None and code in first_line:
            reader.fail(
                "kode",
                f"kode unit {code} sudah dipakai di baris {first_line[code]}",
                f"unit code {code} already appears on line {first_line[code]}",
            )
        elif code is not None:
            first_line[code] = row.line
        name = reader.text("nama")
        opd = reader.text("opd")
        lat = reader.parsed("lat", _latitude)
        lon = reader.parsed("lon", _longitude)
        skills = reader.parsed("keahlian_dibutuhkan", parse_skill_list, required=False) or ()
        special = reader.parsed("daerah_khusus", parse_yes_no, required=False) or False
        head = reader.parsed("kepala_nip", normalise_nip, required=False)
        problems.extend(reader.problems)
        if reader.clean:
            assert code and name and opd and lat is not None and lon is not None
            items.append(Unit(code, name, opd, lat, lon, skills, special, head))
    return Validated(tuple(items), tuple(problems))


def validate_employees(
    sheet: Sheet,
    known_unit_codes: Collection[str],
    known_nips: Collection[str],
) -> Validated[Employee]:
    """Employees from an `employees` sheet, checked against known unit codes and NIPs."""
    problems = _sheet_level_problems("employees", sheet)
    if any(p.line is None for p in problems):
        return Validated((), tuple(problems))
    file_nips = {"".join(row.get("nip").split()).lstrip("'") for row in sheet.rows}
    items: list[Employee] = []
    first_line: dict[str, int] = {}
    for row in sheet.rows:
        reader = _RowReader(row, "employees")
        _extra_cells(reader)
        status = reader.parsed("status", parse_status)
        nip = reader.parsed("nip", normalise_nip)
        if nip is not None:
            try:
                parse_nip(nip, status or "PPPK")
            except InvalidNip as error:
                reader.fail("nip", error.message_id, error.message_en)
            else:
                if nip in first_line:
                    reader.fail(
                        "nip",
                        f"NIP {nip} sudah dipakai di baris {first_line[nip]}",
                        f"NIP {nip} already appears on line {first_line[nip]}",
                    )
                else:
                    first_line[nip] = row.line
        name = reader.text("nama")
        unit_code = reader.parsed("kode_unit", normalise_unit_code)
        if unit_code is not None and unit_code not in known_unit_codes:
            reader.fail(
                "kode_unit",
                f"unit {unit_code} tidak dikenal (tidak ada di data unit)",
                f"unit {unit_code} is unknown (not in the units data)",
            )
        jabatan = reader.text("jabatan")
        golongan = reader.parsed("golongan", _golongan_for(status))
        tmt_unit = reader.parsed("tmt_unit", parse_iso_date)
        retirement_age = reader.parsed("bup", _retirement_age)
        skills = reader.parsed("keahlian", parse_skill_list, required=False) or ()
        home_lat = reader.parsed("lat_rumah", _latitude, required=False)
        home_lon = reader.parsed("lon_rumah", _longitude, required=False)
        for given, other, other_column in (
            (row.get("lat_rumah"), row.get("lon_rumah"), "lon_rumah"),
            (row.get("lon_rumah"), row.get("lat_rumah"), "lat_rumah"),
        ):
            if given and not other:
                reader.fail(
                    other_column,
                    "kosong, padahal pasangan koordinatnya diisi",
                    "is empty although the other coordinate is filled",
                )
        spouse = reader.parsed("nip_pasangan", normalise_nip, required=False)
        if spouse is not None:
            if spouse == nip:
                reader.fail(
                    "nip_pasangan",
                    "sama dengan NIP pegawai itu sendiri",
                    "is the employee's own NIP",
                )
            elif spouse not in file_nips and spouse not in known_nips:
                reader.fail(
                    "nip_pasangan",
                    f"NIP pasangan {spouse} tidak ada di berkas ini maupun di database",
                    f"spouse NIP {spouse} is neither in this file nor in the database",
                )
        lock = reader.text("kunci", required=False)
        lock_kind = reader.parsed("jenis_kunci", _LOCK_KIND, required=False)
        lock_until = reader.parsed("kunci_sampai", parse_iso_date, required=False)
        if lock_until is not None and lock is None and lock_kind is None:
            reader.fail(
                "kunci_sampai",
                "diisi, padahal jenis_kunci dan kunci kosong (kunci apa yang berakhir?)",
                "is filled although jenis_kunci and kunci are empty (which lock ends?)",
            )
        contract_end = reader.parsed("akhir_kontrak", parse_iso_date, required=False)
        if contract_end is not None and status not in (None, "PPPK"):
            reader.fail(
                "akhir_kontrak",
                "hanya untuk PPPK (status pegawai ini bukan PPPK)",
                "is for PPPK only (this employee's status is not PPPK)",
            )
        skp_1 = reader.parsed("skp_1", _SKP, required=False)
        skp_2 = reader.parsed("skp_2", _SKP, required=False)
        mapel = reader.text("mapel", required=False)
        problems.extend(reader.problems)
        if reader.clean:
            assert nip and name and status and unit_code and jabatan and golongan
            assert tmt_unit is not None and retirement_age is not None
            items.append(
                Employee(
                    nip=nip,
                    name=name,
                    status=status,
                    unit_code=unit_code,
                    jabatan=jabatan,
                    golongan=golongan,
                    tmt_unit=tmt_unit,
                    retirement_age=retirement_age,
                    skills=skills,
                    home_lat=home_lat,
                    home_lon=home_lon,
                    spouse_nip=spouse,
                    lock_reason=lock,
                    lock_kind=lock_kind,
                    lock_until=lock_until,
                    contract_end=contract_end,
                    skp_1=skp_1,
                    skp_2=skp_2,
                    mapel=mapel.lower() if mapel else None,
                )
            )
    return Validated(tuple(items), tuple(problems))


def validate_activities(sheet: Sheet, known_unit_codes: Collection[str]) -> Validated[Activity]:
    """ABK activities from an `activities` sheet, checked against known unit codes."""
    problems = _sheet_level_problems("activities", sheet)
    if any(p.line is None for p in problems):
        return Validated((), tuple(problems))
    items: list[Activity] = []
    first_line: dict[tuple[str, str, str], int] = {}
    for row in sheet.rows:
        reader = _RowReader(row, "activities")
        _extra_cells(reader)
        unit_code = reader.parsed("kode_unit", normalise_unit_code)
        if unit_code is not None and unit_code not in known_unit_codes:
            reader.fail(
                "kode_unit",
                f"unit {unit_code} tidak dikenal (tidak ada di data unit)",
                f"unit {unit_code} is unknown (not in the units data)",
            )
        jabatan = reader.text("jabatan")
        name = reader.text("kegiatan")
        if unit_code and jabatan and name:
            key = (unit_code, jabatan, name)
            if key in first_line:
                reader.fail(
                    "kegiatan",
                    f"kegiatan ini untuk unit dan jabatan yang sama sudah ada di baris "
                    f"{first_line[key]}",
                    f"this activity of the same unit and jabatan already appears on line "
                    f"{first_line[key]}",
                )
            else:
                first_line[key] = row.line
        output_unit = reader.text("satuan_hasil")
        minutes = reader.parsed("norma_waktu_menit", _positive)
        volume = reader.parsed("volume_tahunan", _not_negative)
        mapel = reader.text("mapel", required=False)
        problems.extend(reader.problems)
        if reader.clean:
            assert unit_code and jabatan and name and output_unit
            assert minutes is not None and volume is not None
            items.append(
                Activity(
                    unit_code,
                    jabatan,
                    name,
                    output_unit,
                    minutes,
                    volume,
                    mapel.lower() if mapel else None,
                )  # fmt: skip
            )
    return Validated(tuple(items), tuple(problems))


def validate_jabatan(sheet: Sheet) -> Validated[JabatanInfo]:
    """The jabatan catalogue from a `jabatan` sheet (one row per jabatan name)."""
    problems = _sheet_level_problems("jabatan", sheet)
    if any(p.line is None for p in problems):
        return Validated((), tuple(problems))
    items: list[JabatanInfo] = []
    first_line: dict[str, int] = {}
    for row in sheet.rows:
        reader = _RowReader(row, "jabatan")
        _extra_cells(reader)
        name = reader.text("jabatan")
        if name is not None and catalogue_key(name) in first_line:
            reader.fail(
                "jabatan",
                f"jabatan ini sudah ada di baris {first_line[catalogue_key(name)]}",
                f"this jabatan already appears on line {first_line[catalogue_key(name)]}",
            )
        elif name is not None:
            first_line[catalogue_key(name)] = row.line
        jenis = reader.parsed("jenis", _one_of(JENIS, "jenis", "jenis"))
        sip = reader.parsed("butuh_sip", parse_yes_no, required=False) or False
        months = reader.parsed("masa_minimal_bulan", _months, required=False)
        problems.extend(reader.problems)
        if reader.clean:
            assert name and jenis
            items.append(JabatanInfo(name, jenis, sip, months))  # type: ignore[arg-type]
    return Validated(tuple(items), tuple(problems))


# --------------------------------------------------------------------------------------------
# Rows for writing files (the inverse of validation)


def _number_cell(value: float) -> Cell:
    return int(value) if float(value).is_integer() else float(value)


def unit_cells(unit: Unit) -> tuple[Cell, ...]:
    """A unit as a `units` row, in UNIT_COLUMNS order."""
    return (
        unit.code, unit.name, unit.opd, unit.lat, unit.lon, ";".join(unit.skills_needed),
        "ya" if unit.daerah_khusus else "", unit.head_nip or "",
    )  # fmt: skip


def employee_cells(employee: Employee) -> tuple[Cell, ...]:
    """An employee as an `employees` row, in EMPLOYEE_COLUMNS order."""
    return (
        employee.nip,
        employee.name,
        employee.status,
        employee.unit_code,
        employee.jabatan,
        employee.golongan,
        employee.tmt_unit.isoformat(),
        employee.retirement_age,
        ";".join(employee.skills),
        "" if employee.home_lat is None else employee.home_lat,
        "" if employee.home_lon is None else employee.home_lon,
        employee.spouse_nip or "",
        employee.lock_reason or "",
        employee.lock_kind or "",
        employee.lock_until.isoformat() if employee.lock_until else "",
        employee.contract_end.isoformat() if employee.contract_end else "",
        employee.skp_1 or "",
        employee.skp_2 or "",
        employee.mapel or "",
    )


def activity_cells(activity: Activity) -> tuple[Cell, ...]:
    """An ABK activity as an `activities` row, in ACTIVITY_COLUMNS order."""
    return (
        activity.unit_code,
        activity.jabatan,
        activity.name,
        activity.output_unit,
        _number_cell(activity.minutes_per_output),
        _number_cell(activity.annual_volume),
        activity.mapel or "",
    )


def jabatan_cells(row: JabatanInfo) -> tuple[Cell, ...]:
    """A catalogue row as a `jabatan` row, in JABATAN_COLUMNS order."""
    months = "" if row.min_tenure_months is None else row.min_tenure_months
    return (row.jabatan, row.jenis, "ya" if row.needs_sip else "tidak", months)


# --------------------------------------------------------------------------------------------
# The import use case


def _normalised_unit(unit: Unit) -> Unit:
    return Unit(
        unit.code, unit.name, unit.opd, unit.lat, unit.lon,
        tuple(sorted(set(unit.skills_needed))), unit.daerah_khusus, unit.head_nip or None,
    )  # fmt: skip


def _normalised_employee(employee: Employee) -> Employee:
    return Employee(
        nip=employee.nip,
        name=employee.name,
        status=employee.status,
        unit_code=employee.unit_code,
        jabatan=employee.jabatan,
        golongan=employee.golongan,
        tmt_unit=employee.tmt_unit,
        retirement_age=employee.retirement_age,
        skills=tuple(sorted(set(employee.skills))),
        home_lat=employee.home_lat,
        home_lon=employee.home_lon,
        spouse_nip=employee.spouse_nip or None,
        lock_reason=employee.lock_reason or None,
        lock_kind=employee.lock_kind,
        lock_until=employee.lock_until,
        contract_end=employee.contract_end,
        skp_1=employee.skp_1,
        skp_2=employee.skp_2,
        mapel=employee.mapel or None,
    )


def _count_changes(
    items: Iterable[T], stored: Mapping[K, T], key: Callable[[T], K]
) -> tuple[list[T], ImportCounts]:
    """The items that differ from what is stored, and the created/updated/unchanged counts."""
    changed: list[T] = []
    created = updated = unchanged = 0
    for item in items:
        before = stored.get(key(item))
        if before is None:
            created += 1
            changed.append(item)
        elif before == item:
            unchanged += 1
        else:
            updated += 1
            changed.append(item)
    return changed, ImportCounts(created, updated, unchanged)


def _activity_key(activity: Activity) -> tuple[str, str, str]:
    return (activity.unit_code, activity.jabatan, activity.name)


async def import_batch(
    batch: ImportBatch,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[ImportOutcome, ...]:
    """Validate every sheet of BATCH; if none has a problem, write the rows that changed.

    All or nothing across the whole batch: with any problem, nothing is written and every
    outcome lists its sheet's problems. One audit event per sheet that changed something.
    """
    async with uow_factory() as uow:
        outcomes = await _import_in(uow, batch, actor=actor, now=now)
        if all(outcome.ok for outcome in outcomes) and any(
            o.counts.created or o.counts.updated for o in outcomes
        ):
            await uow.commit()
        else:
            await uow.rollback()
    return outcomes


async def import_sheet(
    kind: ImportKind,
    sheet: Sheet,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
) -> ImportOutcome:
    """Import one sheet of KIND (all or nothing); see `import_batch`."""
    batch = ImportBatch(**{kind: sheet})
    (outcome,) = await import_batch(batch, uow_factory, actor=actor, now=now)
    return outcome


def _nips_mentioned(sheet: Sheet) -> set[str]:
    """Every NIP a sheet names (its rows' and their spouses'), normalised as validation does;
    the stored employees among them are all an import needs to read."""
    cells = (row.get(column) for row in sheet.rows for column in ("nip", "nip_pasangan"))
    return {nip for nip in ("".join(cell.split()).lstrip("'") for cell in cells) if nip}


async def _import_in(
    uow: UnitOfWork, batch: ImportBatch, *, actor: str, now: dt.datetime
) -> tuple[ImportOutcome, ...]:
    stored_units = {u.code: _normalised_unit(u) for u in await uow.units.list()}
    known_units: set[str] = set(stored_units)
    units: Validated[Unit] | None = None
    employees: Validated[Employee] | None = None
    activities: Validated[Activity] | None = None
    stored_employees: dict[str, Employee] = {}
    stored_activities: dict[tuple[str, str, str], Activity] = {}
    if batch.units is not None:
        units = validate_units(batch.units)
        known_units |= {u.code for u in units.items}
        # A code on a bad row is still "known" so its staff are not reported twice.
        known_units |= {normalise_unit_code(r.get("kode")) for r in batch.units.rows}
    if batch.employees is not None:
        wanted = _nips_mentioned(batch.employees)
        found = await uow.employees.get_many(wanted)
        stored_employees = {nip: _normalised_employee(e) for nip, e in found.items()}
        employees = validate_employees(batch.employees, known_units, set(stored_employees))
    if batch.activities is not None:
        stored_activities = {_activity_key(a): a for a in await uow.activities.list()}
        activities = validate_activities(batch.activities, known_units)
    catalogue: Validated[JabatanInfo] | None = None
    stored_catalogue: dict[str, JabatanInfo] = {}
    if batch.jabatan is not None:
        stored_catalogue = catalogue_by_key(await uow.jabatan.list())
        catalogue = validate_jabatan(batch.jabatan)

    validated: list[tuple[ImportKind, Sheet, Validated[Any]]] = []
    for kind, sheet in batch.sheets():
        result: Validated[Any] | None = {
            "units": units,
            "employees": employees,
            "activities": activities,
            "jabatan": catalogue,
        }[kind]
        assert result is not None
        validated.append((kind, sheet, result))
    if any(result.problems for _, _, result in validated):
        return tuple(
            ImportOutcome(kind, sheet.source, ImportCounts(), result.problems)
            for kind, sheet, result in validated
        )

    outcomes: list[ImportOutcome] = []
    if units is not None and batch.units is not None:
        changed_units, counts = _count_changes(units.items, stored_units, lambda u: u.code)
        await uow.units.upsert_many(changed_units)
        outcomes.append(ImportOutcome("units", batch.units.source, counts))
    if employees is not None and batch.employees is not None:
        changed_people, counts = _count_changes(employees.items, stored_employees, lambda e: e.nip)
        await uow.employees.upsert_many(changed_people)
        outcomes.append(ImportOutcome("employees", batch.employees.source, counts))
    if activities is not None and batch.activities is not None:
        changed_activities, counts = _count_changes(
            activities.items, stored_activities, _activity_key
        )
        await uow.activities.upsert_many(changed_activities)
        outcomes.append(ImportOutcome("activities", batch.activities.source, counts))
    if catalogue is not None and batch.jabatan is not None:
        changed_rows, counts = _count_changes(
            catalogue.items, stored_catalogue, lambda r: catalogue_key(r.jabatan)
        )
        await uow.jabatan.upsert_many(changed_rows)
        outcomes.append(ImportOutcome("jabatan", batch.jabatan.source, counts))
    for outcome in outcomes:
        if outcome.counts.created or outcome.counts.updated:
            await uow.audit.add(
                AuditEvent(
                    actor=actor,
                    action=f"import.{outcome.kind}",
                    subject=f"import:{outcome.kind}",
                    at=now,
                    after={
                        "source": outcome.source,
                        "created": outcome.counts.created,
                        "updated": outcome.counts.updated,
                        "unchanged": outcome.counts.unchanged,
                    },
                )
            )
    return tuple(outcomes)


def problems_of(outcomes: Sequence[ImportOutcome]) -> tuple[ImportProblem, ...]:
    """Every problem of a batch, in sheet order."""
    return tuple(problem for outcome in outcomes for problem in outcome.problems)
