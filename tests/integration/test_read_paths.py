"""Issue 10: the reply paths read what they show, not a whole plan (SQLite and PostgreSQL).

While an L plan's messages go out, every other user's /status must stay fast. Its view reads of
the latest plan only what concerns the caller: the statements it sends do not grow with the
plan's moves, and none of them reads the plan's solution document whole (at L that document
holds every move with its explanation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy.ext.asyncio import AsyncEngine

from core.ports import UnitOfWorkFactory
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.planning import propose_plan
from core.views.status import NotGranted, status_view
from tests.integration.sample_data import real_plan
from tests.integration.test_plan_bulk_store import nurses
from tests.support.clock import FakeClock
from tests.support.loop_agency import CLERK, LOOP_AGENCY, NIGHT, ScriptedEngine, move, rules
from tests.support.sql_count import sql_statements

#: A statement that selects the plans' solution column as a whole (not a path inside it).
WHOLE_SOLUTION = re.compile(r"(SELECT|,)\s*plans\.solution\s*(,|FROM\b)", re.IGNORECASE)


async def test_latest_id_and_the_not_granted_entries_of_one_person(
    uow_factory: UnitOfWorkFactory,
) -> None:
    entry = {"employee": CLERK, "aspiration": "PKM-B", "reason": "TENURE", "cost_to_force": 1.5}
    other = {**entry, "employee": "199001012015031001", "reason": "NOT_BETTER"}
    async with uow_factory() as uow:
        assert await uow.plans.latest_id() is None
        older = await uow.plans.add(real_plan(dt.date(2026, 3, 2)))
        newer = await uow.plans.add(
            dataclasses.replace(
                real_plan(dt.date(2026, 3, 3)),
                solution={"moves": [], "not_granted": [entry, other, {**entry, "reason": "X"}]},
            )
        )
        await uow.plans.add(real_plan(dt.date(2026, 3, 4), dry_run=True))
        await uow.commit()
    assert older.id is not None and newer.id is not None
    async with uow_factory() as uow:
        assert await uow.plans.latest_id() == newer.id
        assert await uow.plans.not_granted_for(newer.id, CLERK) == [
            entry,
            {**entry, "reason": "X"},
        ]
        assert await uow.plans.not_granted_for(newer.id, "198001012005011999") == []
        # A plan whose document has no not_granted list, and a plan that does not exist.
        assert await uow.plans.not_granted_for(older.id, CLERK) == []
        assert await uow.plans.not_granted_for(newer.id + 99, CLERK) == []


async def test_status_reads_as_much_for_a_plan_of_60_moves_as_of_20_and_never_the_document(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory
) -> None:
    await LOOP_AGENCY.write_to(uow_factory)
    few, many = nurses(20, 0), nurses(60, 100)
    async with uow_factory() as uow:
        await uow.employees.upsert_many([*few, *many])
        await uow.commit()
    planning = rules()
    reads: list[list[str]] = []
    for day, people in ((0, few), (1, many)):
        clock = FakeClock((NIGHT + dt.timedelta(days=day)).astimezone(dt.UTC))
        outcome = await propose_plan(
            uow_factory, clock, planning, ScriptedEngine([move(p.nip) for p in people])
        )
        assert outcome.created and len(outcome.proposals) == len(people)
        async with uow_factory() as uow:
            mover = await uow.employees.get(people[-1].nip)
            clerk = await uow.employees.get(CLERK)
        assert mover is not None and clerk is not None
        with sql_statements(engine) as statements:
            async with uow_factory() as uow:
                moved = await status_view(
                    uow, mover, planning.approval, EligibilityPolicy(), clock.now()
                )
                refused = await status_view(
                    uow, clerk, planning.approval, EligibilityPolicy(), clock.now()
                )
        # What /status says is read from the latest plan: where it moves the person, or why
        # their aspiration was not granted.
        assert (moved.transfers.moved_to, moved.transfers.moved_as_asked) == (
            "Puskesmas Playen",
            False,
        )
        assert [line.proposal_id for line in moved.transfers.transfers] == [
            p.id for p in outcome.proposals if p.nip == mover.nip
        ]
        assert refused.transfers.not_granted == (
            NotGranted("Puskesmas Playen", "FAMILY_NOT_IN_UNIT"),
        )
        assert refused.transfers.moved_to is None
        assert not [s for s in statements if WHOLE_SOLUTION.search(s)], statements
        reads.append(statements)
    assert len(reads[0]) == len(reads[1]), reads
