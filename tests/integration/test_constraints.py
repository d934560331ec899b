"""Rules the database enforces when two transactions race, on both backends.

Each race runs two units of work concurrently; a barrier makes both read before either writes,
which is the interleaving that would break a check-then-insert done only in Python.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from core.domain import (
    ApprovalDecision,
    Evaluation,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    ProposalState,
    TransferProposal,
)
from core.domain.errors import Conflict
from core.ports import OutboxTake, UnitOfWork, UnitOfWorkFactory
from tests.integration.sample_data import (
    APPROVER,
    NOW,
    NURSE,
    SAMPLE,
    TEACHER,
    nurse_move,
    real_plan,
)
from tests.support.outbox_samples import sample

Outcome = str


async def race(
    uow_factory: UnitOfWorkFactory,
    attempt: Callable[[UnitOfWork, asyncio.Barrier, int], Awaitable[Outcome]],
) -> list[Outcome]:
    """Run `attempt` in two concurrent units of work; each commits its own success."""
    barrier = asyncio.Barrier(2)

    async def one(contender: int) -> Outcome:
        async with uow_factory() as uow:
            try:
                outcome = await attempt(uow, barrier, contender)
            except Conflict:
                return "conflict"
            await uow.commit()
            return outcome

    return sorted(await asyncio.gather(one(0), one(1)))


async def stored_proposal(uow_factory: UnitOfWorkFactory) -> TransferProposal:
    """People, a plan and the nurse's pending move, committed."""
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        plan = await uow.plans.add(real_plan())
        proposal = await uow.proposals.add(nurse_move(plan.id or 0))
        await uow.commit()
    return proposal


async def test_two_racing_nightly_runs_store_one_plan(uow_factory: UnitOfWorkFactory) -> None:
    night = dt.date(2026, 3, 2)

    async def nightly_run(uow: UnitOfWork, barrier: asyncio.Barrier, _: int) -> Outcome:
        assert await uow.plans.get_for_date(night) is None
        await barrier.wait()
        await uow.plans.add(real_plan(night))
        return "stored"

    assert await race(uow_factory, nightly_run) == ["conflict", "stored"]
    async with uow_factory() as uow:
        assert (await uow.plans.get_for_date(night)) is not None
        assert (await uow.plans.latest()) == await uow.plans.get_for_date(night)


async def test_dry_runs_do_not_count_as_the_nights_plan(uow_factory: UnitOfWorkFactory) -> None:
    night = dt.date(2026, 3, 2)
    async with uow_factory() as uow:
        await uow.plans.add(real_plan(night, dry_run=True))
        await uow.plans.add(real_plan(night, dry_run=True))
        real = await uow.plans.add(real_plan(night))
        with pytest.raises(Conflict):
            await uow.plans.add(real_plan(night))
        # the refused insert left the transaction usable
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.plans.get_for_date(night) == real


async def test_two_approvers_tapping_at_once_record_one_decision(
    uow_factory: UnitOfWorkFactory,
) -> None:
    proposal = await stored_proposal(uow_factory)
    pid = proposal.id or 0

    async def tap(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> Outcome:
        assert await uow.decisions.list_for(pid) == []
        await barrier.wait()
        approve = contender == 0
        await uow.decisions.add(ApprovalDecision(pid, 0, APPROVER.nip, approve, None, NOW))
        return "approved" if approve else "rejected"

    outcomes = await race(uow_factory, tap)
    assert outcomes in (["approved", "conflict"], ["conflict", "rejected"])
    async with uow_factory() as uow:
        decisions = await uow.decisions.list_for(pid)
    assert len(decisions) == 1
    assert decisions[0].approved == ("approved" in outcomes)


async def test_proposal_state_changes_only_once_when_two_transitions_race(
    uow_factory: UnitOfWorkFactory,
) -> None:
    pending = await stored_proposal(uow_factory)

    async def decide(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> Outcome:
        seen = await uow.proposals.get(pending.id or 0)
        assert seen == pending
        await barrier.wait()
        state = ProposalState.APPROVED if contender == 0 else ProposalState.REJECTED
        new = dataclasses.replace(seen, state=state, stage=1, decided_at=NOW)
        return state.value if await uow.proposals.transition(seen, new) else "lost"

    outcomes = await race(uow_factory, decide)
    assert outcomes in (["approved", "lost"], ["lost", "rejected"])
    async with uow_factory() as uow:
        stored = await uow.proposals.get(pending.id or 0)
    assert stored is not None
    assert stored.state.value in outcomes
    assert stored.stage == 1


async def test_transition_refuses_a_stale_stage(uow_factory: UnitOfWorkFactory) -> None:
    pending = await stored_proposal(uow_factory)
    stale = dataclasses.replace(pending, stage=1)
    async with uow_factory() as uow:
        moved = dataclasses.replace(pending, state=ProposalState.APPROVED, stage=2)
        assert await uow.proposals.transition(stale, moved) is False
        assert await uow.proposals.get(pending.id or 0) == pending


async def test_an_employee_has_at_most_one_pending_proposal(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        first_plan = await uow.plans.add(real_plan(dt.date(2026, 3, 2)))
        second_plan = await uow.plans.add(real_plan(dt.date(2026, 3, 3)))
        await uow.commit()

    async def propose(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> Outcome:
        assert NURSE.nip not in await uow.proposals.list_pending_nips()
        await barrier.wait()
        plan = first_plan if contender == 0 else second_plan
        await uow.proposals.add(nurse_move(plan.id or 0))
        return "proposed"

    assert await race(uow_factory, propose) == ["conflict", "proposed"]
    async with uow_factory() as uow:
        assert await uow.proposals.list_pending_nips() == [NURSE.nip]
        (pending,) = await uow.proposals.list_for_nip(NURSE.nip)
        # once decided, the employee may be proposed again
        rejected = dataclasses.replace(pending, state=ProposalState.REJECTED, decided_at=NOW)
        assert await uow.proposals.transition(pending, rejected)
        again = await uow.proposals.add(nurse_move(second_plan.id or 0))
        await uow.commit()
    async with uow_factory() as uow:
        assert [p.state for p in await uow.proposals.list_for_nip(NURSE.nip)] == [
            ProposalState.REJECTED,
            ProposalState.PENDING,
        ]
        assert (await uow.proposals.list_by_state(ProposalState.PENDING)) == [again]


async def test_the_same_notice_is_queued_once_when_two_transactions_race(
    uow_factory: UnitOfWorkFactory,
) -> None:
    notice = OutboxMessage(
        id=None,
        chat_id=4242,
        payload=sample("notice"),
        created_at=NOW,
        next_attempt_at=NOW,
        dedupe_key="notice:1",
    )

    async def enqueue(uow: UnitOfWork, barrier: asyncio.Barrier, _: int) -> Outcome:
        assert await uow.outbox.get_by_dedupe_key("notice:1") is None
        await barrier.wait()
        await uow.outbox.add(notice)
        return "queued"

    assert await race(uow_factory, enqueue) == ["conflict", "queued"]
    async with uow_factory() as uow:
        assert len(await uow.outbox.list()) == 1


async def test_two_dispatchers_claim_a_message_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        queued = await uow.outbox.add(
            OutboxMessage(None, 4242, sample("plan_report"), NOW, next_attempt_at=NOW)
        )
        await uow.commit()

    async def claim(uow: UnitOfWork, barrier: asyncio.Barrier, _: int) -> Outcome:
        (due,) = await uow.outbox.due(NOW, OutboxTake(10))
        await barrier.wait()
        leased = dataclasses.replace(
            due, attempts=due.attempts + 1, next_attempt_at=NOW + dt.timedelta(minutes=2)
        )
        return "claimed" if await uow.outbox.claim(due, leased) else "lost"

    assert await race(uow_factory, claim) == ["claimed", "lost"]
    async with uow_factory() as uow:
        stored = await uow.outbox.get(queued.id or 0)
        assert stored is not None and stored.attempts == 1
        assert await uow.outbox.due(NOW + dt.timedelta(minutes=1), OutboxTake(10)) == []
        assert await uow.outbox.due(NOW + dt.timedelta(minutes=2), OutboxTake(10)) == [stored]


async def test_outbox_message_goes_from_pending_to_sent_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        queued = await uow.outbox.add(
            OutboxMessage(None, 4242, sample("plan_report"), NOW, next_attempt_at=NOW)
        )
        mid = queued.id or 0
        assert await uow.outbox.mark_sent(mid, 9_876_543_210) is True
        assert await uow.outbox.mark_sent(mid, 1) is False
        await uow.commit()
    async with uow_factory() as uow:
        sent = await uow.outbox.get(mid)
        assert sent == dataclasses.replace(
            queued, status=OutboxStatus.SENT, telegram_message_id=9_876_543_210
        )
        assert await uow.outbox.due(NOW + dt.timedelta(days=1), OutboxTake(10)) == []
        undeliverable = dataclasses.replace(sent, status=OutboxStatus.UNDELIVERABLE)
        await uow.outbox.update(undeliverable)
        assert await uow.outbox.list(OutboxStatus.UNDELIVERABLE) == [undeliverable]


async def test_an_invitation_binds_only_the_first_of_two_racing_accounts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.invitations.add(
            Invitation("c" * 64, NURSE.nip, NOW, NOW + dt.timedelta(days=14))
        )
        await uow.commit()

    async def redeem(uow: UnitOfWork, barrier: asyncio.Barrier, contender: int) -> Outcome:
        assert (await uow.invitations.get("c" * 64)) is not None
        await barrier.wait()
        used = await uow.invitations.mark_used("c" * 64, 1000 + contender, NOW)
        return "bound" if used else "refused"

    assert await race(uow_factory, redeem) == ["bound", "refused"]


async def test_invitation_codes_and_evaluations_are_unique(
    uow_factory: UnitOfWorkFactory,
) -> None:
    proposal = await stored_proposal(uow_factory)
    invitation = Invitation("d" * 64, TEACHER.nip, NOW, NOW + dt.timedelta(days=14))
    rating = Evaluation(proposal.id or 0, APPROVER.nip, "performance", 5, NOW)
    async with uow_factory() as uow:
        await uow.invitations.add(invitation)
        with pytest.raises(Conflict):
            await uow.invitations.add(dataclasses.replace(invitation, nip=NURSE.nip))
        await uow.evaluations.add(rating)
        with pytest.raises(Conflict):
            await uow.evaluations.add(dataclasses.replace(rating, score=1))
        await uow.evaluations.add(dataclasses.replace(rating, kind="adaptation", score=3))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.invitations.get("d" * 64) == invitation
        assert [e.score for e in await uow.evaluations.list_for(proposal.id or 0)] == [5, 3]


async def test_reopening_a_proposal_while_another_is_pending_is_a_conflict(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first = await stored_proposal(uow_factory)
    async with uow_factory() as uow:
        rejected = dataclasses.replace(first, state=ProposalState.REJECTED)
        assert await uow.proposals.transition(first, rejected)
        second = await uow.proposals.add(nurse_move(first.plan_id))
        with pytest.raises(Conflict):
            await uow.proposals.transition(rejected, first)
        with pytest.raises(Conflict):
            await uow.proposals.update(first)
        # the refused change left the transaction usable on both backends
        await uow.commit()
    async with uow_factory() as uow:
        assert [p.state for p in await uow.proposals.list_for_nip(NURSE.nip)] == [
            ProposalState.REJECTED,
            ProposalState.PENDING,
        ]
        assert await uow.proposals.list_by_state(ProposalState.PENDING) == [second]
