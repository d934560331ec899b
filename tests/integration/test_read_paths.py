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

from core.domain import OutboxMessage
from core.ports import UnitOfWorkFactory
from core.rebalance.documents import NotGrantedDocument
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.planning import propose_plan
from core.views.status import NotGranted, status_view
from tests.integration.sample_data import real_plan
from tests.integration.test_plan_bulk_store import agency_with_nurses
from tests.support.clock import FakeClock
from tests.support.loop_agency import CLERK, NIGHT, ScriptedEngine, move, rules
from tests.support.outbox_samples import sample
from tests.support.plan_documents import plan_document
from tests.support.sql_count import sql_calls

#: A statement that selects the plans' solution column as a whole (not a path inside it).
#: Any aware time (the outbox stores UTC).
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

WHOLE_SOLUTION = re.compile(r"(SELECT|,)\s*plans\.solution\s*(,|FROM\b)", re.IGNORECASE)


async def test_latest_id_and_the_not_granted_entries_of_one_person(
    uow_factory: UnitOfWorkFactory,
) -> None:
    entry = NotGrantedDocument(
        employee=CLERK, aspiration="PKM-B", reason="TENURE", cost_to_force=1.5
    )
    other = NotGrantedDocument(
        employee="199001012015031001", aspiration="PKM-B", reason="NOT_BETTER"
    )
    again = NotGrantedDocument(employee=CLERK, aspiration="PKM-B", reason="X")
    async with uow_factory() as uow:
        assert await uow.plans.latest_id() is None
        older = await uow.plans.add(real_plan(dt.date(2026, 3, 2)))
        newer = await uow.plans.add(
            dataclasses.replace(
                real_plan(dt.date(2026, 3, 3)),
                solution=plan_document(not_granted=[entry, other, again]),
            )
        )
        await uow.plans.add(real_plan(dt.date(2026, 3, 4), dry_run=True))
        await uow.commit()
    assert older.id is not None and newer.id is not None
    async with uow_factory() as uow:
        assert await uow.plans.latest_id() == newer.id
        assert await uow.plans.not_granted_for(newer.id, CLERK) == [
            ("PKM-B", "TENURE"),
            ("PKM-B", "X"),
        ]
        assert await uow.plans.not_granted_for(newer.id, "198001012005011999") == []
        # A plan with no entry about the clerk, and a plan that does not exist.
        assert await uow.plans.not_granted_for(older.id, CLERK) == []
        assert await uow.plans.not_granted_for(newer.id + 99, CLERK) == []


async def test_status_reads_as_much_for_a_plan_of_60_moves_as_of_20_and_never_the_document(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory
) -> None:
    few, many = await agency_with_nurses(uow_factory)
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
        with sql_calls(engine) as statements:
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
        texts = [text for text, _ in statements]
        assert not [text for text in texts if WHOLE_SOLUTION.search(text)], texts
        reads.append(texts)
    assert len(reads[0]) == len(reads[1]), reads


async def test_the_copies_of_a_card_are_found_by_their_key_prefix_and_nothing_else(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory
) -> None:
    keys = [
        "card:7:0:5",
        "card:70:0:5",
        "CARD:7:0:9",
        "card:7:1:5",
        "card:7%:0:1",
        "card:7_0:1",
        "card:7:0:6",
        "card:7;",
    ]
    async with uow_factory() as uow:
        for key in keys:
            await uow.outbox.add(
                OutboxMessage(None, 5, sample("approval_card"), NOW, dedupe_key=key)
            )
        await uow.commit()

    async def found(prefix: str) -> list[str | None]:
        async with uow_factory() as uow:
            return [m.dedupe_key for m in await uow.outbox.list_by_dedupe_prefix(prefix)]

    # In queue order; the prefix is taken literally (no wildcards) and with its case.
    assert await found("card:7:0:") == ["card:7:0:5", "card:7:0:6"]
    assert await found("card:7:") == ["card:7:0:5", "card:7:1:5", "card:7:0:6"]
    assert await found("card:7") == [k for k in keys if k.startswith("card:7")]
    assert await found("card:7%") == ["card:7%:0:1"]
    assert await found("card:7_") == ["card:7_0:1"]
    assert await found("card:8") == []
    with sql_calls(engine) as calls:
        await found("card:7:0:")
    if engine.dialect.name == "sqlite":
        # SQLite answers the search from the dedupe key's unique index, not by reading every
        # row of the outbox (it never uses an index for LIKE alone).
        [(text, parameters)] = [(t, p) for t, p in calls if "outbox_messages" in t]
        async with engine.connect() as connection:
            plan = (
                await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + text, parameters)
            ).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "USING INDEX" in details and "SCAN outbox_messages" not in details, details


async def test_a_queued_message_is_returned_as_a_read_of_its_row_would_give_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """`outbox.add` no longer reads the row back (thousands of notices are queued inside the
    approvals' write transactions): what it returns is still what the row reads as."""
    later = NOW + dt.timedelta(hours=2)
    async with uow_factory() as uow:
        queued = await uow.outbox.add(
            OutboxMessage(
                None,
                5,
                sample("notice"),
                NOW,
                next_attempt_at=later,
                dedupe_key="n",
                claimed_by="x",
            )
        )
        bare = await uow.outbox.add(OutboxMessage(None, 6, sample("plan_report"), NOW))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.get(queued.id or 0) == queued
        assert await uow.outbox.get(bare.id or 0) == bare
    assert queued.created_at.utcoffset() == dt.timedelta(0)
    assert (queued.created_at, queued.next_attempt_at) == (NOW, later)
