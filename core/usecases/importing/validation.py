"""Sheet validation (pure): a sheet's rows to core dataclasses, or a problem per bad cell."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeVar

from core.domain import Activity, Employee, Unit
from core.domain.eligibility import JabatanInfo, catalogue_key
from core.domain.nip import InvalidNip, parse_nip
from core.usecases.importing.cells import (
    CellError,
    nip_lost_digits,
    normalise_nip,
    normalise_unit_code,
    parse_date,
    parse_golongan_for,
    parse_jenis,
    parse_latitude,
    parse_lock_kind,
    parse_longitude,
    parse_months,
    parse_not_negative,
    parse_positive,
    parse_retirement_age,
    parse_skill_list,
    parse_skp,
    parse_status,
    parse_yes_no,
)
from core.usecases.importing.columns import HEADER_SEARCH_ROWS, REQUIRED_COLUMNS, ImportKind
from core.usecases.importing.sheets import ImportProblem, RawCell, Sheet, SheetRow, Validated

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

FORMULA_WITHOUT_VALUE_ID = (
    "sel berisi rumus tanpa nilai tersimpan: buka dan simpan ulang di Excel/LibreOffice, "
    "atau tempel sebagai nilai"
)
FORMULA_WITHOUT_VALUE_EN = (
    "the cell holds a formula with no stored value: open and save the file again in "
    "Excel/LibreOffice, or paste the values only"
)


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
        """PARSE of the cell's text (spaces collapsed); None, with a problem, when the cell is
        empty and REQUIRED, or PARSE refuses it."""
        value = self.text(column, required=required)
        return None if value is None else self._read(column, parse, value)

    def typed(
        self, column: str, parse: Callable[[RawCell], T], *, required: bool = True
    ) -> T | None:
        """Like `parsed`, but PARSE gets the XLSX cell's typed value when there is one."""
        if self.text(column, required=required) is None:
            return None
        return self._read(column, parse, self.row.values.get(column, self.row.get(column)))

    def _read(self, column: str, parse: Callable[[V], T], value: V) -> T | None:
        try:
            return parse(value)
        except CellError as error:
            self.fail(column, error.message_id, error.message_en)
            return None

    def once(
        self, seen: dict[K, int], key: K, column: str, said: Callable[[int], tuple[str, str]]
    ) -> None:
        """Fail COLUMN when KEY is in SEEN, an earlier line's (SAID(that line) is the message
        in Indonesian and English); otherwise remember this row's line for KEY."""
        if key in seen:
            self.fail(column, *said(seen[key]))
        else:
            seen[key] = self.row.line

    def known_unit(self, known_unit_codes: Collection[str]) -> str | None:
        """The row's `kode_unit`, failing it when the code is not among KNOWN_UNIT_CODES."""
        unit_code = self.parsed("kode_unit", normalise_unit_code)
        if unit_code is not None and unit_code not in known_unit_codes:
            self.fail(
                "kode_unit",
                f"unit {unit_code} tidak dikenal (tidak ada di data unit)",
                f"unit {unit_code} is unknown (not in the units data)",
            )
        return unit_code

    @property
    def clean(self) -> bool:
        return not self.problems


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


def _validate(
    kind: ImportKind, sheet: Sheet, read: Callable[[_RowReader], T | None]
) -> Validated[T]:
    """The items READ makes of the rows of SHEET (a row READ fails gives None and its
    problems), after the sheet-level checks (required columns, any data rows)."""
    problems = _sheet_level_problems(kind, sheet)
    if any(p.line is None for p in problems):
        return Validated((), tuple(problems))
    items: list[T] = []
    for row in sheet.rows:
        reader = _RowReader(row, kind)
        _extra_cells(reader)
        item = read(reader)
        problems.extend(reader.problems)
        if item is not None:
            items.append(item)
    return Validated(tuple(items), tuple(problems))


def validate_units(sheet: Sheet) -> Validated[Unit]:
    """Units from a `units` sheet, or a problem for every bad cell and repeated code."""
    first_line: dict[str, int] = {}

    def read(reader: _RowReader) -> Unit | None:
        code = reader.parsed("kode", normalise_unit_code)
        if code is not None:
            reader.once(
                first_line,
                code,
                "kode",
                lambda line: (
                    f"kode unit {code} sudah dipakai di baris {line}",
                    f"unit code {code} already appears on line {line}",
                ),
            )
        name = reader.text("nama")
        opd = reader.text("opd")
        lat = reader.typed("lat", parse_latitude)
        lon = reader.typed("lon", parse_longitude)
        skills = reader.parsed("keahlian_dibutuhkan", parse_skill_list, required=False) or ()
        special = reader.parsed("daerah_khusus", parse_yes_no, required=False) or False
        head = reader.parsed("kepala_nip", normalise_nip, required=False)
        if not reader.clean:
            return None
        assert code and name and opd and lat is not None and lon is not None
        return Unit(code, name, opd, lat, lon, skills, special, head)

    return _validate("units", sheet, read)


def validate_employees(
    sheet: Sheet,
    known_unit_codes: Collection[str],
    known_nips: Collection[str],
) -> Validated[Employee]:
    """Employees from an `employees` sheet, checked against known unit codes and NIPs."""
    file_nips = {"".join(row.get("nip").split()).lstrip("'") for row in sheet.rows}
    first_line: dict[str, int] = {}

    def read(reader: _RowReader) -> Employee | None:
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
                reader.once(
                    first_line,
                    nip,
                    "nip",
                    lambda line: (
                        f"NIP {nip} sudah dipakai di baris {line}",
                        f"NIP {nip} already appears on line {line}",
                    ),
                )
        name = reader.text("nama")
        unit_code = reader.known_unit(known_unit_codes)
        jabatan = reader.text("jabatan")
        golongan = reader.parsed("golongan", parse_golongan_for(status))
        tmt_unit = reader.typed("tmt_unit", parse_date)
        retirement_age = reader.typed("bup", parse_retirement_age)
        skills = reader.parsed("keahlian", parse_skill_list, required=False) or ()
        home_lat = reader.typed("lat_rumah", parse_latitude, required=False)
        home_lon = reader.typed("lon_rumah", parse_longitude, required=False)
        for given, other, other_column in (
            (reader.row.get("lat_rumah"), reader.row.get("lon_rumah"), "lon_rumah"),
            (reader.row.get("lon_rumah"), reader.row.get("lat_rumah"), "lat_rumah"),
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
        lock_kind = reader.parsed("jenis_kunci", parse_lock_kind, required=False)
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
        skp_1 = reader.parsed("skp_1", parse_skp, required=False)
        skp_2 = reader.parsed("skp_2", parse_skp, required=False)
        mapel = reader.text("mapel", required=False)
        if not reader.clean:
            return None
        assert nip and name and status and unit_code and jabatan and golongan
        assert tmt_unit is not None and retirement_age is not None
        return Employee(
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

    return _validate("employees", sheet, read)


def validate_activities(sheet: Sheet, known_unit_codes: Collection[str]) -> Validated[Activity]:
    """ABK activities from an `activities` sheet, checked against known unit codes."""
    first_line: dict[tuple[str, str, str], int] = {}

    def read(reader: _RowReader) -> Activity | None:
        unit_code = reader.known_unit(known_unit_codes)
        jabatan = reader.text("jabatan")
        name = reader.text("kegiatan")
        if unit_code and jabatan and name:
            reader.once(
                first_line,
                (unit_code, jabatan, name),
                "kegiatan",
                lambda line: (
                    f"kegiatan ini untuk unit dan jabatan yang sama sudah ada di baris {line}",
                    f"this activity of the same unit and jabatan already appears on line {line}",
                ),
            )
        output_unit = reader.text("satuan_hasil")
        minutes = reader.typed("norma_waktu_menit", parse_positive)
        volume = reader.typed("volume_tahunan", parse_not_negative)
        mapel = reader.text("mapel", required=False)
        if not reader.clean:
            return None
        assert unit_code and jabatan and name and output_unit
        assert minutes is not None and volume is not None
        return Activity(
            unit_code,
            jabatan,
            name,
            output_unit,
            minutes,
            volume,
            mapel.lower() if mapel else None,
        )  # fmt: skip

    return _validate("activities", sheet, read)


def validate_jabatan(sheet: Sheet) -> Validated[JabatanInfo]:
    """The jabatan catalogue from a `jabatan` sheet (one row per jabatan name)."""
    first_line: dict[str, int] = {}

    def read(reader: _RowReader) -> JabatanInfo | None:
        name = reader.text("jabatan")
        if name is not None:
            reader.once(
                first_line,
                catalogue_key(name),
                "jabatan",
                lambda line: (
                    f"jabatan ini sudah ada di baris {line}",
                    f"this jabatan already appears on line {line}",
                ),
            )
        jenis = reader.parsed("jenis", parse_jenis)
        sip = reader.parsed("butuh_sip", parse_yes_no, required=False) or False
        months = reader.parsed("masa_minimal_bulan", parse_months, required=False)
        if not reader.clean:
            return None
        assert name and jenis
        return JabatanInfo(name, jenis, sip, months)  # type: ignore[arg-type]

    return _validate("jabatan", sheet, read)
