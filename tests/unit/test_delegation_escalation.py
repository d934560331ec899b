"""Issue 10: delegation while an approver is away (/wakil) and escalation of undecided cards."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import OutboxMessage, ProposalState, Role, RoleGrant, ScopeKind
from core.domain.messages import (
    ApprovalCard,
    ApprovalDigest,
    DelegationNotice,
    EscalationDigest,
    ReminderDigest,
)
from core.usecases.approval.decisions import DecidedEarlierStage, NotYourStage, decide
from core.usecases.approval.reminders import remind_and_expire
from core.usecases.delegation import (
    DelegationDates,
    DelegationOverlaps,
    NotADelegate,
    announce_delegations,
    create_delegation,
    end_delegation,
)
from core.usecases.planning import propose_plan
from handlers.approval import card_text
from handlers.delegation import parse_day, render_delegation_notice
from handlers.i18n import translator
from tests.support.fakes import FakeUowFactory, stored_id
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    APPROVER_2,
    CHAT,
    JAKARTA,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    SUP_A,
    ScriptedEngine,
    move,
    rules,
    world,
)
from tests.support.outbox_samples import payload_of
from tests.unit.test_approval_digest import with_many_movers

TUESDAY = dt.date(2026, 11, 24)


def sent(factory: FakeUowFactory, chat: int, kind: str) -> list[OutboxMessage]:
    return [m for m in factory.store.outbox.values() if m.chat_id == chat and m.kind == kind]


async def test_an_approver_names_a_deputy_who_gets_the_digest_and_decides_in_their_name() -> None:
    factory, clock = await world()
    await create_delegation(
        factory,
        clock,
        JAKARTA,
        approver_nip=APPROVER,
        delegate_nip=SUP_A,
        first_day=TUESDAY,
        last_day=dt.date(2026, 11, 27),
    )
    # Both are told at the start.
    [to_deputy] = sent(factory, CHAT[SUP_A], "delegation_notice")
    [to_approver] = sent(factory, CHAT[APPROVER], "delegation_notice")
    text, _ = render_delegation_notice(translator("id"), payload_of(to_deputy, DelegationNotice))
    assert "Anda mewakili Kepala Dinkes" in text and "27 November 2026" in text
    assert payload_of(to_approver, DelegationNotice).event == "start"
    # The plan's digest for the approver goes to the deputy's chat instead.
    moves = await with_many_movers(factory, 20)
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    assert len(sent(factory, CHAT[SUP_A], "approval_digest")) == 1
    assert sent(factory, CHAT[APPROVER], "approval_digest") == []
    assert len(sent(factory, CHAT[APPROVER_2], "approval_digest")) == 1
    [digest] = sent(factory, CHAT[SUP_A], "approval_digest")
    assert payload_of(digest, ApprovalDigest).nip == SUP_A
    # The deputy decides; the decision is the approver's and the audit names both.
    pid = stored_id(outcome.proposals[0])
    await decide(
        factory,
        clock,
        rules().approval,
        proposal_id=pid,
        stage=0,
        approver_nip=SUP_A,
        approve=True,
    )
    [decision] = factory.store.decisions
    assert decision.approver_nip == APPROVER
    [event] = [e for e in factory.store.audit if e.action == "proposal.approve"]
    assert event.actor == SUP_A and event.after is not None
    assert event.after["on_behalf_of"] == APPROVER
    # After the last day it has ended by itself: the deputy may no longer decide.
    clock.current = dt.datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)
    with pytest.raises(NotYourStage):
        await decide(
            factory,
            clock,
            rules().approval,
            proposal_id=stored_id(outcome.proposals[1]),
            stage=0,
            approver_nip=SUP_A,
            approve=True,
        )
    assert await announce_delegations(factory, clock, JAKARTA) == 2
    assert await announce_delegations(factory, clock, JAKARTA) == 0  # told once
    ends = [
        m
        for m in factory.store.outbox.values()
        if m.kind == "delegation_notice" and payload_of(m, DelegationNotice).event == "end"
    ]
    assert {m.chat_id for m in ends} == {CHAT[APPROVER], CHAT[SUP_A]}
    end_text, _ = render_delegation_notice(translator("id"), payload_of(ends[0], DelegationNotice))
    assert "berakhir" in end_text or "tidak lagi mewakili" in end_text


async def test_a_deputy_must_be_someone_else_in_the_scope_and_dates_must_make_sense() -> None:
    factory, clock = await world()

    async def name(delegate: str, first: dt.date, last: dt.date) -> None:
        await create_delegation(
            factory,
            clock,
            JAKARTA,
            approver_nip=APPROVER,
            delegate_nip=delegate,
            first_day=first,
            last_day=last,
        )

    with pytest.raises(NotADelegate):
        await name(OUTSIDER, TUESDAY, TUESDAY)  # Dindik: not the approver's OPD
    with pytest.raises(NotADelegate):
        await name(APPROVER, TUESDAY, TUESDAY)
    with pytest.raises(DelegationDates):
        await name(SUP_A, TUESDAY - dt.timedelta(days=1), TUESDAY)
    with pytest.raises(DelegationDates):
        await name(SUP_A, TUESDAY, TUESDAY - dt.timedelta(days=1))
    with pytest.raises(DelegationDates):
        await name(SUP_A, TUESDAY, TUESDAY + dt.timedelta(days=120))
    assert factory.store.delegations == []
    await name(SUP_A, dt.date(2026, 12, 1), dt.date(2026, 12, 4))
    assert factory.store.outbox == {}  # starts later: told when it starts
    with pytest.raises(DelegationOverlaps):
        await name(APPROVER_2, dt.date(2026, 12, 3), dt.date(2026, 12, 8))
    ended = await end_delegation(factory, clock, JAKARTA, approver_nip=APPROVER)
    assert ended is not None and ended.ended_at == clock.now()
    assert await end_delegation(factory, clock, JAKARTA, approver_nip=APPROVER) is None


def test_wakil_reads_the_dates_people_write() -> None:
    assert parse_day("2026-12-24") == dt.date(2026, 12, 24)
    assert parse_day("24-12-2026") == dt.date(2026, 12, 24)
    assert parse_day("4/1/2027") == dt.date(2027, 1, 4)
    assert parse_day("31-02-2026") is None
    assert parse_day("besok") is None


async def test_an_undecided_card_is_raised_to_the_next_stage_after_three_working_days() -> None:
    chain = "kepala_opd:opd,sekda"
    factory, clock = await world()
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "sekda"))
    approval = rules(chain).approval
    outcome = await propose_plan(
        factory, clock, rules(chain), ScriptedEngine([move(NURSE_A), move(NURSE_B)])
    )
    pid = stored_id(outcome.proposals[0])
    clock.current = dt.datetime(2026, 11, 26, 8, 0, tzinfo=JAKARTA)  # Thursday: 2 days
    report = await remind_and_expire(factory, clock, approval)
    assert (report.reminded, report.escalated) == (4, 0)  # reminders keep their meaning
    with pytest.raises(NotYourStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=0, approver_nip=OUTSIDER, approve=True
        )
    clock.current = dt.datetime(2026, 11, 27, 8, 0, tzinfo=JAKARTA)  # Friday: 3 days
    report = await remind_and_expire(factory, clock, approval)
    assert report.escalated == 2 and report.expired == 0
    assert (await remind_and_expire(factory, clock, approval)).escalated == 0  # once
    raised = [
        m
        for m in sent(factory, CHAT[OUTSIDER], "approval_card")
        if payload_of(m, ApprovalCard).stage == 0
    ]
    assert len(raised) == 2 and all(payload_of(m, ApprovalCard).escalated for m in raised)
    assert "Dinaikkan kepada Anda" in card_text(
        translator("id"), payload_of(raised[0], ApprovalCard)
    )
    # The stage-2 approver decides stage 1 with the same buttons ...
    result = await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=OUTSIDER, approve=True
    )
    assert result.proposal.stage == 1
    [event] = [e for e in factory.store.audit if e.action == "proposal.approve"]
    assert event.after is not None and event.after["escalated"] is True
    # ... but, separation of duties, not stage 2 of the same move as well.
    with pytest.raises(DecidedEarlierStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
        )


async def test_at_the_last_stage_an_undecided_card_is_raised_to_the_admins() -> None:
    factory, clock = await world()
    approval = rules().approval
    outcome = await propose_plan(
        factory, clock, rules(), ScriptedEngine([move(NURSE_A), move(NURSE_B)])
    )
    pid = stored_id(outcome.proposals[0])
    with pytest.raises(NotYourStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=0, approver_nip=ADMIN, approve=True
        )
    clock.current = dt.datetime(2026, 11, 27, 8, 0, tzinfo=JAKARTA)
    assert (await remind_and_expire(factory, clock, approval)).escalated == 2
    assert len(sent(factory, CHAT[ADMIN], "approval_card")) == 2
    done = await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=ADMIN, approve=True
    )
    assert done.final and done.proposal.state == ProposalState.APPROVED
    clock.current = dt.datetime(2026, 12, 8, 8, 0, tzinfo=JAKARTA)  # 10 working days
    assert (await remind_and_expire(factory, clock, approval)).expired == 1  # expiry unchanged


async def test_many_reminders_and_raised_cards_come_as_one_message_per_chat() -> None:
    factory, clock = await world()
    approval = rules().approval
    moves = await with_many_movers(factory, 30)
    await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    clock.current = dt.datetime(2026, 11, 27, 8, 0, tzinfo=JAKARTA)
    report = await remind_and_expire(factory, clock, approval)
    assert report.escalated == 30
    assert [
        payload_of(m, ReminderDigest).count
        for m in sent(factory, CHAT[APPROVER], "reminder_digest")
    ] == [30]
    assert sent(factory, CHAT[APPROVER], "reminder") == []
    [raised] = sent(factory, CHAT[ADMIN], "escalation_digest")
    assert payload_of(raised, EscalationDigest).count == 30
    assert sent(factory, CHAT[ADMIN], "approval_card") == []
