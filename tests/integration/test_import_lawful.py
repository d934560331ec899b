"""The jabatan catalogue and the issue 15 columns through the real CLI into a real database."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from core.domain.eligibility import JabatanInfo
from core.usecases.importing.columns import JABATAN_COLUMNS
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.integration.test_import_files import cli, small_agency_files


def read_catalogue(database_url: str) -> list[JabatanInfo]:
    async def read() -> list[JabatanInfo]:
        engine = create_engine(database_url)
        try:
            async with make_uow_factory(engine)() as uow:
                return list(await uow.jabatan.list())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_cli_imports_the_jabatan_catalogue_and_a_second_run_changes_nothing(
    migrated_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "jabatan.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(JABATAN_COLUMNS)
        writer.writerow(["Guru Ahli Pertama", "guru", "tidak", ""])
        writer.writerow(["Perawat Terampil", "kesehatan", "ya", "36"])
    code, output = cli(migrated_database_url, "import", "jabatan", str(path))
    assert (code, output.strip()) == (0, "jabatan.csv: 2 dibuat, 0 diperbarui, 0 tidak berubah")
    assert read_catalogue(migrated_database_url) == [
        JabatanInfo("Guru Ahli Pertama", "guru", False, None),
        JabatanInfo("Perawat Terampil", "kesehatan", True, 36),
    ]
    code, output = cli(migrated_database_url, "import", "jabatan", str(path), "--lang", "en")
    assert (code, output.strip()) == (0, "jabatan.csv: 0 created, 0 updated, 2 unchanged")


def test_cli_refuses_a_bad_catalogue_row_and_stores_nothing(
    migrated_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "jabatan.csv"
    path.write_text("jabatan,jenis\nGuru Ahli Muda,guru\nAnalis,pegawai\n", encoding="utf-8")
    code, output = cli(migrated_database_url, "import", "jabatan", str(path))
    assert code != 0
    assert "baris 3, kolom jenis: jenis 'pegawai' tidak dikenal" in output
    assert read_catalogue(migrated_database_url) == []


def test_new_employee_and_unit_columns_survive_the_database(
    migrated_database_url: str, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    with files.employees.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    rows[1][header.index("jenis_kunci")] = "tugas_belajar"
    rows[1][header.index("kunci_sampai")] = "2027-08-01"
    rows[1][header.index("skp_1")] = "Kurang"
    rows[1][header.index("mapel")] = "guru kelas"
    with files.employees.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert cli(migrated_database_url, "import", "units", str(files.units))[0] == 0
    code, output = cli(migrated_database_url, "import", "employees", str(files.employees))
    assert code == 0, output

    async def read() -> tuple[str | None, ...]:
        engine = create_engine(migrated_database_url)
        try:
            async with make_uow_factory(engine)() as uow:
                person = await uow.employees.get(rows[1][0])
                listed = {e.nip: e for e in await uow.employees.list()}[rows[1][0]]
                assert person == listed
                assert person is not None
                return (
                    person.lock_kind,
                    str(person.lock_until),
                    person.skp_1,
                    person.mapel,
                )
        finally:
            await engine.dispose()

    assert asyncio.run(read()) == ("tugas_belajar", "2027-08-01", "Kurang", "guru kelas")
