"""Validation of the three import files: every kind of bad cell, by line and column, id and en."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.domain import Activity, Employee, Unit
from core.usecases.importing.cells import parse_golongan
from core.usecases.importing.columns import ACTIVITY_COLUMNS, EMPLOYEE_COLUMNS, UNIT_COLUMNS
from core.usecases.importing.sheets import ImportProblem, Sheet, SheetRow
from core.usecases.importing.validation import (
    validate_activities,
    validate_employees,
    validate_units,
)
from core.usecases.importing.writing import activity_cells, employee_cells, unit_cells
from db.spreadsheets import UnreadableSheet, read_sheet, read_sheet_bytes, write_sheet

GOOD_NIP = "199001012015031001"
OTHER_NIP = "198805052012122002"
PPPK_NIP = "199203142021210007"  # birth date, 2021, code 21, sequence: no month to check


def make_sheet(columns: Sequence[str], *rows: Sequence[str]) -> Sheet:
    """A sheet as a file would give it: header on line 1, data from line 2."""
    return Sheet(
        tuple(columns),
        tuple(
            # trailing optional cells left empty, as a spreadsheet writes them
            SheetRow(
                line, dict(zip(columns, [*row, *[""] * (len(columns) - len(row))], strict=True))
            )
            for line, row in enumerate(rows, start=2)
        ),
        "test.csv",
    )


def employee_row(**changes: str) -> list[str]:
    """A valid employee row in EMPLOYEE_COLUMNS order, with some cells changed."""
    values = {
        "nip": GOOD_NIP,
        "nama": "Sri Wahyuni, S.Pd.",
        "status": "PNS",
        "kode_unit": "SD-1",
        "jabatan": "Guru Ahli Pertama",
        "golongan": "III/a",
        "tmt_unit": "2020-07-01",
        "bup": "60",
        "keahlian": "matematika; IPA",
        "lat_rumah": "-7.3",
        "lon_rumah": "110.1",
        "nip_pasangan": "",
        "kunci": "",
    }
    values.update(changes)
    return [values.get(c, "") for c in EMPLOYEE_COLUMNS]


def described(problems: Sequence[ImportProblem], language: str = "id") -> list[str]:
    return [p.describe("en" if language == "en" else "id") for p in problems]


def employees(*rows: list[str], known_nips: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """(problems in Indonesian, problems in English) for an employees sheet of ROWS."""
    result = validate_employees(make_sheet(EMPLOYEE_COLUMNS, *rows), {"SD-1", "SD-2"}, known_nips)
    return described(result.problems), described(result.problems, "en")


# ---------------------------------------------------------------------------- good rows


def test_a_good_employee_row_becomes_an_employee_with_sorted_lower_case_skills() -> None:
    result = validate_employees(make_sheet(EMPLOYEE_COLUMNS, employee_row()), {"SD-1"}, ())
    assert result.problems == ()
    assert result.items == (
        Employee(
            nip=GOOD_NIP, name="Sri Wahyuni, S.Pd.", status="PNS", unit_code="SD-1",
            jabatan="Guru Ahli Pertama", golongan="III/a", tmt_unit=dt.date(2020, 7, 1),
            retirement_age=60, skills=("ipa", "matematika"), home_lat=-7.3, home_lon=110.1,
        ),
    )  # fmt: skip


def test_a_good_unit_row_becomes_a_unit_and_codes_are_upper_cased() -> None:
    sheet = make_sheet(
        UNIT_COLUMNS,
        ["pkm-1 ", "Puskesmas Satu", "Dinas Kesehatan", "-7,25", "110.5", "gizi;farmasi"],
    )
    result = validate_units(sheet)
    assert result.problems == ()
    assert result.items == (
        Unit("PKM-1", "Puskesmas Satu", "Dinas Kesehatan", -7.25, 110.5, ("farmasi", "gizi")),
    )


def test_units_file_may_leave_out_the_optional_skills_column() -> None:
    columns = ("kode", "nama", "opd", "lat", "lon")
    result = validate_units(make_sheet(columns, ["SD-1", "SD Negeri 1", "Disdik", "-7", "110"]))
    assert result.problems == ()
    assert result.items[0].skills_needed == ()


def test_pppk_nip_is_checked_without_an_appointment_month() -> None:
    ok, _ = employees(employee_row(nip=PPPK_NIP, status="PPPK", golongan="IX"))
    assert ok == []
    as_pns, _ = employees(employee_row(nip=PPPK_NIP, status="PNS"))
    assert as_pns == ["baris 2, kolom nip: bulan pengangkatan CPNS 21 tidak valid"]


def test_nip_written_with_spaces_between_groups_is_accepted() -> None:
    result = validate_employees(
        make_sheet(EMPLOYEE_COLUMNS, employee_row(nip="19900101 201503 1 001")), {"SD-1"}, ()
    )
    assert result.problems == ()
    assert result.items[0].nip == GOOD_NIP


@pytest.mark.parametrize(
    ("written", "status", "stored"),
    [("III/a", "PNS", "III/a"), ("iii a", "PNS", "III/a"), ("IVe", "PNS", "IV/e"),
     ("IX", "PPPK", "IX"), ("9", "PPPK", "IX")],
)  # fmt: skip
def test_grades_are_read_as_people_write_them(written: str, status: str, stored: str) -> None:
    assert parse_golongan(written, status) == stored  # type: ignore[arg-type]


# ----------------------------------------------------------------------- each bad cell


def test_impossible_birth_date_in_a_nip_is_named_by_line_and_column() -> None:
    problems, english = employees(
        employee_row(nip="199001012015031002"),
        employee_row(nip="198805052012122002"),
        employee_row(nip="199013012015031001"),
    )
    assert problems == ["baris 4, kolom nip: tanggal lahir 19901301 tidak valid"]
    assert english == ["line 4, column nip: birth date 19901301 is not a valid date"]


def test_text_in_a_date_column_says_the_expected_format() -> None:
    problems, english = employees(employee_row(tmt_unit="kemarin"))
    assert problems == [
        "baris 2, kolom tmt_unit: 'kemarin' bukan tanggal (tulis mis. 2015-02-01, 01-02-2015, "
        "01/02/2015 atau 1 Februari 2015)"
    ]
    assert english == [
        "line 2, column tmt_unit: 'kemarin' is not a date (write e.g. 2015-02-01, 01-02-2015, "
        "01/02/2015 or 1 Februari 2015)"
    ]


def test_a_date_that_is_not_on_the_calendar_is_refused() -> None:
    problems, _ = employees(employee_row(tmt_unit="2023-02-30"))
    assert problems == ["baris 2, kolom tmt_unit: tanggal 2023-02-30 tidak ada di kalender"]


def test_unknown_unit_code_is_refused() -> None:
    problems, english = employees(employee_row(kode_unit="SD-99"))
    assert problems == [
        "baris 2, kolom kode_unit: unit SD-99 tidak dikenal (tidak ada di data unit)"
    ]
    assert english == ["line 2, column kode_unit: unit SD-99 is unknown (not in the units data)"]


def test_text_in_a_number_column_is_refused() -> None:
    problems, _ = employees(employee_row(bup="lima puluh delapan"))
    assert problems == ["baris 2, kolom bup: 'lima puluh delapan' bukan angka"]


def test_implausible_retirement_age_and_fractional_age_are_refused() -> None:
    problems, _ = employees(employee_row(bup="45"), employee_row(nip=OTHER_NIP, bup="58.5"))
    assert problems == [
        "baris 2, kolom bup: batas usia pensiun 45 tidak wajar (harus 50 sampai 70)",
        "baris 3, kolom bup: '58.5' bukan bilangan bulat",
    ]


def test_unknown_status_is_refused() -> None:
    problems, _ = employees(employee_row(status="honorer"))
    assert problems == [
        "baris 2, kolom status: status 'honorer' tidak dikenal (harus PNS, PPPK atau CPNS)"
    ]


def test_unknown_grade_is_refused() -> None:
    problems, _ = employees(employee_row(golongan="III/f"))
    assert problems == [
        "baris 2, kolom golongan: golongan 'III/f' tidak dikenal untuk PNS (I/a sampai IV/e)"
    ]


def test_coordinates_outside_their_range_or_outside_indonesia_are_refused() -> None:
    problems, _ = employees(
        employee_row(lat_rumah="-95", lon_rumah="110"),
        employee_row(nip=OTHER_NIP, lat_rumah="110.1", lon_rumah="-7.3"),
    )
    assert problems == [
        "baris 2, kolom lat_rumah: lintang -95 di luar rentang -90 sampai 90",
        "baris 3, kolom lat_rumah: lintang 110.1 di luar rentang -90 sampai 90",
        "baris 3, kolom lon_rumah: bujur -7.3 di luar wilayah Indonesia (94.5 sampai 141.5); "
        "tertukar dengan lintang?",
    ]


def test_half_filled_home_coordinates_are_refused() -> None:
    problems, _ = employees(employee_row(lon_rumah=""))
    assert problems == ["baris 2, kolom lon_rumah: kosong, padahal pasangan koordinatnya diisi"]


def test_empty_required_cell_is_refused() -> None:
    problems, english = employees(employee_row(nama="  "))
    assert problems == ["baris 2, kolom nama: wajib diisi, tetapi kosong"]
    assert english == ["line 2, column nama: is required but empty"]


def test_repeated_nip_is_reported_on_its_second_line() -> None:
    problems, _ = employees(employee_row(), employee_row(nama="Orang Lain"))
    assert problems == [f"baris 3, kolom nip: NIP {GOOD_NIP} sudah dipakai di baris 2"]


def test_spouse_must_be_in_the_file_or_in_the_database() -> None:
    missing, _ = employees(employee_row(nip_pasangan=OTHER_NIP))
    assert missing == [
        f"baris 2, kolom nip_pasangan: NIP pasangan {OTHER_NIP} tidak ada di berkas ini "
        "maupun di database"
    ]
    in_file, _ = employees(
        employee_row(nip_pasangan=OTHER_NIP), employee_row(nip=OTHER_NIP, nip_pasangan=GOOD_NIP)
    )
    assert in_file == []
    in_database, _ = employees(employee_row(nip_pasangan=OTHER_NIP), known_nips=[OTHER_NIP])
    assert in_database == []


def test_missing_required_columns_are_reported_once_per_column_not_per_row() -> None:
    columns = [c for c in EMPLOYEE_COLUMNS if c not in ("bup", "tmt_unit")]
    rows = [[v for c, v in zip(EMPLOYEE_COLUMNS, employee_row(), strict=True) if c in columns]] * 5
    result = validate_employees(make_sheet(columns, *rows), {"SD-1"}, ())
    assert described(result.problems) == [
        "kolom tmt_unit: kolom wajib ini tidak ada di baris judul",
        "kolom bup: kolom wajib ini tidak ada di baris judul",
    ]
    assert result.items == ()


def test_every_bad_row_is_reported_not_only_the_first() -> None:
    problems, _ = employees(
        employee_row(nip="199013012015031001"),
        employee_row(nip=OTHER_NIP, kode_unit="SD-9"),
        employee_row(nip="197001012000031001", tmt_unit="kemarin", status="X"),
    )
    assert [p.split(":")[0] for p in problems] == [
        "baris 2, kolom nip",
        "baris 3, kolom kode_unit",
        "baris 4, kolom status",
        "baris 4, kolom tmt_unit",
    ]


def test_duplicate_unit_code_and_bad_coordinates_in_units_file() -> None:
    sheet = make_sheet(
        UNIT_COLUMNS,
        ["SD-1", "SD Negeri 1", "Disdik", "-7.1", "110.2", ""],
        ["sd-1", "SD Negeri 1 lagi", "Disdik", "utara", "110.2", ""],
    )
    assert described(validate_units(sheet).problems) == [
        "baris 3, kolom kode: kode unit SD-1 sudah dipakai di baris 2",
        "baris 3, kolom lat: 'utara' bukan angka",
    ]


def test_activity_numbers_unknown_units_and_repeats_are_refused() -> None:
    good = ["SD-1", "Guru Ahli Pertama", "Mengajar", "jam", "40", "1200"]
    sheet = make_sheet(
        ACTIVITY_COLUMNS,
        good,
        ["SD-1", "Guru Ahli Pertama", "Menilai", "lembar", "0", "-3"],
        ["SD-7", "Guru Ahli Pertama", "Mengajar", "jam", "empat puluh", "10"],
        good,
    )
    result = validate_activities(sheet, {"SD-1"})
    assert described(result.problems) == [
        "baris 3, kolom norma_waktu_menit: harus lebih dari 0 (tertulis 0)",
        "baris 3, kolom volume_tahunan: tidak boleh negatif (tertulis -3)",
        "baris 4, kolom kode_unit: unit SD-7 tidak dikenal (tidak ada di data unit)",
        "baris 4, kolom norma_waktu_menit: 'empat puluh' bukan angka",
        "baris 5, kolom kegiatan: kegiatan ini untuk unit dan jabatan yang sama sudah ada di "
        "baris 2",
    ]
    assert result.items == (Activity("SD-1", "Guru Ahli Pertama", "Mengajar", "jam", 40, 1200),)


def test_a_file_without_data_rows_is_a_problem() -> None:
    result = validate_units(make_sheet(UNIT_COLUMNS))
    assert described(result.problems) == ["berkas tidak berisi baris data"]


# ----------------------------------------------------------------------- files


def test_semicolon_csv_with_lists_in_cells_reads_like_comma_csv(tmp_path: Path) -> None:
    semicolon = tmp_path / "units_semicolon.csv"
    semicolon.write_text(
        "kode;nama;opd;lat;lon;keahlian_dibutuhkan\n"
        'PKM-1;Puskesmas Satu;Dinas Kesehatan;-7,25;110,5;"gizi;farmasi"\n',
        encoding="utf-8",
    )
    comma = tmp_path / "units_comma.csv"
    comma.write_text(
        "\ufeffKode,Nama,OPD,Lat,Lon,Keahlian Dibutuhkan\n"
        "PKM-1,Puskesmas Satu,Dinas Kesehatan,-7.25,110.5,gizi;farmasi\n",
        encoding="utf-8",
    )
    first, second = validate_units(read_sheet(semicolon)), validate_units(read_sheet(comma))
    assert first.problems == second.problems == ()
    assert first.items == second.items
    assert first.items[0].skills_needed == ("farmasi", "gizi")


def test_blank_rows_are_skipped_but_line_numbers_stay_those_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "kode,nama,opd,lat,lon\n,,,,\nSD-1,SD Negeri 1,Disdik,-7,110\n\nSD-2,,Disdik,-7,110\n",
        encoding="utf-8",
    )
    assert described(validate_units(read_sheet(path)).problems) == [
        "baris 5, kolom nama: wajib diisi, tetapi kosong"
    ]


def test_cells_beyond_the_header_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("kode,nama,opd,lat,lon\nSD-1,SD Negeri 1,Disdik,-7,25,110\n", encoding="utf-8")
    problems = described(validate_units(read_sheet(path)).problems)
    assert problems[0].startswith("baris 2: ada 1 sel terisi di luar kolom judul")


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes("kode,nama\nSD-1,Sekolah Dasar Caf\xe9\n".encode("latin-1"))
    with pytest.raises(UnreadableSheet, match="baris 2 bukan teks UTF-8"):
        read_sheet(path)


def test_an_unknown_file_type_is_refused() -> None:
    with pytest.raises(UnreadableSheet, match="tidak didukung"):
        read_sheet_bytes(b"kode\n", "units.ods")


def test_written_rows_read_back_to_the_same_values_in_csv_and_xlsx(tmp_path: Path) -> None:
    unit = Unit("SD-1", "SD Negeri 1 Karangrejo", "Dinas Pendidikan", -7.312345, 110.1, ("ipa",))
    person = Employee(
        nip=GOOD_NIP, name="Sri Wahyuni, S.Pd.", status="PNS", unit_code="SD-1",
        jabatan="Guru Ahli Pertama", golongan="III/a", tmt_unit=dt.date(2020, 7, 1),
        retirement_age=60, skills=("ipa", "matematika"), home_lat=-7.3, home_lon=110.1,
        spouse_nip=None, lock_reason="tugas belajar",
    )  # fmt: skip
    activity = Activity("SD-1", "Guru Ahli Pertama", "Mengajar", "jam", 40.0, 1250.5)
    for suffix in ("csv", "xlsx"):
        write_sheet(tmp_path / f"u.{suffix}", UNIT_COLUMNS, [unit_cells(unit)])
        write_sheet(tmp_path / f"e.{suffix}", EMPLOYEE_COLUMNS, [employee_cells(person)])
        write_sheet(tmp_path / f"a.{suffix}", ACTIVITY_COLUMNS, [activity_cells(activity)])
        units = validate_units(read_sheet(tmp_path / f"u.{suffix}"))
        people = validate_employees(read_sheet(tmp_path / f"e.{suffix}"), {"SD-1"}, ())
        activities = validate_activities(read_sheet(tmp_path / f"a.{suffix}"), {"SD-1"})
        assert (units.items, people.items, activities.items) == ((unit,), (person,), (activity,))
        assert units.problems == people.problems == activities.problems == ()


def test_xlsx_dates_are_read_and_a_nip_stored_as_a_number_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(EMPLOYEE_COLUMNS))
    row: list[object] = list(employee_row())
    row[0] = int(GOOD_NIP)
    row[6] = dt.datetime(2020, 7, 1)
    row[7] = 60
    sheet.append(row)
    path = tmp_path / "employees.xlsx"
    workbook.save(path)
    result = validate_employees(read_sheet(path), {"SD-1"}, ())
    # Excel keeps 15 significant digits: the NIP's last digits are gone, and the operator is told.
    assert described(result.problems) == [
        "baris 2, kolom nip: NIP 1,99001012015031E+17 tersimpan sebagai angka, bukan teks; "
        "lembar kerja hanya menyimpan 15 digit angka, jadi digit terakhir NIP 18 digit tidak "
        "bisa dipercaya. Format kolom sebagai Teks lalu ketik ulang NIP-nya (atau awali dengan "
        "tanda ')"
    ]
    row[0] = GOOD_NIP
    sheet.append(row)
    workbook.save(path)
    result = validate_employees(read_sheet(path), {"SD-1"}, ())
    assert [p.line for p in result.problems] == [2]
    assert (result.items[0].nip, result.items[0].tmt_unit) == (GOOD_NIP, dt.date(2020, 7, 1))
