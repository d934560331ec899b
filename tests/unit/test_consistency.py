"""core.domain.consistency: employees and ABK compared per (unit, jabatan), name variants,
suggestions."""

from __future__ import annotations

import datetime as dt

from core.domain import Activity, Employee
from core.domain.consistency import (
    canonical_names,
    check_consistency,
    jabatan_key,
    left_out_pairs,
)

ADMIN = "Pengadministrasi Umum"


def person(nip: str, unit: str, jabatan: str) -> Employee:
    return Employee(
        nip, f"Pegawai {nip[-3:]}", "PNS", unit, jabatan, "II/a", dt.date(2020, 1, 1), 58
    )


def activity(unit: str, jabatan: str, name: str = "Mengarsip") -> Activity:
    return Activity(unit, jabatan, name, "berkas", 10.0, 1000.0)


def test_names_that_differ_only_by_case_punctuation_spaces_or_abbreviation_share_a_key() -> None:
    variants = [
        "Pengadministrasi Umum",
        "PENGADMINISTRASI UMUM",
        "Pengadministrasi, Umum",
        "  pengadministrasi   umum ",
        "Pengadm. Umum",
        "Pengadministrasi-Umum",
    ]
    assert {jabatan_key(v) for v in variants} == {"pengadministrasi umum"}
    assert jabatan_key("Kasubbag TU") == jabatan_key("Kepala Sub Bagian Tata Usaha")
    assert jabatan_key("Perawat Terampil") != jabatan_key("Perawat Mahir")


def test_the_abk_spelling_is_canonical() -> None:
    names = canonical_names(
        [person("1", "A", "PENGADMINISTRASI UMUM"), person("2", "A", "PENGADMINISTRASI UMUM")],
        [activity("A", ADMIN)],
    )
    assert names == {"PENGADMINISTRASI UMUM": ADMIN, ADMIN: ADMIN}


def test_variants_are_warned_with_the_likely_match_and_do_not_count_as_missing_abk() -> None:
    findings = check_consistency(
        [
            person("1", "A", ADMIN),
            person("2", "A", "PENGADMINISTRASI UMUM"),
            person("3", "A", "Pengadministrasi, Umum"),
        ],
        [activity("A", ADMIN)],
    )
    assert [f.message() for f in findings] == [
        "jabatan 'PENGADMINISTRASI UMUM' (1 pegawai, 0 baris ABK) hanya beda huruf besar/kecil, "
        "tanda baca, spasi atau singkatan dari 'Pengadministrasi Umum'; mungkin maksudnya "
        "'Pengadministrasi Umum'? Perhitungan menganggapnya satu jabatan",
        "jabatan 'Pengadministrasi, Umum' (1 pegawai, 0 baris ABK) hanya beda huruf besar/kecil, "
        "tanda baca, spasi atau singkatan dari 'Pengadministrasi Umum'; mungkin maksudnya "
        "'Pengadministrasi Umum'? Perhitungan menganggapnya satu jabatan",
    ]


def test_staff_without_abk_and_abk_without_staff_are_named_with_a_similar_name() -> None:
    findings = check_consistency(
        [person("1", "A", "Perawat Terampil"), person("2", "A", "Perawat Terampil")],
        [activity("A", "Perawat Trampil Gigi"), activity("B", "Bidan Terampil")],
    )
    assert [(f.kind, f.unit_code, f.jabatan, f.staff, f.activities) for f in findings] == [
        ("no_abk", "A", "Perawat Terampil", 2, 0),
        ("no_staff", "A", "Perawat Trampil Gigi", 0, 1),
        ("no_staff", "B", "Bidan Terampil", 0, 1),
    ]
    assert findings[0].message() == (
        "unit A, jabatan 'Perawat Terampil': 2 pegawai, tetapi tidak ada kegiatan ABK untuk "
        "jabatan ini di unit itu, jadi rencana tidak menyertakan mereka; mungkin maksudnya "
        "'Perawat Trampil Gigi'?"
    )
    assert findings[2].message("en") == (
        "unit B, jabatan 'Bidan Terampil': 1 ABK activities but nobody in that unit holds this "
        "jabatan"
    )
    assert left_out_pairs(findings) == [{"unit": "A", "jabatan": "Perawat Terampil", "staff": 2}]


def test_consistent_data_has_no_findings() -> None:
    assert check_consistency([person("1", "A", ADMIN)], [activity("A", ADMIN)]) == ()
