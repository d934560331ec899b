"""The loop against real databases (SQLite and PostgreSQL): races are settled by the database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.domain import OutboxStatus, ProposalState
from core.domain.messages import AdminAlert
from core.ports import UnitOfWorkFactory
from core.usecases.approval.decisions import AlreadyDecided, decide
from core.usecases.objections import decide_objection, object_transfer
from core.usecases.outbox import DispatchPolicy, dispatch_due, enqueue
from core.usecases.planning import propose_plan
from tests.support.clock import FakeClock
from tests.support.fakes import RecordingSender, stored_id
from tests.support.loop_agency import (
    APPROVER,
    APPROVER_2,
    CHAT,
    JAKARTA,
    LOOP_AGENCY,
    NIGHT,
    NURSE_A,
    NURSE_B,
    ScriptedEngine,
    move,
    rules,
)


@pytest.fixture
async def agency(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await LOOP_AGENCY.write_to(uow_factory)
    return uow_factory


async def test_two_nightly_runs_started_together_produce_one_plan(
    agency: UnitOfWorkFactory,
) -> None:
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    engine = ScriptedEngine([move(NURSE_A), move(NURSE_B)])
    first, second = await asyncio.gather(
        propose_plan(agency, clock, rules(), engine),
        propose_plan(agency, clock, rules(), engine),
    )
    assert sorted([first.created, second.created]) == [False, True]
    assert first.plan is not None and second.plan is not None
    assert stored_id(first.plan) == stored_id(second.plan)
    async with agency() as uow:
        assert len(await uow.proposals.list_for_plan(stored_id(first.plan))) == 2
        summaries = [m for m in await uow.outbox.list() if m.kind == "plan_summary"]
    assert len(summaries) == 2  # one per approver, not one per run


async def test_two_approvers_tapping_the_same_card_at_once_make_one_decision(
    agency: UnitOfWorkFactory,
) -> None:
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(agency, clock, rules(), ScriptedEngine([move(NURSE_A)]))
    pid = stored_id(outcome.proposals[0])
    assert pid is not None
    approval = rules().approval
    results = await asyncio.gather(
        decide(
            agency, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
        ),
        decide(
            agency,
            clock,
            approval,
            proposal_id=pid,
            stage=0,
            approver_nip=APPROVER_2,
            approve=False,
            reason="tidak",
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyDecided) for r in results) == 1
    async with agency() as uow:
        assert len(await uow.decisions.list_for(pid)) == 1
        notices = [m for m in await uow.outbox.list() if m.kind == "notice"]
        proposal = await uow.proposals.get(pid)
    assert proposal is not None
    assert len(notices) == (1 if proposal.state == ProposalState.APPROVED else 0)


async def test_whole_loop_with_dispatch_keeps_plan_proposal_outbox_and_audit_right(
    agency: UnitOfWorkFactory,
) -> None:
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    sender = RecordingSender()
    outcome = await propose_plan(agency, clock, rules(), ScriptedEngine([move(NURSE_A)]))
    assert (await dispatch_due(agency, sender, clock)).claimed == 0  # 01:00: nothing goes out
    clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
    report = await dispatch_due(agency, sender, clock)
    assert report.sent == 5  # summary + card to each of two approvers, the admin's plan report
    first_chat = [m.kind for m, _ in sender.sent if m.chat_id == CHAT[APPROVER]]
    assert first_chat == ["plan_summary", "approval_card"]
    pid = stored_id(outcome.proposals[0])
    assert pid is not None
    approval = rules().approval
    await decide(
        agency, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
    )
    await dispatch_due(agency, sender, clock)
    edits = [(m.chat_id, target) for m, target in sender.sent if m.kind == "card_outcome"]
    assert {chat for chat, _ in edits} == {CHAT[APPROVER], CHAT[APPROVER_2]}
    assert all(target is not None for _, target in edits)
    notices = [m for m, _ in sender.sent if m.kind == "notice"]
    assert [m.chat_id for m in notices] == [CHAT[NURSE_A]]
    await object_transfer(
        agency, clock, approval, proposal_id=pid, nip=NURSE_A, reason="orang tua sakit"
    )
    await decide_objection(
        agency,
        clock,
        approval,
        proposal_id=pid,
        approver_nip=APPROVER_2,
        cancel=True,
        reason="diterima",
    )
    await dispatch_due(agency, sender, clock)
    await dispatch_due(agency, sender, clock)  # edits go once the message they edit is sent
    async with agency() as uow:
        proposal = await uow.proposals.get(pid)
        outbox = await uow.outbox.list()
        audit = [e.action for e in await uow.audit.list(f"proposal:{pid}")]
    assert proposal is not None and proposal.state == ProposalState.CANCELLED
    assert {m.status for m in outbox} == {OutboxStatus.SENT}
    assert audit == ["proposal.approve", "proposal.object", "objection.cancelled"]
    # Nothing is sent twice.
    assert len({m.id for m, _ in sender.sent}) == len(sender.sent)


async def test_two_dispatchers_racing_send_each_message_once(agency: UnitOfWorkFactory) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA))
    async with agency() as uow:
        for i in range(40):
            await enqueue(
                uow,
                1000 + i % 5,
                AdminAlert(alert="failed", nips=(str(i),)),
                now=clock.now(),
                dedupe_key=f"race:{i}",
            )
        await uow.commit()
    first, second = RecordingSender(), RecordingSender()
    # Per-chat pacing off: this is about two dispatchers racing for the same rows.
    unpaced = DispatchPolicy(chat_per_second=None)
    await asyncio.gather(
        dispatch_due(agency, first, clock, unpaced), dispatch_due(agency, second, clock, unpaced)
    )
    sent_ids = [stored_id(m) for m, _ in first.sent + second.sent]
    assert sorted(sent_ids) == sorted(set(sent_ids)) and len(sent_ids) == 40
    async with agency() as uow:
        assert {m.status for m in await uow.outbox.list()} == {OutboxStatus.SENT}
