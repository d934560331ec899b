"""Cross-file consistency after every import: warnings by line, counted in the summary, never
blocking a valid import unless --strict; a plan counts jabatan variants as one and names the
(unit, jabatan) pairs it leaves out for lack of ABK."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import build_app
from core.domain.consistency import left_out_pairs
from core.ports import UnitOfWorkFactory
from core.rebalance.model import Solution
from core.usecases.importing.apply import import_checked
from core.usecases.importing.report import describe_report
from core.usecases.importing.sheets import ImportBatch
from core.usecases.planning import Snapshot, propose_plan
from db.spreadsheets import read_sheet_bytes
from tests.support.clock import FakeClock
from tests.support.loop_agency import rules

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
ADMIN = "Pengadministrasi Umum"


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Indonesian-locale Excel 'CSV UTF-8': BOM, `;`, CRLF."""
    return ("\ufeff" + "\r\n".join(";".join(r) for r in rows) + "\r\n").encode()


UNITS = csv_bytes(
    [
        ["kode", "nama", "opd", "lat", "lon"],
        ["KEC-A", "Kecamatan A", "Setda", "-7,5", "110,2"],
        ["KEC-B", "Kecamatan B", "Setda", "-7,6", "110,3"],
    ]
)
HEAD = ["nip", "nama", "status", "kode_unit", "jabatan", "golongan", "tmt_unit", "bup"]
EMPLOYEES = csv_bytes(
    [
        HEAD,
        ["199001012015031001", "Ani", "PNS", "KEC-A", ADMIN, "II/a", "01-07-2020", "58"],
        ["199001012015031002", "Budi", "PNS", "KEC-A", "PENGADMINISTRASI UMUM", "II/a",
         "01-07-2020", "58"],
        ["199001012015031003", "Cici", "PNS", "KEC-A", "Pengadministrasi, Umum", "II/a",
         "01-07-2020", "58"],
        ["199001012015031004", "Dedi", "PNS", "KEC-A", "Pengadministrasi Umum", "II/a",
         "01-07-2020", "58"],
        ["199001012015031005", "Eka", "PNS", "KEC-B", "Pengelola Keuangan", "II/a",
         "01-07-2020", "58"],
    ]
)  # fmt: skip
ACTIVITIES = csv_bytes(
    [
        ["kode_unit", "jabatan", "kegiatan", "satuan_hasil", "norma_waktu_menit",
         "volume_tahunan"],
        ["KEC-A", ADMIN, "Mengarsip surat", "berkas", "15", "1.000"],
        ["KEC-B", ADMIN, "Mengarsip surat", "berkas", "15", "12.000"],
    ]
)  # fmt: skip


def batch() -> ImportBatch:
    return ImportBatch(
        units=read_sheet_bytes(UNITS, "units.csv", kind="units"),
        employees=read_sheet_bytes(EMPLOYEES, "employees.csv", kind="employees"),
        activities=read_sheet_bytes(ACTIVITIES, "activities.csv", kind="activities"),
    )


async def test_warnings_are_reported_by_line_and_counted_and_do_not_block(
    uow_factory: UnitOfWorkFactory,
) -> None:
    report = await import_checked(batch(), uow_factory, actor="test", now=NOW)
    assert report.ok and report.written
    assert [w.describe() for w in report.warnings] == [
        "employees.csv, baris 3, kolom jabatan: jabatan 'PENGADMINISTRASI UMUM' (1 pegawai, "
        "0 baris ABK) hanya beda huruf besar/kecil, tanda baca, spasi atau singkatan dari "
        "'Pengadministrasi Umum'; "
        "mungkin maksudnya 'Pengadministrasi Umum'? Perhitungan menganggapnya satu jabatan",
        "employees.csv, baris 4, kolom jabatan: jabatan 'Pengadministrasi, Umum' (1 pegawai, "
        "0 baris ABK) hanya beda huruf besar/kecil, tanda baca, spasi atau singkatan dari "
        "'Pengadministrasi Umum'; "
        "mungkin maksudnya 'Pengadministrasi Umum'? Perhitungan menganggapnya satu jabatan",
        "activities.csv, baris 3, kolom jabatan: unit KEC-B, jabatan 'Pengadministrasi Umum': "
        "ada 1 kegiatan ABK, tetapi tidak ada pegawai dengan jabatan ini di unit itu",
        "employees.csv, baris 6, kolom jabatan: unit KEC-B, jabatan 'Pengelola Keuangan': 1 "
        "pegawai, tetapi tidak ada kegiatan ABK untuk jabatan ini di unit itu, jadi rencana "
        "tidak menyertakan mereka",
    ]
    text = describe_report(report)
    assert "employees.csv: 5 dibuat, 0 diperbarui, 0 tidak berubah" in text
    assert (
        "Peringatan: 4 (2 jabatan beda tulis, 1 unit-jabatan berpegawai tanpa ABK, "
        "1 ber-ABK tanpa pegawai)"
    ) in text
    async with uow_factory() as uow:
        stored = sorted(e.jabatan for e in await uow.employees.list())
    # Stored as written: the agency's data is not renamed behind its back.
    assert stored == sorted([ADMIN, "PENGADMINISTRASI UMUM", "Pengadministrasi, Umum", ADMIN,
                             "Pengelola Keuangan"])  # fmt: skip


async def test_strict_refuses_on_warnings_and_writes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    report = await import_checked(batch(), uow_factory, actor="test", now=NOW, strict=True)
    assert not report.ok and report.refused_for_warnings and not report.written
    assert "Ditolak karena --strict (mode ketat): tidak ada data yang diubah." in describe_report(
        report
    )
    async with uow_factory() as uow:
        assert await uow.units.list() == []
        assert await uow.employees.list() == []
        assert await uow.audit.list() == []


async def test_a_dry_run_counts_and_checks_but_writes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    report = await import_checked(batch(), uow_factory, actor="test", now=NOW, dry_run=True)
    assert report.ok and not report.written and len(report.warnings) == 4
    assert "units.csv: 2 akan dibuat, 0 akan diperbarui, 0 tidak berubah" in describe_report(
        report, dry_run=True
    )
    async with uow_factory() as uow:
        assert await uow.units.list() == []


async def test_the_plan_counts_variants_as_one_jabatan_and_names_pairs_without_abk(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await import_checked(batch(), uow_factory, actor="test", now=NOW)
    seen: list[Snapshot] = []

    def solve(snapshot: Snapshot, _limit: float) -> Solution:
        seen.append(snapshot)
        return Solution("OPTIMAL", 0.0, 0.0, 0.0, (), ())

    outcome = await propose_plan(uow_factory, FakeClock(NOW), rules(), solve, dry_run=True)
    (snapshot,) = seen
    in_kec_a = [e.jabatan for e in snapshot.employees if e.unit_code == "KEC-A"]
    assert in_kec_a == [ADMIN] * 4  # four staff of one jabatan, not 2 + 1 + 1
    bars = {(b.unit_code, b.family): b.before for b in outcome.bars}
    assert bars[("KEC-A", ADMIN)] == 4
    assert left_out_pairs(outcome.left_out) == [
        {"unit": "KEC-B", "jabatan": "Pengelola Keuangan", "staff": 1}
    ]


def test_cli_import_strict_refuses_and_plain_import_lists_warnings(
    migrated_database_url: str, tmp_path: Path
) -> None:
    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            build_app(), list(args), env={"MUTASI_DATABASE_URL": migrated_database_url}
        )
        return result.exit_code, result.output

    for name, data in (
        ("units.csv", UNITS),
        ("employees.csv", EMPLOYEES),
        ("abk.csv", ACTIVITIES),
    ):
        (tmp_path / name).write_bytes(data)
    assert cli("import", "units", str(tmp_path / "units.csv"))[0] == 0
    assert cli("import", "activities", str(tmp_path / "abk.csv"))[0] == 0
    code, output = cli("import", "employees", str(tmp_path / "employees.csv"), "--strict")
    assert code == 1
    assert "Ditolak karena --strict" in output
    code, output = cli("import", "employees", str(tmp_path / "employees.csv"), "--lang", "en")
    assert code == 0
    assert "employees.csv: 5 created, 0 updated, 0 unchanged" in output
    assert "Warnings: 4 (2 jabatan written differently" in output
    assert (
        "employees.csv, line 6, column jabatan: unit KEC-B, jabatan 'Pengelola Keuangan'" in output
    )
