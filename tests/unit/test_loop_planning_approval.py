"""Flows 4-8 in core against in-memory ports: plan, approve, notice, object, effect, rate."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import OutboxStatus, ProposalState, Role, RoleGrant, ScopeKind
from core.domain.errors import InvalidInput
from core.domain.messages import ApprovalCard, ObjectionCard
from core.usecases.approval.decisions import (
    AlreadyDecided,
    DecidedEarlierStage,
    NotYourStage,
    decide,
)
from core.usecases.approval.groups import approve_all
from core.usecases.approval.reminders import remind_and_expire
from core.usecases.effect import apply_due_transfers, confirm_arrival, sk_rows
from core.usecases.evaluations import AlreadyRated, record_evaluation, request_due_evaluations
from core.usecases.objections import (
    NotYourTransfer,
    ObjectionWindowClosed,
    accept_transfer,
    decide_objection,
    object_transfer,
)
from core.usecases.outbox import dispatch_due
from core.usecases.planning import PlanOutcome, propose_plan
from core.views.proposals import awaiting
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory, RecordingSender, stored_id
from tests.support.loop_agency import (
    APPROVER,
    APPROVER_2,
    CHAT,
    HOURS,
    JAKARTA,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    SUP_A,
    SUP_B,
    ScriptedEngine,
    move,
    rules,
    world,
)
from tests.support.outbox_samples import payload_of


def kinds(factory: FakeUowFactory, chat: int | None = None) -> list[str]:
    return sorted(
        m.kind for m in factory.store.outbox.values() if chat is None or m.chat_id == chat
    )


async def planned(chain: str = "approver") -> tuple[FakeUowFactory, FakeClock, PlanOutcome]:
    factory, clock = await world()
    engine = ScriptedEngine([move(NURSE_A), move(NURSE_B)])
    outcome = await propose_plan(factory, clock, rules(chain), engine)
    return factory, clock, outcome


async def test_nightly_plan_stores_plan_proposals_summary_and_cards_in_one_go() -> None:
    factory, clock, outcome = await planned()
    assert outcome.created and outcome.plan is not None
    assert [p.state for p in outcome.proposals] == [ProposalState.PENDING] * 2
    assert kinds(factory, CHAT[APPROVER]) == ["approval_card", "approval_card", "plan_summary"]
    assert kinds(factory, CHAT[OUTSIDER]) == []  # Dindik's approver sees nothing of Dinkes
    card = next(m for m in factory.store.outbox.values() if m.kind == "approval_card")
    assert card.next_attempt_at == dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
    assert any(e.action == "plan.create" for e in factory.store.audit)


async def test_dry_run_stores_and_sends_nothing() -> None:
    factory, clock = await world()
    outcome = await propose_plan(
        factory, clock, rules(), ScriptedEngine([move(NURSE_A)]), dry_run=True
    )
    assert outcome.dry_run and len(outcome.moves) == 1
    assert not factory.store.plans and not factory.store.outbox and not factory.store.proposals


async def test_second_run_the_same_night_returns_the_first_plan() -> None:
    factory, clock, first = await planned()
    engine = ScriptedEngine([move(NURSE_A)])
    second = await propose_plan(factory, clock, rules(), engine)
    assert not second.created and second.plan == first.plan
    assert engine.seen == []  # not even solved
    assert len(factory.store.plans) == 1


async def test_people_awaiting_a_decision_are_not_moved_again() -> None:
    factory, clock, _ = await planned()
    clock.advance(dt.timedelta(days=1))
    engine = ScriptedEngine([move(NURSE_A)])
    outcome = await propose_plan(factory, clock, rules(), engine)
    assert NURSE_A in engine.seen[0].busy_nips
    assert outcome.proposals == ()


async def test_one_tap_approves_and_queues_notice_supervisor_words_and_card_edits() -> None:
    factory, clock, outcome = await planned()
    clock.current = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)
    pid = stored_id(outcome.proposals[0])
    result = await decide(
        factory,
        clock,
        rules().approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    assert result.final and result.proposal.state == ProposalState.APPROVED
    assert result.proposal.tmt == dt.date(2027, 1, 1)
    assert "notice" in kinds(factory, CHAT[NURSE_A])
    assert "supervisor_info" in kinds(factory, CHAT[SUP_A])
    assert "supervisor_info" in kinds(factory, CHAT[SUP_B])
    # Both approvers' copies of the card are edited.
    assert kinds(factory, CHAT[APPROVER]).count("card_outcome") == 1
    assert kinds(factory, CHAT[APPROVER_2]).count("card_outcome") == 1


async def test_second_tap_on_approved_card_changes_nothing() -> None:
    factory, clock, outcome = await planned()
    pid = stored_id(outcome.proposals[0])
    approval = rules().approval
    await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
    )
    before = dict(factory.store.outbox)
    with pytest.raises(AlreadyDecided) as stale:
        await decide(
            factory,
            clock,
            approval,
            proposal_id=pid,
            stage=0,
            approver_nip=APPROVER_2,
            approve=False,
            reason="tidak setuju",
        )
    assert stale.value.values["state"] == "approved"
    assert factory.store.outbox == before and len(factory.store.decisions) == 1


async def test_approver_out_of_scope_changes_nothing() -> None:
    factory, clock, outcome = await planned()
    with pytest.raises(NotYourStage):
        await decide(
            factory,
            clock,
            rules().approval,
            proposal_id=stored_id(outcome.proposals[0]),
            stage=0,
            approver_nip=OUTSIDER,
            approve=True,
        )
    assert factory.store.proposals[stored_id(outcome.proposals[0])].state == ProposalState.PENDING


async def test_rejection_needs_a_reason_and_records_it() -> None:
    factory, clock, outcome = await planned()
    pid = stored_id(outcome.proposals[1])
    approval = rules().approval
    with pytest.raises(InvalidInput):
        await decide(
            factory,
            clock,
            approval,
            proposal_id=pid,
            stage=0,
            approver_nip=APPROVER,
            approve=False,
        )
    result = await decide(
        factory,
        clock,
        approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=False,
        reason="masih dibutuhkan",
    )
    assert result.proposal.state == ProposalState.REJECTED
    assert factory.store.decisions[0].reason == "masih dibutuhkan"
    assert "notice" not in kinds(factory, CHAT[NURSE_B])


async def test_three_stage_chain_passes_cards_to_the_next_stage() -> None:
    factory, clock, outcome = await planned("kepala_opd:opd,sekda")
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "sekda"))
    approval = rules("kepala_opd:opd,sekda").approval
    pid = stored_id(outcome.proposals[0])
    first = await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
    )
    assert not first.final and first.proposal.stage == 1
    assert "approval_card" in kinds(factory, CHAT[OUTSIDER])
    with pytest.raises(NotYourStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=1, approver_nip=APPROVER, approve=True
        )
    final = await decide(
        factory, clock, approval, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
    )
    assert final.final and final.proposal.state == ProposalState.APPROVED


async def test_approve_all_decides_every_card_of_the_plan_in_scope() -> None:
    factory, clock, outcome = await planned()
    result = await approve_all(
        factory, clock, rules().approval, plan_id=stored_id(outcome.plan), approver_nip=APPROVER
    )
    assert (result.approved, result.skipped) == (2, 0)


async def test_undecided_card_is_reminded_after_two_working_days_and_expires_after_ten() -> None:
    factory, clock, outcome = await planned()
    approval = rules().approval
    clock.current = dt.datetime(2026, 11, 26, 8, 0, tzinfo=JAKARTA)  # Thursday: 2 days
    report = await remind_and_expire(factory, clock, approval)
    assert report.reminded == 4 and report.expired == 0  # 2 cards x 2 approvers
    assert (await remind_and_expire(factory, clock, approval)).reminded == 0
    clock.current = dt.datetime(2026, 12, 8, 8, 0, tzinfo=JAKARTA)  # 10 working days
    assert (await remind_and_expire(factory, clock, approval)).expired == 2
    assert {p.state for p in factory.store.proposals.values()} == {ProposalState.EXPIRED}


async def approved(factory: FakeUowFactory, clock: FakeClock, outcome: PlanOutcome) -> int:
    pid = stored_id(outcome.proposals[0])
    await decide(
        factory,
        clock,
        rules().approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    return pid


async def test_asn_accepts_own_transfer_only() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    with pytest.raises(NotYourTransfer):
        await accept_transfer(factory, clock, proposal_id=pid, nip=NURSE_B)
    result = await accept_transfer(factory, clock, proposal_id=pid, nip=NURSE_A)
    assert result.state == ProposalState.ACCEPTED


async def test_objection_goes_to_approvers_who_cancel_the_transfer() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    approval = rules().approval
    await object_transfer(
        factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="merawat orang tua"
    )
    assert factory.store.proposals[pid].state == ProposalState.OBJECTED
    objection = [m for m in factory.store.outbox.values() if m.kind == "objection"]
    assert {m.chat_id for m in objection} == {CHAT[APPROVER], CHAT[APPROVER_2]}
    assert payload_of(objection[0], ObjectionCard).reason == "merawat orang tua"
    result = await decide_objection(
        factory,
        clock,
        approval,
        proposal_id=pid,
        approver_nip=APPROVER,
        cancel=True,
        reason="alasan diterima",
    )
    assert result.state == ProposalState.CANCELLED
    assert "objection_outcome" in kinds(factory, CHAT[NURSE_A])
    assert "supervisor_cancelled" in kinds(factory, CHAT[SUP_B])


async def test_objection_after_the_window_is_refused() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    # The window runs from the notice's delivery (07:30 the same morning), as the notice says.
    clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
    await dispatch_due(factory, RecordingSender(), clock)
    clock.advance(dt.timedelta(days=8))
    with pytest.raises(ObjectionWindowClosed):
        await object_transfer(
            factory, clock, rules().approval, proposal_id=pid, nip=NURSE_A, reason="terlambat"
        )


async def test_after_the_tmt_and_the_spmt_the_employee_moves_and_sk_is_ready() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    assert (await apply_due_transfers(factory, clock, HOURS)).applied == ()
    clock.current = dt.datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA)
    # The calendar alone moves nobody: the destination head's SPMT tap does.
    assert (await apply_due_transfers(factory, clock, HOURS)).applied == ()
    assert factory.store.employees[NURSE_A].unit_code == "PKM-A"
    arrival = await confirm_arrival(
        factory, clock, rules().approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert arrival.applied
    moved = factory.store.employees[NURSE_A]
    assert (moved.unit_code, moved.tmt_unit) == ("PKM-B", dt.date(2027, 1, 1))
    async with factory() as uow:
        [row] = await sk_rows(uow, stored_id(outcome.plan), JAKARTA)
    assert (row.nip, row.unit_lama, row.unit_baru, row.tmt) == (
        NURSE_A,
        "Puskesmas Wonosari I",
        "Puskesmas Playen",
        "2027-01-01",
    )
    assert row.disetujui_oleh == "Kepala Dinkes" and row.nomor_usulan.startswith("MUT-20261124")


async def test_the_sk_names_the_approvers_of_the_stages_not_who_ruled_on_the_objection() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    approval = rules().approval
    await object_transfer(factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="jauh")
    ruled = await decide_objection(
        factory, clock, approval, proposal_id=pid, approver_nip=APPROVER_2, cancel=False
    )
    assert ruled.state == ProposalState.APPROVED
    async with factory() as uow:
        [row] = await sk_rows(uow, stored_id(outcome.plan), JAKARTA)
    assert row.disetujui_oleh == "Kepala Dinkes"


async def test_after_ninety_days_the_new_supervisor_and_the_asn_are_asked_once() -> None:
    factory, clock, outcome = await planned()
    pid = await approved(factory, clock, outcome)
    clock.current = dt.datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA)
    await confirm_arrival(
        factory, clock, rules().approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert await request_due_evaluations(factory, clock, HOURS) == 0
    clock.current = dt.datetime(2027, 4, 1, 9, 0, tzinfo=JAKARTA)
    assert await request_due_evaluations(factory, clock, HOURS) == 3
    assert await request_due_evaluations(factory, clock, HOURS) == 0
    await record_evaluation(
        factory, clock, proposal_id=pid, rater_nip=SUP_B, kind="performance", score=4
    )
    with pytest.raises(AlreadyRated):
        await record_evaluation(
            factory, clock, proposal_id=pid, rater_nip=SUP_B, kind="performance", score=5
        )


async def test_notice_waits_in_the_outbox_for_the_asn() -> None:
    factory, clock, outcome = await planned()
    await approved(factory, clock, outcome)
    notice = next(m for m in factory.store.outbox.values() if m.kind == "notice")
    assert notice.status == OutboxStatus.PENDING and notice.chat_id == CHAT[NURSE_A]


@pytest.mark.parametrize(
    ("window", "frozen"),
    [
        ((dt.date(2026, 11, 1), dt.date(2027, 2, 1)), True),
        # The card is made outside, but approved today the TMT (1 January 2027) is inside.
        ((dt.date(2026, 12, 1), dt.date(2027, 2, 1)), True),
        ((dt.date(2027, 1, 2), dt.date(2027, 2, 1)), False),
        (None, False),
    ],
)
async def test_cards_made_or_taking_effect_inside_the_freeze_window_say_the_minister_must_approve(
    window: tuple[dt.date, dt.date] | None, frozen: bool
) -> None:
    from dataclasses import replace

    factory, clock = await world()
    base = rules()
    frozen_rules = replace(base, approval=replace(base.approval, freeze_window=window))
    await propose_plan(factory, clock, frozen_rules, ScriptedEngine([move(NURSE_A)]))
    card = next(m for m in factory.store.outbox.values() if m.kind == "approval_card")
    assert payload_of(card, ApprovalCard).content.freeze_note is frozen


async def test_one_official_cannot_approve_two_stages_of_the_same_transfer() -> None:
    # APPROVER holds an all-agency grant that covers both stages, which would let one person
    # push a transfer through the whole chain alone.
    chain = "approver,sekda"
    factory, clock, outcome = await planned(chain)
    factory.store.roles.append(RoleGrant(APPROVER, Role.APPROVER, ScopeKind.ALL, None))
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, None))
    approval = rules(chain).approval
    pid = stored_id(outcome.proposals[0])
    await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
    )
    decisions_before = len(factory.store.decisions)
    with pytest.raises(DecidedEarlierStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=1, approver_nip=APPROVER, approve=True
        )
    assert len(factory.store.decisions) == decisions_before
    async with factory() as uow:
        assert pid not in [p.id for p in await awaiting(uow, APPROVER, approval)]
        assert pid in [p.id for p in await awaiting(uow, OUTSIDER, approval)]
    final = await decide(
        factory, clock, approval, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
    )
    assert final.final and final.proposal.state == ProposalState.APPROVED


async def test_a_card_at_a_stage_the_shortened_chain_lacks_is_decided_by_the_last_stage() -> None:
    factory, clock, outcome = await planned("approver,sekda")
    factory.store.roles.append(RoleGrant(APPROVER, Role.APPROVER, ScopeKind.ALL, None))
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, None))
    pid = stored_id(outcome.proposals[0])
    await decide(
        factory,
        clock,
        rules("approver,sekda").approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    shortened = rules("approver").approval  # the agency dropped the second stage meanwhile
    async with factory() as uow:
        assert pid in [p.id for p in await awaiting(uow, OUTSIDER, shortened)]
    final = await decide(
        factory, clock, shortened, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
    )
    assert final.final and final.proposal.state == ProposalState.APPROVED
