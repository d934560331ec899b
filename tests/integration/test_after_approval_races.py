"""Two writes that keep a proposal's state (the head's SPMT, the admin's Minister's letter, the
notice's delivery) racing on the same approved proposal, on both backends: each either lands
with the other's change kept, or is refused — never silently undone by the other's stale copy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

from core.domain import ProposalState, TransferProposal
from core.ports import UnitOfWork, UnitOfWorkFactory
from tests.integration.sample_data import NOW, SAMPLE, nurse_move, real_plan
from tests.integration.test_constraints import race


async def approved(uow_factory: UnitOfWorkFactory) -> TransferProposal:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        plan = await uow.plans.add(real_plan())
        pending = await uow.proposals.add(nurse_move(plan.id or 0))
        done = dataclasses.replace(
            pending, state=ProposalState.APPROVED, stage=1, decided_at=NOW, tmt=dt.date(2026, 5, 1)
        )
        assert await uow.proposals.transition(pending, done)
        await uow.commit()
    return done


async def test_the_spmt_and_the_ministers_letter_racing_keep_both_or_refuse_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    proposal = await approved(uow_factory)
    pid = proposal.id or 0

    async def write(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> str:
        seen = await uow.proposals.get(pid)
        assert seen is not None
        await barrier.wait()
        if contender == 0:
            new = dataclasses.replace(seen, arrival_confirmed_at=NOW, arrival_confirmed_by="1")
            return "spmt" if await uow.proposals.transition(seen, new) else "lost"
        new = dataclasses.replace(
            seen, minister_letter_number="100/1/OTDA", minister_letter_date=dt.date(2026, 4, 1)
        )
        return "letter" if await uow.proposals.transition(seen, new) else "lost"

    outcomes = await race(uow_factory, write)
    async with uow_factory() as uow:
        stored = await uow.proposals.get(pid)
    assert stored is not None
    if "spmt" in outcomes:
        assert stored.arrival_confirmed_at is not None, outcomes
    if "letter" in outcomes:
        assert stored.minister_letter_number == "100/1/OTDA", outcomes
    assert outcomes != ["lost", "lost"]


async def test_two_spmt_taps_at_once_record_one_head(uow_factory: UnitOfWorkFactory) -> None:
    proposal = await approved(uow_factory)
    pid = proposal.id or 0

    async def tap(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> str:
        seen = await uow.proposals.get(pid)
        assert seen is not None and seen.arrival_confirmed_at is None
        await barrier.wait()
        new = dataclasses.replace(
            seen, arrival_confirmed_at=NOW, arrival_confirmed_by=str(contender)
        )
        return f"head{contender}" if await uow.proposals.transition(seen, new) else "lost"

    outcomes = await race(uow_factory, tap)
    assert outcomes in (["head0", "lost"], ["head1", "lost"])
    async with uow_factory() as uow:
        stored = await uow.proposals.get(pid)
    assert stored is not None and f"head{stored.arrival_confirmed_by}" in outcomes
