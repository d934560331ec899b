"""Issue 12: the nightly step stores a plan in bulk, on SQLite and PostgreSQL.

Proposals go in with a few INSERT ... RETURNING statements, not one round trip per proposal:
the number of SQL statements that store a plan does not grow with its moves. All of it in one
transaction: a clash stores nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import db.organisation_repositories
import db.repositories
from core.domain import Employee, OutboxStatus, ProposalState, TransferProposal
from core.domain.errors import Conflict
from core.ports import OutboxTake, UnitOfWorkFactory
from core.usecases.planning import propose_plan
from tests.integration.sample_data import SAMPLE, nurse_move, real_plan
from tests.support.clock import FakeClock
from tests.support.loop_agency import LOOP_AGENCY, NIGHT, ScriptedEngine, move, rules
from tests.support.sql_count import sql_calls


def pending(plan_id: int, nip: str, to_unit: str = "PKM-B") -> TransferProposal:
    return dataclasses.replace(nurse_move(plan_id), nip=nip, to_unit=to_unit)


async def test_add_many_stores_every_proposal_with_ids_in_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.employees.upsert_many(nurses(7, 0))
        plan = await uow.plans.add(real_plan())
        assert plan.id is not None
        wanted = [
            dataclasses.replace(pending(plan.id, e.nip), butuh_sip=i % 2 == 1)
            for i, e in enumerate(nurses(7, 0))
        ]
        stored = await uow.proposals.add_many(wanted)
        await uow.commit()
    assert [p.nip for p in stored] == [p.nip for p in wanted]
    assert all(p.id is not None for p in stored)
    assert [dataclasses.replace(p, id=None) for p in stored] == wanted
    async with uow_factory() as uow:
        assert list(await uow.proposals.list_for_plan(plan.id)) == list(stored)
        assert list(await uow.proposals.list_by_state(ProposalState.PENDING)) == list(stored)
        assert await uow.proposals.add_many([]) == []


async def test_add_many_with_a_second_pending_proposal_stores_none_of_them(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.employees.upsert_many(nurses(3, 0))
        plan = await uow.plans.add(real_plan())
        assert plan.id is not None
        one, two, three = (e.nip for e in nurses(3, 0))
        first = await uow.proposals.add(pending(plan.id, one))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.proposals.add_many(
                [pending(plan.id, two), pending(plan.id, three), pending(plan.id, first.nip)]
            )
        # Left without commit: none of them is stored.
    async with uow_factory() as uow:
        assert [p.nip for p in await uow.proposals.list_for_plan(plan.id)] == [one]
        with pytest.raises(ValueError, match="one move per employee"):
            await uow.proposals.add_many([pending(plan.id, two), pending(plan.id, two)])


# ---------------------------------------------------------------------------- whole plans


def nurses(count: int, offset: int) -> list[Employee]:
    return [
        Employee(
            f"19900101201503{offset + i:04}",
            f"Perawat {offset + i}",
            "PNS",
            "PKM-A",
            "Perawat Terampil",
            "III/a",
            dt.date(2018, 1, 1),
            58,
            skills=("keperawatan",),
        )
        for i in range(count)
    ]


async def agency_with_nurses(uow_factory: UnitOfWorkFactory) -> tuple[list[Employee], ...]:
    """The loop's tiny agency and 20 + 60 more nurses in Puskesmas A (stored, committed)."""
    await LOOP_AGENCY.write_to(uow_factory)
    few, many = nurses(20, 0), nurses(60, 100)
    async with uow_factory() as uow:
        await uow.employees.upsert_many([*few, *many])
        await uow.commit()
    return few, many


async def test_storing_a_plan_takes_as_many_statements_for_60_moves_as_for_20(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory
) -> None:
    few, many = await agency_with_nurses(uow_factory)
    counts: list[int] = []
    for day, people in ((0, few), (1, many)):
        clock = FakeClock((NIGHT + dt.timedelta(days=day)).astimezone(dt.UTC))
        with sql_calls(engine) as statements:
            solver = ScriptedEngine([move(p.nip) for p in people])
            outcome = await propose_plan(uow_factory, clock, rules(), solver)
        assert outcome.created and len(outcome.proposals) == len(people)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # What was stored is the whole plan: every proposal, and the approvers' messages.
    async with uow_factory() as uow:
        plan = await uow.plans.get_for_date((NIGHT + dt.timedelta(days=1)).date())
        assert plan is not None and plan.id is not None
        stored = await uow.proposals.list_for_plan(plan.id)
        assert sorted(p.nip for p in stored) == sorted(p.nip for p in many)
        assert all(p.explanation.origin.unit == "PKM-A" for p in stored)
        queued = await uow.outbox.due(NIGHT + dt.timedelta(days=30), OutboxTake(1_000))
        kinds = {m.kind for m in queued if m.status == OutboxStatus.PENDING}
        assert {"plan_summary", "approval_digest"} <= kinds


async def test_reading_every_employee_hands_the_event_loop_back_between_partitions(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly snapshot reads whole tables; other users' updates are served meanwhile:
    another task runs between every partition of rows turned into employees."""
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.employees.upsert_many(nurses(57, 0))
        await uow.commit()
    monkeypatch.setattr(db.repositories, "_STREAM_ROWS", 7)
    ticks = 0
    seen_at: list[int] = []  # the other task's tick count when each row was converted
    convert = db.organisation_repositories._employee_from_record

    def counting(record: Any) -> Employee:
        seen_at.append(ticks)
        return convert(record)

    monkeypatch.setattr(db.organisation_repositories, "_employee_from_record", counting)

    async def other_user() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other_user())
    await asyncio.sleep(0)
    try:
        async with uow_factory() as uow:
            people = await uow.employees.list()
    finally:
        task.cancel()
    assert len(people) == 60 == len(seen_at)
    partitions = [seen_at[i : i + 7] for i in range(0, 60, 7)]
    assert all(len(set(p)) == 1 for p in partitions)  # one partition: one go
    assert all(a[0] < b[0] for a, b in itertools.pairwise(partitions))  # the loop ran between
