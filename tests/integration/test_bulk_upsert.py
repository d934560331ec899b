"""Bulk writes and reads (upsert_many, get_many, grant_many, add_many) on SQLite and PostgreSQL,
and bulk imports through them, with chunks made tiny so every chunk boundary is crossed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

import db.organisation_repositories
import db.statements
from bot.sample_agency import SampleAgency, generate_sample_agency, store_sample_people
from core.domain import (
    Activity,
    Aspiration,
    AspirationWish,
    Employee,
    ReasonCategory,
    Role,
    RoleGrant,
    ScopeKind,
    Unit,
)
from core.ports import UnitOfWorkFactory
from core.usecases.importing.apply import import_batch
from core.usecases.importing.columns import ACTIVITY_COLUMNS, EMPLOYEE_COLUMNS, UNIT_COLUMNS
from core.usecases.importing.sheets import Cell, ImportBatch, ImportCounts, Sheet, SheetRow
from core.usecases.importing.writing import activity_cells, employee_cells, unit_cells

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seven rows per executemany and per IN list, so a few dozen rows span many chunks."""
    monkeypatch.setattr(db.statements, "BULK_CHUNK_ROWS", 7)
    monkeypatch.setattr(db.organisation_repositories, "_IN_LIST_CHUNK", 7)


def by_nip(aspiration: Aspiration) -> str:
    return aspiration.nip


def units(count: int = 3) -> list[Unit]:
    return [
        Unit(f"UNIT-{i:03}", f"Unit {i}", "Dinas Kesehatan", -7.1 - i / 100, 110.0, ("gizi",))
        for i in range(count)
    ]


def employees(count: int, unit_codes: list[str]) -> list[Employee]:
    return [
        Employee(
            nip=f"1990010120201210{i:02}" if i < 100 else f"19900101202012{i:04}",
            name=f"Pegawai {i}",
            status="PNS",
            unit_code=unit_codes[i % len(unit_codes)],
            jabatan="Perawat Terampil",
            golongan="III/a",
            tmt_unit=dt.date(2020, 1, 1) + dt.timedelta(days=i),
            retirement_age=58,
            skills=("keperawatan",) if i % 2 else (),
            home_lat=-7.2 if i % 3 else None,
            home_lon=110.1 if i % 3 else None,
            spouse_nip=None,
            lock_reason="tugas belajar" if i % 5 == 0 else None,
        )
        for i in range(count)
    ]


def activities(count: int, unit_code: str) -> list[Activity]:
    return [
        Activity(unit_code, "Perawat Terampil", f"Kegiatan {i}", "laporan", 30.0 + i, 100.0 * i)
        for i in range(count)
    ]


async def test_upsert_many_inserts_new_employees_and_replaces_stored_ones_by_nip(
    uow_factory: UnitOfWorkFactory,
) -> None:
    offices = units()
    codes = [u.code for u in offices]
    people = employees(30, codes)
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        await uow.employees.upsert_many(people[:20])
        await uow.commit()
    moved = [
        dataclasses.replace(p, unit_code=codes[0], skills=("gizi", "triase")) for p in people[5:12]
    ]
    async with uow_factory() as uow:
        await uow.employees.upsert_many(moved + people[20:])
        await uow.commit()
    expected = people[:5] + moved + people[12:]
    async with uow_factory() as uow:
        assert list(await uow.employees.list()) == sorted(expected, key=lambda e: e.nip)
        assert await uow.employees.get(moved[0].nip) == moved[0]


async def test_upsert_many_of_nothing_writes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.units.upsert_many([])
        await uow.employees.upsert_many([])
        await uow.activities.upsert_many([])
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.units.list(), await uow.employees.list()) == ([], [])


async def test_upsert_many_replaces_units_by_code(uow_factory: UnitOfWorkFactory) -> None:
    offices = units(20)
    renamed = [
        dataclasses.replace(u, name=u.name + " Baru", skills_needed=()) for u in offices[::3]
    ]
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        await uow.units.upsert_many(renamed)
        await uow.commit()
    by_code = {u.code: u for u in offices} | {u.code: u for u in renamed}
    async with uow_factory() as uow:
        assert list(await uow.units.list()) == [by_code[code] for code in sorted(by_code)]


async def test_upsert_many_keeps_activities_in_file_order_and_replaces_by_unit_jabatan_name(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (office,) = units(1)
    tasks = activities(25, office.code)
    busier = [dataclasses.replace(a, annual_volume=a.annual_volume + 1) for a in tasks[3:10]]
    async with uow_factory() as uow:
        await uow.units.upsert_many([office])
        await uow.activities.upsert_many(tasks)
        await uow.activities.upsert_many(busier)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.activities.list_for(office.code, "Perawat Terampil")
    assert list(stored) == tasks[:3] + busier + tasks[10:]


async def test_a_failing_bulk_upsert_leaves_nothing_of_its_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    offices = units()
    people = employees(20, [u.code for u in offices])
    stray = dataclasses.replace(people[17], unit_code="NO-SUCH-UNIT")
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        with pytest.raises(IntegrityError):
            await uow.employees.upsert_many(people[:17] + [stray])
    async with uow_factory() as uow:
        assert (await uow.units.list(), await uow.employees.list()) == ([], [])


async def test_get_many_returns_the_stored_employees_among_the_nips_asked(
    uow_factory: UnitOfWorkFactory,
) -> None:
    offices = units()
    people = employees(40, [u.code for u in offices])
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        await uow.employees.upsert_many(people[:30])
        await uow.commit()
    asked = [p.nip for p in people[10:]] + [people[12].nip, "000000000000000000"]
    async with uow_factory() as uow:
        found = await uow.employees.get_many(asked)
        assert dict(found) == {p.nip: p for p in people[10:30]}
        assert await uow.employees.get_many([]) == {}


async def test_grant_many_counts_only_grants_not_already_held(
    uow_factory: UnitOfWorkFactory,
) -> None:
    offices = units()
    people = employees(12, [u.code for u in offices])
    heads = [RoleGrant(p.nip, Role.SUPERVISOR, ScopeKind.UNIT, p.unit_code) for p in people]
    admin = RoleGrant(people[0].nip, Role.ADMIN, ScopeKind.ALL, None)
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        await uow.employees.upsert_many(people)
        assert await uow.roles.grant(heads[0])
        assert await uow.roles.grant_many([*heads, admin, heads[3]]) == len(heads)
        assert await uow.roles.grant_many([*heads, admin]) == 0
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.roles.list_by_role(Role.SUPERVISOR)) == len(heads)
        assert await uow.roles.list_for(people[0].nip) == [heads[0], admin]


async def test_add_many_stores_aspirations_that_count_as_current(
    uow_factory: UnitOfWorkFactory,
) -> None:
    offices = units()
    people = employees(15, [u.code for u in offices])
    wishes = [
        Aspiration(
            nip=p.nip,
            wish=AspirationWish(
                choices=(offices[(i + 1) % 3].code,),
                work_wished=p.jabatan,
                reason=ReasonCategory.HOME,
                reason_text=f"Jarak rumah {i} km.",
                willingness=4,
            ),
            created_at=NOW - dt.timedelta(days=i),
            expires_at=NOW + dt.timedelta(days=365 - i),
        )
        for i, p in enumerate(people)
    ]
    async with uow_factory() as uow:
        await uow.units.upsert_many(offices)
        await uow.employees.upsert_many(people)
        await uow.aspirations.add_many(wishes)
        await uow.commit()
    async with uow_factory() as uow:
        current = await uow.aspirations.current_for(people[4].nip)
        active = await uow.aspirations.list_active(NOW)
    assert current is not None and dataclasses.replace(current, id=None) == wishes[4]
    assert sorted((dataclasses.replace(a, id=None) for a in active), key=by_nip) == wishes


# --------------------------------------------------------------------------------------------
# Bulk imports


def sheet(columns: tuple[str, ...], rows: list[tuple[Cell, ...]], source: str) -> Sheet:
    """A sheet as read from a file: text cells, line numbers from 2."""
    return Sheet(
        columns,
        tuple(
            SheetRow(line, {c: str(v) for c, v in zip(columns, row, strict=True)})
            for line, row in enumerate(rows, start=2)
        ),
        source,
    )


def batch_of(
    agency_units: list[Unit], people: list[Employee], tasks: list[Activity]
) -> ImportBatch:
    return ImportBatch(
        units=sheet(UNIT_COLUMNS, [unit_cells(u) for u in agency_units], "units.csv"),
        employees=sheet(EMPLOYEE_COLUMNS, [employee_cells(e) for e in people], "employees.csv"),
        activities=sheet(ACTIVITY_COLUMNS, [activity_cells(a) for a in tasks], "activities.csv"),
    )


def counts(outcomes: tuple[object, ...]) -> list[ImportCounts]:
    return [o.counts for o in outcomes]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def agency() -> SampleAgency:
    return generate_sample_agency("S", 3, NOW.date())


async def test_bulk_import_creates_then_changes_nothing_then_updates_by_key(
    uow_factory: UnitOfWorkFactory, agency: SampleAgency
) -> None:
    agency_units, people, tasks = (
        list(agency.units),
        list(agency.employees),
        list(agency.activities),
    )
    created = await import_batch(
        batch_of(agency_units, people, tasks), uow_factory, actor="test", now=NOW
    )
    assert counts(created) == [
        ImportCounts(len(agency_units), 0, 0),
        ImportCounts(len(people), 0, 0),
        ImportCounts(len(tasks), 0, 0),
    ]
    async with uow_factory() as uow:
        assert list(await uow.employees.list()) == sorted(people, key=lambda e: e.nip)
        assert len(await uow.activities.list()) == len(tasks)
        audit_before = await uow.audit.list()

    again = await import_batch(
        batch_of(agency_units, people, tasks), uow_factory, actor="test", now=NOW
    )
    assert counts(again) == [
        ImportCounts(0, 0, len(agency_units)),
        ImportCounts(0, 0, len(people)),
        ImportCounts(0, 0, len(tasks)),
    ]
    async with uow_factory() as uow:
        assert await uow.audit.list() == audit_before

    renamed = [
        dataclasses.replace(p, name=p.name + " Baru") if i % 10 == 0 else p
        for i, p in enumerate(people)
    ]
    busier = [
        dataclasses.replace(a, annual_volume=a.annual_volume + 1) if i % 4 == 0 else a
        for i, a in enumerate(tasks)
    ]
    updated = await import_batch(
        batch_of(agency_units, renamed, busier), uow_factory, actor="test", now=NOW
    )
    changed_people = len(range(0, len(people), 10))
    changed_tasks = len(range(0, len(tasks), 4))
    assert counts(updated) == [
        ImportCounts(0, 0, len(agency_units)),
        ImportCounts(0, changed_people, len(people) - changed_people),
        ImportCounts(0, changed_tasks, len(tasks) - changed_tasks),
    ]
    async with uow_factory() as uow:
        assert list(await uow.employees.list()) == sorted(renamed, key=lambda e: e.nip)
        stored_tasks = await uow.activities.list()
        audit = await uow.audit.list()
    assert sorted(stored_tasks, key=lambda a: (a.unit_code, a.jabatan, a.name)) == sorted(
        busier, key=lambda a: (a.unit_code, a.jabatan, a.name)
    )
    assert [e.action for e in audit[len(audit_before) :]] == [
        "import.employees",
        "import.activities",
    ]


async def test_a_bulk_import_with_one_bad_row_writes_nothing(
    uow_factory: UnitOfWorkFactory, agency: SampleAgency
) -> None:
    people = list(agency.employees)
    people[-1] = dataclasses.replace(people[-1], unit_code="NO-SUCH-UNIT")
    outcomes = await import_batch(
        batch_of(list(agency.units), people, list(agency.activities)),
        uow_factory,
        actor="test",
        now=NOW,
    )
    assert [len(o.problems) for o in outcomes] == [0, 1, 0]
    async with uow_factory() as uow:
        assert (await uow.units.list(), await uow.employees.list(), await uow.audit.list()) == (
            [],
            [],
            [],
        )


async def test_storing_the_sample_people_twice_adds_them_once(
    uow_factory: UnitOfWorkFactory, agency: SampleAgency
) -> None:
    await import_batch(
        batch_of(list(agency.units), list(agency.employees), list(agency.activities)),
        uow_factory,
        actor="test",
        now=NOW,
    )
    first = await store_sample_people(agency, uow_factory, now=NOW)
    second = await store_sample_people(agency, uow_factory, now=NOW)
    assert first == (len(agency.aspirations), len(set(agency.role_grants)))
    assert second == (0, 0)
    async with uow_factory() as uow:
        active = await uow.aspirations.list_active(NOW)
    assert sorted((dataclasses.replace(a, id=None) for a in active), key=by_nip) == sorted(
        agency.aspirations, key=by_nip
    )
