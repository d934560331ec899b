"""Spreadsheet imports (units, employees, ABK activities): validate every row, write all or none.

A `Sheet` is what db/spreadsheets.py reads from a CSV or XLSX file: text cells by column name, each
row with the line number a person sees in a spreadsheet program. Validation turns rows into core
dataclasses or into `ImportProblem`s naming line, column and what is wrong, in Indonesian and
English. `import_batch` validates one or more sheets together against the database and writes
only when no row of any sheet is wrong, and only the rows that differ from what is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from core.consistency import Finding, check_consistency, jabatan_key
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
from core.values import UnreadableValue, read_date, read_number

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

#: Other names the columns have in common SIMPEG / SIASN exports and ABK workbooks, after header
#: normalisation (lower case; spaces, dots, dashes, slashes and brackets become `_`). The
#: canonical name wins when a file has both; otherwise the first alias listed here.
COLUMN_ALIASES: Mapping[ImportKind, Mapping[str, tuple[str, ...]]] = {
    "units": {
        "kode": ("kode_unit", "kode_unor", "unor_id", "id_unor", "kd_unit", "kode_satker"),
        "nama": ("nama_unit", "nama_unor", "unor_nama", "unit_kerja", "nama_unit_kerja", "unor"),
        "opd": ("nama_opd", "perangkat_daerah", "skpd", "nama_skpd", "induk_unor", "opd_induk"),
        "lat": ("latitude", "lintang"),
        "lon": ("longitude", "lng", "bujur"),
        "keahlian_dibutuhkan": ("kompetensi_dibutuhkan", "keahlian"),
    },
    "employees": {
        "nip": ("nip_baru", "nip18", "nip_18", "nomor_induk_pegawai"),
        "nama": ("nama_lengkap", "nama_pegawai", "nama_asn", "nama_pns"),
        "status": ("status_pegawai", "jenis_pegawai", "status_asn", "jenis_asn"),
        "kode_unit": ("unor_id", "kode_unor", "id_unor", "kd_unit", "kode_unit_kerja", "unor"),
        "jabatan": ("jabatan_nama", "nama_jabatan", "jabatan_nama_lengkap"),
        "golongan": (
            "gol",
            "gol_ruang",
            "golongan_ruang",
            "golongan_akhir",
            "gol_akhir",
            "golongan_nama",
        ),
        "tmt_unit": ("tmt_unor", "tmt_unit_kerja", "tmt_penempatan"),
        "bup": ("batas_usia_pensiun", "usia_pensiun"),
        "keahlian": ("kompetensi",),
        "lat_rumah": ("latitude_rumah", "lintang_rumah"),
        "lon_rumah": ("longitude_rumah", "bujur_rumah"),
        "nip_pasangan": ("nip_suami_istri", "nip_suami_isteri"),
        "kunci": ("alasan_kunci", "status_kunci"),
    },
    "activities": {
        "kode_unit": ("unor_id", "kode_unor", "id_unor", "kd_unit", "unor"),
        "jabatan": ("jabatan_nama", "nama_jabatan"),
        "kegiatan": ("uraian_tugas", "uraian_kegiatan", "butir_kegiatan", "tugas"),
        "satuan_hasil": ("satuan", "satuan_output", "output"),
        "norma_waktu_menit": (
            "norma_waktu",
            "waktu_penyelesaian",
            "waktu_penyelesaian_menit",
            "waktu_penyelesaian_dalam_menit",
            "norma_waktu_dalam_menit",
        ),
        "volume_tahunan": (
            "volume",
            "volume_kerja",
            "beban_kerja",
            "beban_kerja_1_tahun",
            "volume_per_tahun",
            "target_tahunan",
        ),
    },
    "jabatan": {
        "jabatan": ("jabatan_nama", "nama_jabatan"),
        "jenis": ("jenis_jabatan",),
    },
}


def header_columns(kind: ImportKind | None, names: Sequence[str]) -> list[str]:
    """The canonical column names for a header row of normalised NAMES ("" where unknown kept
    as written), aliases of KIND resolved (of every kind when KIND is None; the kind whose
    columns match best wins). A canonical name already present is never taken by an alias."""
    kinds = [kind] if kind is not None else list(IMPORT_KINDS)
    best: list[str] = list(names)
    best_score = -1
    for candidate in kinds:
        mapped = _map_header(candidate, names)
        score = len(set(mapped) & set(COLUMNS[candidate]))
        if score > best_score:
            best, best_score = mapped, score
    return best


def _map_header(kind: ImportKind, names: Sequence[str]) -> list[str]:
    canonical = COLUMNS[kind]
    taken = {name for name in names if name in canonical}
    mapped: list[str] = []
    for name in names:
        if name in canonical:
            mapped.append(name)
            continue
        target = _alias_target(kind, name, taken)
        if target is not None:
            taken.add(target)
            mapped.append(target)
        else:
            mapped.append(name)
    return mapped


def _alias_target(kind: ImportKind, name: str, taken: set[str]) -> str | None:
    for column, aliases in COLUMN_ALIASES[kind].items():
        if name in aliases and column not in taken:
            return column
    return None


def header_score(kind: ImportKind | None, names: Sequence[str]) -> int:
    """How many known columns (of KIND, or of the best-matching kind) a row of NAMES holds."""
    kinds = [kind] if kind is not None else list(IMPORT_KINDS)
    return max(len(set(_map_header(k, names)) & set(COLUMNS[k])) for k in kinds)


def guess_kind(columns: Collection[str]) -> ImportKind | None:
    """The kind of file whose required columns COLUMNS (canonical) hold best; None if no kind
    has at least two of its required columns there."""
    scored = [(len(set(REQUIRED_COLUMNS[k]) & set(columns)), k) for k in IMPORT_KINDS]
    score, kind = max(scored, key=lambda pair: pair[0])
    return kind if score >= 2 else None


#: How many filled lines from the top are searched for the header row (below title rows).
HEADER_SEARCH_ROWS = 30

# Indonesia, with a margin: a point outside is almost always swapped or mistyped coordinates.
INDONESIA_LAT = (-11.5, 6.5)
INDONESIA_LON = (94.5, 141.5)
RETIREMENT_AGE_RANGE = (50, 70)
_PNS_GOLONGAN = re.compile(r"^(IV|III|II|I)\s*[/\-. ]?\s*([A-Ea-e])$")
_ROMAN = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Sheets and problems


#: A cell as a spreadsheet gives it: text, a number, or a date (XLSX date cells).
RawCell = str | int | float | dt.date


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: stripped text per (normalised) column, and where it is in the file.

    `values` holds the typed value of XLSX number and date cells (so 1.125 stays 1.125 and is
    never re-read from text); `formulas` names the columns whose cell is a formula with no
    value stored in the file.
    """

    line: int
    cells: Mapping[str, str]
    extra_cells: int = 0  # non-empty cells beyond the header's columns (a delimiter mix-up)
    values: Mapping[str, RawCell] = field(default_factory=dict)
    formulas: frozenset[str] = frozenset()

    def get(self, column: str) -> str:
        """The cell's text, or "" when the column is absent or the cell empty."""
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A table read from a file: its header columns and data rows; `source` names the file."""

    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    source: str = ""
    header_line: int | None = None  # the line taken as the header row (None: no such line)
    header_text: str = ""  # that row as written, for messages that name it


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with a file, located by line and column when it has a place."""

    line: int | None
    column: str | None
    message_id: str
    message_en: str
    kind: ImportKind | None = None
    source: str = ""  # the file, where the problem is reported apart from its file's heading

    def describe(self, language: Language = "id") -> str:
        """The problem as an operator reads it, e.g. "baris 4, kolom nip: ..."."""
        message = self.message_en if language == "en" else self.message_id
        place = [self.source] if self.source else []
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


class UnreadableFile(Exception):
    """A file that cannot be read as CSV or XLSX at all; the message says why (id and en)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en

    def describe(self, language: str = "id") -> str:
        """The reason in the operator's language."""
        return self.message_en if language == "en" else self.message_id


FORMULA_WITHOUT_VALUE_ID = (
    "sel berisi rumus tanpa nilai tersimpan: buka dan simpan ulang di Excel/LibreOffice, "
    "atau tempel sebagai nilai"
)
FORMULA_WITHOUT_VALUE_EN = (
    "the cell holds a formula with no stored value: open and save the file again in "
    "Excel/LibreOffice, or paste the values only"
)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Everything one import said: per-sheet outcomes, the cross-file consistency warnings
    (`core.consistency`, as problems located at the first line of the batch that shows them),
    and whether anything was written. With `strict`, a warning refuses the import."""

    outcomes: tuple[ImportOutcome, ...]
    warnings: tuple[ImportProblem, ...] = ()
    findings: tuple[Finding, ...] = ()
    strict: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        """True when no sheet had a problem (and, if strict, there was no warning)."""
        clean = all(outcome.ok for outcome in self.outcomes)
        return clean and not (self.strict and self.warnings)

    @property
    def refused_for_warnings(self) -> bool:
        """True when only the warnings, under `strict`, stopped the import."""
        return self.strict and bool(self.warnings) and all(o.ok for o in self.outcomes)


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
            if column in self.row.formulas:
                self.fail(column, FORMULA_WITHOUT_VALUE_ID, FORMULA_WITHOUT_VALUE_EN)
            elif required:
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

    def typed(
        self, column: str, parse: Callable[[RawCell], T], *, required: bool = True
    ) -> T | None:
        """Like `parsed`, but PARSE gets the XLSX cell's typed value when there is one."""
        if self.text(column, required=required) is None:
            return None
        value = self.row.values.get(column, self.row.get(column))
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


def parse_number(text: RawCell) -> float:
    """A number in any form of `core.values.read_number` ("1.250" = 1250, "12,5", "1.250,5")."""
    if isinstance(text, dt.date):
        raise _CellError(f"{text} bukan angka", f"{text} is not a number")
    try:
        return read_number(text)
    except UnreadableValue as error:
        raise _CellError(error.message_id, error.message_en) from None


def parse_whole_number(text: RawCell) -> int:
    """A whole number ("58", "58.0" from a spreadsheet)."""
    value = parse_number(text)
    if not value.is_integer():
        raise _CellError(f"{text!r} bukan bilangan bulat", f"{text!r} is not a whole number")
    return int(value)


def parse_date(text: RawCell) -> dt.date:
    """A date in any form of `core.values.read_date` (ISO, dd-mm-yyyy, dd/mm/yyyy,
    "1 Februari 2015", an Excel serial day number)."""
    try:
        return read_date(text)
    except UnreadableValue as error:
        raise _CellError(error.message_id, error.message_en) from None


#: The earlier name of `parse_date` (it now reads every accepted date form, not only ISO).
parse_iso_date = parse_date


def parse_skill_list(text: str) -> tuple[str, ...]:
    """A `;`-separated list of skills, lower-cased, without blanks or repeats, sorted."""
    return tuple(sorted({" ".join(part.split()).lower() for part in text.split(";")} - {""}))


def normalise_unit_code(text: str) -> str:
    """Unit codes are compared upper-case without surrounding spaces."""
    return "".join(text.split()).upper()


_NUMBER_WITH_EXPONENT = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
_NIP_AS_NUMBER_ID = (
    "NIP {shown} tersimpan sebagai angka, bukan teks; lembar kerja hanya menyimpan 15 digit "
    "angka, jadi digit terakhir NIP 18 digit tidak bisa dipercaya. Format kolom sebagai Teks "
    "lalu ketik ulang NIP-nya (atau awali dengan tanda ')"
)
_NIP_AS_NUMBER_EN = (
    "NIP {shown} was stored as a number, not text; a spreadsheet keeps only 15 digits of a "
    "number, so the last digits of an 18-digit NIP cannot be trusted. Format the column as "
    "Text and type the NIP again (or start it with ')"
)


def _nip_as_number(shown: str) -> _CellError:
    return _CellError(_NIP_AS_NUMBER_ID.format(shown=shown), _NIP_AS_NUMBER_EN.format(shown=shown))


def normalise_nip(text: RawCell) -> str:
    """A NIP without the spaces people put between its groups or a leading apostrophe.

    An XLSX whole-number cell keeps its digits as written in the file and is accepted; a
    fractional or scientific one (Excel's 1.99001012015031E+17) has lost digits and is refused,
    as is the same thing in CSV text (`1,99001E+17`).
    """
    if isinstance(text, bool | dt.date):
        raise _CellError(f"NIP {text} bukan NIP", f"NIP {text} is not a NIP")
    if isinstance(text, float):
        raise _nip_as_number(f"{text:.14E}".replace(".", ",", 1) if text >= 1e15 else str(text))
    if isinstance(text, int):
        return str(text)
    cleaned = "".join(text.split()).lstrip("'")
    if _NUMBER_WITH_EXPONENT.match(cleaned):
        raise _nip_as_number(text)
    return cleaned


def nip_lost_digits(nip: str, status: EmployeeStatus | None) -> _CellError | None:
    """A PNS NIP ending in 000 (no PNS sequence number is 000): the digits a spreadsheet cut
    off when the NIP was stored as a number and written out in full (199001012015031000)."""
    if status == "PNS" and len(nip) == 18 and nip.isdigit() and nip.endswith("000"):
        return _nip_as_number(nip)
    return None


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


def _coordinate(text: RawCell) -> float:
    if isinstance(text, dt.date):
        raise _CellError(f"{text} bukan angka", f"{text} is not a number")
    try:
        return read_number(text, grouping=False)
    except UnreadableValue as error:
        raise _CellError(error.message_id, error.message_en) from None


def _latitude(text: RawCell) -> float:
    value = _coordinate(text)
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


def _longitude(text: RawCell) -> float:
    value = _coordinate(text)
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


def _positive(text: RawCell) -> float:
    value = parse_number(text)
    if value <= 0:
        raise _CellError(f"harus lebih dari 0 (tertulis {text})", f"must be above 0 (got {text})")
    return value


def _not_negative(text: RawCell) -> float:
    value = parse_number(text)
    if value < 0:
        raise _CellError(
            f"tidak boleh negatif (tertulis {text})", f"must not be negative (got {text})"
        )
    return value


def _retirement_age(text: RawCell) -> int:
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
    """One problem per required column absent from the header row, and (when any is absent
    and the file has a header row) one naming the line taken as the header and what it holds."""
    present = set(sheet.columns)
    missing = tuple(
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
    if not missing or sheet.header_line is None:
        return missing
    shown = sheet.header_text if len(sheet.header_text) <= 120 else sheet.header_text[:119] + "…"
    header = ImportProblem(
        sheet.header_line,
        None,
        f"dibaca sebagai baris judul kolom: {shown} (judul kolom dicari di {HEADER_SEARCH_ROWS} "
        "baris teratas yang terisi; nama kolom dan aliasnya ada di docs/formats.md)",
        f"taken as the header row: {shown} (column titles are looked for in the top "
        f"{HEADER_SEARCH_ROWS} filled lines; column names and aliases are in docs/formats.md)",
        kind,
    )
    return (header, *missing)


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
        lat = reader.typed("lat", _latitude)
        lon = reader.typed("lon", _longitude)
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
        nip = reader.typed("nip", normalise_nip)
        if nip is not None:
            lost = nip_lost_digits(nip, status)
            try:
                parse_nip(nip, status or "PPPK")
            except InvalidNip as error:
                reader.fail("nip", error.message_id, error.message_en)
            else:
                if lost is not None:
                    reader.fail("nip", lost.message_id, lost.message_en)
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
        tmt_unit = reader.typed("tmt_unit", parse_date)
        retirement_age = reader.typed("bup", _retirement_age)
        skills = reader.parsed("keahlian", parse_skill_list, required=False) or ()
        home_lat = reader.typed("lat_rumah", _latitude, required=False)
        home_lon = reader.typed("lon_rumah", _longitude, required=False)
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
        spouse = reader.typed("nip_pasangan", normalise_nip, required=False)
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
        lock_until = reader.typed("kunci_sampai", parse_date, required=False)
        if lock_until is not None and lock is None and lock_kind is None:
            reader.fail(
                "kunci_sampai",
                "diisi, padahal jenis_kunci dan kunci kosong (kunci apa yang berakhir?)",
                "is filled although jenis_kunci and kunci are empty (which lock ends?)",
            )
        contract_end = reader.typed("akhir_kontrak", parse_date, required=False)
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
        minutes = reader.typed("norma_waktu_menit", _positive)
        volume = reader.typed("volume_tahunan", _not_negative)
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
    (`import_checked` also gives the consistency warnings.)
    """
    report = await import_checked(batch, uow_factory, actor=actor, now=now)
    return report.outcomes


async def import_checked(
    batch: ImportBatch,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """`import_batch` plus the cross-file consistency check on the data as it would stand.

    STRICT: any warning refuses the whole batch (nothing written). DRY_RUN: validate, count and
    check, then write nothing (the chat shows this before its confirm button).
    """
    async with uow_factory() as uow:
        outcomes = await _import_in(uow, batch, actor=actor, now=now)
        findings: tuple[Finding, ...] = ()
        warnings: tuple[ImportProblem, ...] = ()
        if all(outcome.ok for outcome in outcomes):
            findings = check_consistency(
                list(await uow.employees.list()), list(await uow.activities.list())
            )
            located = [_locate(finding, batch) for finding in findings]
            # What this batch's own rows show first, then what the stored data shows.
            warnings = tuple(sorted(located, key=lambda warning: warning.line is None))
        changed = any(o.counts.created or o.counts.updated for o in outcomes)
        clean = all(outcome.ok for outcome in outcomes) and not (strict and warnings)
        written = clean and changed and not dry_run
        if written:
            await uow.commit()
        else:
            await uow.rollback()
    return ImportReport(outcomes, warnings, findings, strict, written)


def _locate(finding: Finding, batch: ImportBatch) -> ImportProblem:
    """FINDING as a warning at the first line of the batch whose jabatan (and unit) shows it."""
    message_id, message_en = finding.message("id"), finding.message("en")
    for kind, sheet in batch.sheets():
        if kind == "units":
            continue
        for row in sheet.rows:
            written = " ".join(row.get("jabatan").split())
            if finding.kind == "variant" and written != finding.jabatan:
                continue
            if finding.kind != "variant" and jabatan_key(written) != jabatan_key(finding.jabatan):
                continue
            if finding.unit_code is not None and (
                normalise_unit_code(row.get("kode_unit")) != finding.unit_code
            ):
                continue
            return ImportProblem(
                row.line, "jabatan", message_id, message_en, kind, sheet.source or kind
            )
    return ImportProblem(None, None, message_id, message_en, None)


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


# --------------------------------------------------------------------------------------------
# The report people read (CLI and chat)

#: How many problems or warnings a report lists before "... and N more".
REPORT_LIMIT = 40


def describe_outcome(
    outcome: ImportOutcome, language: Language = "id", *, dry_run: bool = False, limit: int = 0
) -> str:
    """One line for a good sheet (counts), or a heading and one line per problem (all, or the
    first LIMIT when LIMIT > 0). DRY_RUN words the counts as what confirming would do."""
    en = language == "en"
    source = outcome.source or outcome.kind
    if outcome.ok:
        c = outcome.counts
        if dry_run:
            if en:
                return (
                    f"{source}: {c.created} to create, {c.updated} to update, "
                    f"{c.unchanged} unchanged"
                )
            return (
                f"{source}: {c.created} akan dibuat, {c.updated} akan diperbarui, "
                f"{c.unchanged} tidak berubah"
            )
        if en:
            return f"{source}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
        return f"{source}: {c.created} dibuat, {c.updated} diperbarui, {c.unchanged} tidak berubah"
    count = len(outcome.problems)
    if en:
        heading = (
            f"{source}: {count} problem{'s' if count != 1 else ''} found; nothing was changed. "
            "Fix these and import the file again:"
        )
    else:
        heading = (
            f"{source}: ditemukan {count} masalah; tidak ada data yang diubah. "
            "Perbaiki lalu impor ulang berkasnya:"
        )
    return "\n".join([heading, *_listed(outcome.problems, language, limit)])


def _listed(problems: Sequence[ImportProblem], language: Language, limit: int) -> list[str]:
    shown = problems if limit <= 0 else problems[:limit]
    lines = [f"  {p.describe(language)}" for p in shown]
    if len(problems) > len(shown):
        rest = len(problems) - len(shown)
        lines.append(f"  ... and {rest} more" if language == "en" else f"  ... dan {rest} lainnya")
    return lines


def describe_warnings(report: ImportReport, language: Language = "id", *, limit: int = 0) -> str:
    """The consistency warnings: a count by kind, then one line each ("" when there are none)."""
    if not report.warnings:
        return ""
    en = language == "en"
    kinds = {"variant": 0, "no_abk": 0, "no_staff": 0}
    for finding in report.findings:
        kinds[finding.kind] += 1
    if en:
        heading = (
            f"Warnings: {len(report.warnings)} ({kinds['variant']} jabatan written differently, "
            f"{kinds['no_abk']} unit-jabatan with staff but no ABK, {kinds['no_staff']} with "
            "ABK but no staff)"
        )
    else:
        heading = (
            f"Peringatan: {len(report.warnings)} ({kinds['variant']} jabatan beda tulis, "
            f"{kinds['no_abk']} unit-jabatan berpegawai tanpa ABK, {kinds['no_staff']} ber-ABK "
            "tanpa pegawai)"
        )
    lines = [heading, *_listed(report.warnings, language, limit)]
    if report.refused_for_warnings:
        lines.append(
            "Refused because of --strict: nothing was changed."
            if en
            else "Ditolak karena --strict (mode ketat): tidak ada data yang diubah."
        )
    return "\n".join(lines)


def describe_report(
    report: ImportReport, language: Language = "id", *, dry_run: bool = False, limit: int = 0
) -> str:
    """The whole report: each sheet's line (or its problems), then the warnings."""
    parts = [describe_outcome(o, language, dry_run=dry_run, limit=limit) for o in report.outcomes]
    warnings = describe_warnings(report, language, limit=limit)
    return "\n".join([*parts, warnings] if warnings else parts)
