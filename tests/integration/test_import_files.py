"""Importing the agency's files into a real database (SQLite and PostgreSQL), use case and CLI."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bot.cli import build_app
from bot.sample_agency import generate_sample_agency
from core.domain import Activity, AuditEvent, Employee, Unit
from core.ports import UnitOfWorkFactory
from core.usecases.importing.apply import import_batch, import_sheet
from core.usecases.importing.columns import ACTIVITY_COLUMNS, EMPLOYEE_COLUMNS, UNIT_COLUMNS
from core.usecases.importing.sheets import ImportBatch
from core.usecases.importing.writing import activity_cells, employee_cells, unit_cells
from db.engine import create_engine
from db.spreadsheets import read_sheet, write_sheet
from db.uow import uow_factory as make_uow_factory

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Files:
    units: Path
    employees: Path
    activities: Path
    unit_list: tuple[Unit, ...]
    employee_list: tuple[Employee, ...]
    activity_list: tuple[Activity, ...]


def small_agency_files(directory: Path, suffix: str = "csv") -> Files:
    """One kecamatan of the sample kabupaten: units, staff and ABK, written as files."""
    agency = generate_sample_agency("S", 11, NOW.date())
    units = tuple(u for u in agency.units if "KARANGREJO" in u.code)
    codes = {u.code for u in units}
    staff = [e for e in agency.employees if e.unit_code in codes]
    nips = {e.nip for e in staff}
    staff = [
        e
        if e.spouse_nip in nips or e.spouse_nip is None
        else dataclasses.replace(e, spouse_nip=None)
        for e in staff
    ]
    activities = tuple(a for a in agency.activities if a.unit_code in codes)
    files = Files(
        directory / f"units.{suffix}",
        directory / f"employees.{suffix}",
        directory / f"activities.{suffix}",
        units,
        tuple(staff),
        activities,
    )
    write_files(files)
    return files


def write_files(files: Files) -> None:
    write_sheet(files.units, UNIT_COLUMNS, map(unit_cells, files.unit_list))
    write_sheet(files.employees, EMPLOYEE_COLUMNS, map(employee_cells, files.employee_list))
    write_sheet(files.activities, ACTIVITY_COLUMNS, map(activity_cells, files.activity_list))


async def stored(factory: UnitOfWorkFactory) -> tuple[Any, ...]:
    """Everything an import may touch, for before/after comparisons."""
    async with factory() as uow:
        return (
            sorted(await uow.units.list(), key=lambda u: u.code),
            sorted(await uow.employees.list(), key=lambda e: e.nip),
            sorted(await uow.activities.list(), key=lambda a: (a.unit_code, a.jabatan, a.name)),
            [dataclasses.replace(e, id=None) for e in await uow.audit.list()],
        )


async def import_all(files: Files, factory: UnitOfWorkFactory) -> list[tuple[int, int, int]]:
    counts = []
    for kind, path in (
        ("units", files.units),
        ("employees", files.employees),
        ("activities", files.activities),
    ):
        outcome = await import_sheet(kind, read_sheet(path), factory, actor="test", now=NOW)  # type: ignore[arg-type]
        assert outcome.problems == ()
        counts.append((outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged))
    return counts


async def test_import_creates_units_employees_and_activities(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path, "xlsx")
    counts = await import_all(files, uow_factory)
    assert counts == [
        (len(files.unit_list), 0, 0),
        (len(files.employee_list), 0, 0),
        (len(files.activity_list), 0, 0),
    ]
    units, people, activities, audit = await stored(uow_factory)
    assert units == sorted(files.unit_list, key=lambda u: u.code)
    assert people == sorted(files.employee_list, key=lambda e: e.nip)
    assert len(activities) == len(files.activity_list)
    assert [(e.action, e.after and e.after["created"]) for e in audit] == [
        ("import.units", len(files.unit_list)),
        ("import.employees", len(files.employee_list)),
        ("import.activities", len(files.activity_list)),
    ]


async def test_reimporting_the_same_files_changes_nothing(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    await import_all(files, uow_factory)
    before = await stored(uow_factory)
    counts = await import_all(files, uow_factory)
    assert counts == [
        (0, 0, len(files.unit_list)),
        (0, 0, len(files.employee_list)),
        (0, 0, len(files.activity_list)),
    ]
    assert await stored(uow_factory) == before


async def test_an_updated_file_updates_rows_by_their_keys(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    await import_all(files, uow_factory)
    renamed = dataclasses.replace(files.unit_list[0], name="Kantor Kecamatan Karangrejo Baru")
    moved = dataclasses.replace(
        files.employee_list[0], unit_code=files.unit_list[1].code, tmt_unit=dt.date(2026, 2, 1)
    )
    busier = dataclasses.replace(files.activity_list[0], annual_volume=9_999.0)
    changed = dataclasses.replace(
        files,
        unit_list=(renamed, *files.unit_list[1:]),
        employee_list=(moved, *files.employee_list[1:]),
        activity_list=(busier, *files.activity_list[1:]),
    )
    write_files(changed)
    counts = await import_all(changed, uow_factory)
    assert counts == [
        (0, 1, len(files.unit_list) - 1),
        (0, 1, len(files.employee_list) - 1),
        (0, 1, len(files.activity_list) - 1),
    ]
    async with uow_factory() as uow:
        assert await uow.units.get(renamed.code) == renamed
        assert await uow.employees.get(moved.nip) == moved
        stored_activity = [
            a
            for a in await uow.activities.list_for(busier.unit_code, busier.jabatan)
            if a.name == busier.name
        ]
        assert stored_activity == [busier]
        assert len(await uow.units.list()) == len(files.unit_list)
        audit = await uow.audit.list()
    assert [e.after and e.after["updated"] for e in audit[-3:]] == [1, 1, 1]


async def test_a_batch_writes_nothing_when_any_sheet_has_a_bad_row(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    before = await stored(uow_factory)
    people = list(files.employee_list)
    people[-1] = dataclasses.replace(people[-1], unit_code="SD-ATLANTIS-1")
    write_files(dataclasses.replace(files, employee_list=tuple(people)))
    batch = ImportBatch(units=read_sheet(files.units), employees=read_sheet(files.employees))
    outcomes = await import_batch(batch, uow_factory, actor="test", now=NOW)
    assert [o.ok for o in outcomes] == [True, False]
    assert [p.describe() for p in outcomes[1].problems] == [
        f"baris {len(people) + 1}, kolom kode_unit: unit SD-ATLANTIS-1 tidak dikenal "
        "(tidak ada di data unit)"
    ]
    assert await stored(uow_factory) == before
    # The same batch without the bad row: the staff's units come from the batch's own units file.
    write_files(files)
    batch = ImportBatch(units=read_sheet(files.units), employees=read_sheet(files.employees))
    outcomes = await import_batch(batch, uow_factory, actor="test", now=NOW)
    assert [o.counts.created for o in outcomes] == [len(files.unit_list), len(files.employee_list)]


# --------------------------------------------------------------------------- the CLI


def cli(database_url: str, *args: str) -> tuple[int, str]:
    """Run the real `mutasi` CLI in-process against DATABASE_URL; (exit code, all output)."""
    result = CliRunner().invoke(build_app(), list(args), env={"MUTASI_DATABASE_URL": database_url})
    return result.exit_code, result.output


def snapshot(database_url: str) -> tuple[Any, ...]:
    async def read() -> tuple[Any, ...]:
        engine = create_engine(database_url)
        try:
            return await stored(make_uow_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def sqlite_file_digest(database_url: str) -> str | None:
    if not database_url.startswith("sqlite"):
        return None
    return hashlib.sha256(Path(database_url.split("///", 1)[1]).read_bytes()).hexdigest()


def test_cli_import_of_a_file_with_three_bad_cells_names_them_all_and_changes_nothing(
    migrated_database_url: str, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    assert cli(migrated_database_url, "import", "units", str(files.units))[0] == 0
    assert cli(migrated_database_url, "import", "employees", str(files.employees))[0] == 0
    with files.employees.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    rows[3][header.index("nip")] = "19901301" + rows[3][header.index("nip")][8:]  # line 4
    rows[4][header.index("kode_unit")] = "SD-ATLANTIS-9"  # line 5
    rows[5][header.index("tmt_unit")] = "kemarin"  # line 6
    rows[7][header.index("nama")] = "Nama Baru Yang Tidak Boleh Tersimpan"  # a good change
    bad = tmp_path / "pegawai_salah.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    before, digest = snapshot(migrated_database_url), sqlite_file_digest(migrated_database_url)

    code, output = cli(migrated_database_url, "import", "employees", str(bad))

    assert code != 0
    assert "baris 4, kolom nip: tanggal lahir 19901301 tidak valid" in output
    assert "baris 5, kolom kode_unit: unit SD-ATLANTIS-9 tidak dikenal" in output
    assert "baris 6, kolom tmt_unit: 'kemarin' bukan tanggal (tulis mis. 2015-02-01" in output
    assert "tidak ada data yang diubah" in output
    assert sqlite_file_digest(migrated_database_url) == digest
    assert snapshot(migrated_database_url) == before

    code, output = cli(migrated_database_url, "import", "employees", str(bad), "--lang", "en")
    assert code != 0
    assert "line 4, column nip: birth date 19901301 is not a valid date" in output
    assert "line 5, column kode_unit: unit SD-ATLANTIS-9 is unknown" in output
    assert "line 6, column tmt_unit: 'kemarin' is not a date (write e.g. 2015-02-01" in output
    assert sqlite_file_digest(migrated_database_url) == digest


def test_cli_import_reports_counts_and_a_second_run_changes_nothing(
    migrated_database_url: str, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path, "xlsx")
    code, output = cli(migrated_database_url, "import", "units", str(files.units))
    assert (code, output.strip()) == (
        0,
        f"units.xlsx: {len(files.unit_list)} dibuat, 0 diperbarui, 0 tidak berubah",
    )
    before, digest = snapshot(migrated_database_url), sqlite_file_digest(migrated_database_url)
    code, output = cli(migrated_database_url, "import", "units", str(files.units), "--lang", "en")
    assert (code, output.strip()) == (
        0,
        f"units.xlsx: 0 created, 0 updated, {len(files.unit_list)} unchanged",
    )
    assert snapshot(migrated_database_url) == before
    assert sqlite_file_digest(migrated_database_url) == digest


def test_cli_import_refuses_a_file_missing_required_columns_naming_each_once(
    migrated_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_text("kode,nama\nSD-1,SD Negeri 1\nSD-2,SD Negeri 2\n", encoding="utf-8")
    code, output = cli(migrated_database_url, "import", "units", str(path))
    assert code != 0
    problem_lines = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    assert problem_lines == [
        "baris 1: dibaca sebagai baris judul kolom: kode | nama (judul kolom dicari di 30 baris "
        "teratas yang terisi; nama kolom dan aliasnya ada di docs/formats.md)",
        "kolom opd: kolom wajib ini tidak ada di baris judul",
        "kolom lat: kolom wajib ini tidak ada di baris judul",
        "kolom lon: kolom wajib ini tidak ada di baris judul",
    ]
    assert snapshot(migrated_database_url)[0] == []


def test_audit_events_are_written_only_when_an_import_changes_something(
    migrated_database_url: str, tmp_path: Path
) -> None:
    files = small_agency_files(tmp_path)
    cli(migrated_database_url, "import", "units", str(files.units))
    cli(migrated_database_url, "import", "units", str(files.units))
    audit: list[AuditEvent] = snapshot(migrated_database_url)[3]
    assert [(e.action, e.subject) for e in audit] == [("import.units", "import:units")]
    assert audit[0].actor.startswith("cli")
    assert audit[0].after == {
        "source": "units.csv", "created": len(files.unit_list), "updated": 0, "unchanged": 0,
    }  # fmt: skip
