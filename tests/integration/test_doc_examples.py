"""The example files of docs/examples/ import cleanly, agree with each other, and give the values
docs/formats.md says they do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.ports import UnitOfWorkFactory
from core.usecases.importing.apply import import_checked
from core.usecases.importing.sheets import ImportBatch
from db.spreadsheets import read_sheet

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


async def test_the_documented_example_files_import_without_problems_or_warnings(
    uow_factory: UnitOfWorkFactory,
) -> None:
    batch = ImportBatch(
        units=read_sheet(EXAMPLES / "units.csv", kind="units"),
        employees=read_sheet(EXAMPLES / "employees.csv", kind="employees"),
        activities=read_sheet(EXAMPLES / "activities.csv", kind="activities"),
        jabatan=read_sheet(EXAMPLES / "jabatan.csv", kind="jabatan"),
    )
    report = await import_checked(batch, uow_factory, actor="test", now=NOW)
    assert [p.describe() for o in report.outcomes for p in o.problems] == []
    assert [w.describe() for w in report.warnings] == []
    assert report.written
    async with uow_factory() as uow:
        rina = await uow.employees.get("199002022015032004")
        unit = await uow.units.get("PKM-SKM")
        volumes = {(a.unit_code, a.name): a for a in await uow.activities.list()}
    assert rina is not None and rina.tmt_unit == dt.date(2020, 5, 1)
    assert unit is not None and (unit.lat, unit.skills_needed) == (
        -7.4512,
        ("gizi", "keperawatan"),
    )
    assert volumes[("PKM-SKM", "Asuhan keperawatan rawat jalan")].annual_volume == 2400.0
    assert volumes[("PKM-SKJ", "Pemantauan status gizi balita")].minutes_per_output == 12.5
