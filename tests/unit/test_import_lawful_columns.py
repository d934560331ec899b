"""Issue 15 columns: dated locks, CPNS, PPPK contract end, SKP, mapel, daerah khusus, heads and
the jabatan catalogue — good rows become values, bad cells are named by line and column."""

from __future__ import annotations

import datetime as dt

from core.usecases.importing.columns import (
    ACTIVITY_COLUMNS,
    EMPLOYEE_COLUMNS,
    JABATAN_COLUMNS,
    UNIT_COLUMNS,
)
from core.usecases.importing.validation import (
    validate_activities,
    validate_employees,
    validate_jabatan,
    validate_units,
)
from core.usecases.importing.writing import (
    activity_cells,
    employee_cells,
    jabatan_cells,
    unit_cells,
)
from tests.unit.test_importing import (
    GOOD_NIP,
    PPPK_NIP,
    described,
    employee_row,
    employees,
    make_sheet,
)


def test_dated_lock_contract_end_skp_and_mapel_are_read() -> None:
    row = employee_row(
        nip=PPPK_NIP, status="pppk", golongan="IX", kunci="pemeriksaan inspektorat",
        jenis_kunci="Proses Hukum", kunci_sampai="2027-03-01", akhir_kontrak="2028-12-31",
        skp_1="baik", skp_2="Sangat  baik", mapel="Matematika",
    )  # fmt: skip
    result = validate_employees(make_sheet(EMPLOYEE_COLUMNS, row), {"SD-1"}, ())
    assert result.problems == ()
    (person,) = result.items
    assert (person.lock_reason, person.lock_kind, person.lock_until) == (
        "pemeriksaan inspektorat",
        "proses_hukum",
        dt.date(2027, 3, 1),
    )
    assert person.contract_end == dt.date(2028, 12, 31)
    assert (person.skp_1, person.skp_2, person.mapel) == ("Baik", "Sangat Baik", "matematika")
    # written back the way it was read
    again = validate_employees(
        make_sheet(EMPLOYEE_COLUMNS, [str(c) for c in employee_cells(person)]), {"SD-1"}, ()
    )
    assert again.items == (person,)


def test_cpns_is_a_status_with_a_pns_nip() -> None:
    result = validate_employees(
        make_sheet(EMPLOYEE_COLUMNS, employee_row(status="CPNS")), {"SD-1"}, ()
    )
    assert result.problems == ()
    assert result.items[0].status == "CPNS"


def test_bad_lock_kind_skp_contract_and_lone_lock_end_are_named() -> None:
    problems, english = employees(
        employee_row(jenis_kunci="cuti panjang"),
        employee_row(nip="198805052012122002", skp_1="Cukup"),
        employee_row(nip="198805052012122003", akhir_kontrak="2030-01-01"),
        employee_row(nip="198805052012122004", kunci_sampai="2027-01-01"),
    )
    assert problems == [
        "baris 2, kolom jenis_kunci: jenis kunci 'cuti panjang' tidak dikenal (pilih: disiplin, "
        "proses_hukum, tugas_belajar, ikatan_dinas, cltn, lainnya)",
        "baris 3, kolom skp_1: predikat SKP 'Cukup' tidak dikenal (pilih: Sangat Baik, Baik, "
        "Butuh Perbaikan, Kurang, Sangat Kurang)",
        "baris 4, kolom akhir_kontrak: hanya untuk PPPK (status pegawai ini bukan PPPK)",
        "baris 5, kolom kunci_sampai: diisi, padahal jenis_kunci dan kunci kosong "
        "(kunci apa yang berakhir?)",
    ]
    assert (
        english[2]
        == "line 4, column akhir_kontrak: is for PPPK only (this employee's status is not PPPK)"
    )


def test_units_read_daerah_khusus_and_the_head() -> None:
    sheet = make_sheet(
        UNIT_COLUMNS,
        ["SD-9", "SD Negeri 9 Pulau", "Disdik", "-7", "110", "", "ya", f"'{GOOD_NIP}"],
        ["SD-8", "SD Negeri 8", "Disdik", "-7", "110", "", "", ""],
        ["SD-7", "SD Negeri 7", "Disdik", "-7", "110", "", "mungkin", ""],
    )
    result = validate_units(sheet)
    assert described(result.problems) == [
        "baris 4, kolom daerah_khusus: 'mungkin' harus ya atau tidak"
    ]
    special, plain = result.items
    assert (special.daerah_khusus, special.head_nip) == (True, GOOD_NIP)
    assert (plain.daerah_khusus, plain.head_nip) == (False, None)
    assert validate_units(
        make_sheet(UNIT_COLUMNS, [str(c) for c in unit_cells(special)])
    ).items == (special,)


def test_activities_may_name_the_subject_of_the_need() -> None:
    sheet = make_sheet(
        ACTIVITY_COLUMNS,
        ["SD-1", "Guru Ahli Pertama", "Mengajar IPA", "jam", "40", "800", "IPA"],
        ["SD-1", "Guru Ahli Pertama", "Mengajar kelas", "jam", "40", "900"],
    )
    result = validate_activities(sheet, {"SD-1"})
    assert result.problems == ()
    assert [a.mapel for a in result.items] == ["ipa", None]
    assert activity_cells(result.items[0])[-1] == "ipa"


def test_jabatan_catalogue_rows_and_their_problems() -> None:
    sheet = make_sheet(
        JABATAN_COLUMNS,
        ["Guru Ahli Pertama", "guru", "tidak", ""],
        ["Perawat Terampil", "Kesehatan", "ya", "36"],
        ["perawat  terampil", "kesehatan", "ya", ""],
        ["Analis", "staf", "", ""],
        ["Bidan", "kesehatan", "kadang", "-3"],
    )
    result = validate_jabatan(sheet)
    assert described(result.problems) == [
        "baris 4, kolom jabatan: jabatan ini sudah ada di baris 3",
        "baris 5, kolom jenis: jenis 'staf' tidak dikenal (pilih: guru, kesehatan, umum)",
        "baris 6, kolom butuh_sip: 'kadang' harus ya atau tidak",
        "baris 6, kolom masa_minimal_bulan: -3 bulan tidak wajar (0 sampai 600)",
    ]
    guru, perawat = result.items
    assert (guru.jenis, guru.needs_sip, guru.min_tenure_months) == ("guru", False, None)
    assert (perawat.jenis, perawat.needs_sip, perawat.min_tenure_months) == ("kesehatan", True, 36)
    assert jabatan_cells(perawat) == ("Perawat Terampil", "kesehatan", "ya", 36)
