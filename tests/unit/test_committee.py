"""Issue 10 step 7: a committee stage (Tim Penilai Kinerja) decided by a quorum of members."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from bot.composition import committee_of
from bot.settings import SettingsError, load_settings
from core.domain import CommitteeVote, OutboxMessage, ProposalState, Role, RoleGrant, ScopeKind
from core.domain.errors import InvalidInput
from core.domain.messages import ApprovalCard, CardOutcome, CommitteeFacts, Reminder
from core.usecases.approval.chain import ApprovalRules, parse_chain
from core.usecases.approval.decisions import (
    AlreadyDecided,
    DecidedEarlierStage,
    NotYourStage,
    decide,
)
from core.usecases.approval.reminders import remind_and_expire
from core.usecases.committee import (
    AlreadyVoted,
    Committee,
    NotACommitteeMember,
    minutes_for,
    vote,
    with_committee,
)
from core.usecases.planning import PlanningRules, propose_plan
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory
from tests.support.loop_agency import (
    APPROVER,
    CHAT,
    CLERK,
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

CHAIN = "kepala_opd:opd,tpk,ppk"
MEMBERS = (SUP_A, SUP_B, CLERK)


def committee_rules(quorum: int = 2, members: tuple[str, ...] = MEMBERS) -> PlanningRules:
    base = rules(CHAIN)
    committee = Committee("tpk", members, quorum)
    approval = dataclasses.replace(
        base.approval,
        stages=with_committee(parse_chain(CHAIN), committee),
        committee=committee,
    )
    return dataclasses.replace(base, approval=approval)


def sent(factory: FakeUowFactory, chat: int, kind: str) -> list[OutboxMessage]:
    return [m for m in factory.store.outbox.values() if m.chat_id == chat and m.kind == kind]


async def at_committee(
    quorum: int = 2, members: tuple[str, ...] = MEMBERS, moves: int = 1
) -> tuple[FakeUowFactory, FakeClock, ApprovalRules, list[int]]:
    """A plan whose first proposal(s) passed stage 1 (the Kepala OPD) and wait for the team."""
    factory, clock = await world()
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
    planning = committee_rules(quorum, members)
    outcome = await propose_plan(
        factory, clock, planning, ScriptedEngine([move(NURSE_A), move(NURSE_B)][:moves])
    )
    for proposal in outcome.proposals:
        await decide(
            factory,
            clock,
            planning.approval,
            proposal_id=proposal.id or 0,
            stage=0,
            approver_nip=APPROVER,
            approve=True,
        )
    return factory, clock, planning.approval, [p.id or 0 for p in outcome.proposals]


def test_a_committee_is_checked_against_the_chain() -> None:
    stages = parse_chain(CHAIN)
    marked = with_committee(stages, Committee("tpk", MEMBERS, 2))
    assert [s.committee for s in marked] == [False, True, False]
    with pytest.raises(InvalidInput, match="last stage"):
        with_committee(stages, Committee("ppk", MEMBERS, 2))
    with pytest.raises(InvalidInput, match="no stage"):
        with_committee(stages, Committee("baperjakat", MEMBERS, 2))
    with pytest.raises(InvalidInput, match="quorum"):
        Committee("tpk", MEMBERS, 4)
    with pytest.raises(InvalidInput, match="twice"):
        Committee("tpk", (SUP_A, SUP_A), 1)
    with pytest.raises(InvalidInput, match="18 digits"):
        Committee("tpk", ("1234",), 1)


async def test_members_get_the_card_and_the_stage_passes_when_the_quorum_agrees() -> None:
    factory, clock, approval, [pid] = await at_committee()
    # Every member gets a card of stage 2 that says it is the committee's; approvers do not.
    for member in MEMBERS:
        [card] = sent(factory, CHAT[member], "approval_card")
        assert payload_of(card, ApprovalCard).stage == 1
        assert payload_of(card, ApprovalCard).committee == CommitteeFacts(
            name="Tim Penilai Kinerja", members=3, quorum=2
        )
    assert sent(factory, CHAT[OUTSIDER], "approval_card") == []
    # An approver with an all-scope grant does not decide the committee's stage.
    with pytest.raises(NotYourStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
        )
    with pytest.raises(NotACommitteeMember):
        await vote(
            factory, clock, approval, proposal_id=pid, stage=1, member_nip=OUTSIDER, approve=True
        )
    first = await vote(
        factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True
    )
    assert first.settled is None and first.proposal.stage == 1
    assert (first.tally.yes, first.tally.no, first.tally.open) == (1, 0, 2)
    with pytest.raises(AlreadyVoted) as again:
        await vote(
            factory,
            clock,
            approval,
            proposal_id=pid,
            stage=1,
            member_nip=SUP_A,
            approve=False,
            reason="berubah pikiran",
        )
    assert again.value.values["approved"] is True
    clock.advance(dt.timedelta(minutes=5))
    second = await vote(
        factory, clock, approval, proposal_id=pid, stage=1, member_nip=CLERK, approve=True
    )
    assert second.settled is not None and second.proposal.stage == 2
    assert second.tally.passed
    # The stage's decision is recorded once, the members' cards are edited to name the team,
    # and the next stage's approver gets the card.
    [decision] = [d for d in factory.store.decisions if d.stage == 1]
    assert decision.approved and decision.approver_nip == CLERK
    edits = [m for m in factory.store.outbox.values() if m.kind == "card_outcome"]
    member_edits = [m for m in edits if m.chat_id in {CHAT[m] for m in MEMBERS}]
    assert len(member_edits) == 3
    assert {payload_of(m, CardOutcome).by_name for m in member_edits} == {"Tim Penilai Kinerja"}
    assert {payload_of(m, CardOutcome).outcome for m in member_edits} == {"forwarded"}
    assert len(sent(factory, CHAT[OUTSIDER], "approval_card")) == 1
    # A late vote changes nothing and is told what happened.
    with pytest.raises(AlreadyDecided):
        await vote(
            factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_B, approve=True
        )
    votes = [e for e in factory.store.audit if e.action == "committee.vote"]
    assert [(e.actor, (e.after or {})["approved"]) for e in votes] == [
        (SUP_A, True),
        (CLERK, True),
    ]
    [settled] = [
        e
        for e in factory.store.audit
        if e.action == "proposal.approve" and (e.before or {})["stage"] == 1
    ]
    assert (settled.after or {})["committee"] == {
        "members": 3,
        "quorum": 2,
        "yes": 2,
        "no": 0,
        "open": 1,
    }
    # The minutes: both votes in order, the result and its time.
    async with factory() as uow:
        stored = await uow.proposals.get(pid)
        assert stored is not None
        minutes = await minutes_for(uow, stored)
    assert minutes is not None and minutes.result == "approved"
    assert [(v.member_name, v.approved) for v in minutes.votes] == [
        ("Kapus Wonosari", True),
        ("Dewi Lestari", True),
    ]
    assert minutes.decided_at == clock.now()


async def test_the_stage_fails_as_soon_as_the_quorum_cannot_be_reached() -> None:
    factory, clock, approval, [pid] = await at_committee(quorum=3)
    with pytest.raises(InvalidInput):  # a dissent needs its reason
        await vote(
            factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_B, approve=False
        )
    outcome = await vote(
        factory,
        clock,
        approval,
        proposal_id=pid,
        stage=1,
        member_nip=SUP_B,
        approve=False,
        reason="formasi tujuan belum dianggarkan",
    )
    # 0 agree and 2 could still: 3 of 3 can no longer agree.
    assert outcome.settled is not None and outcome.proposal.state == ProposalState.REJECTED
    [decision] = [d for d in factory.store.decisions if d.stage == 1]
    assert not decision.approved and decision.reason == "formasi tujuan belum dianggarkan"
    assert sent(factory, CHAT[OUTSIDER], "approval_card") == []
    assert sent(factory, CHAT[NURSE_A], "notice") == []


async def test_a_member_who_decided_an_earlier_stage_neither_votes_nor_counts() -> None:
    factory, clock, approval, [pid] = await at_committee(members=(APPROVER, SUP_A, SUP_B))
    with pytest.raises(DecidedEarlierStage):
        await vote(
            factory, clock, approval, proposal_id=pid, stage=1, member_nip=APPROVER, approve=True
        )
    # Of the two who may vote, one dissent leaves 1 possible agreement < quorum 2: rejected.
    done = await vote(
        factory,
        clock,
        approval,
        proposal_id=pid,
        stage=1,
        member_nip=SUP_A,
        approve=False,
        reason="belum 2 tahun",
    )
    assert done.proposal.state == ProposalState.REJECTED


async def test_a_member_who_voted_does_not_decide_a_later_stage_of_that_move() -> None:
    factory, clock, approval, [pid] = await at_committee()
    factory.store.roles.append(RoleGrant(SUP_A, Role.APPROVER, ScopeKind.ALL, "ppk"))
    for member in (SUP_A, SUP_B):
        await vote(
            factory, clock, approval, proposal_id=pid, stage=1, member_nip=member, approve=True
        )
    with pytest.raises(DecidedEarlierStage):
        await decide(
            factory, clock, approval, proposal_id=pid, stage=2, approver_nip=SUP_A, approve=True
        )
    final = await decide(
        factory, clock, approval, proposal_id=pid, stage=2, approver_nip=OUTSIDER, approve=True
    )
    assert final.final and final.proposal.state == ProposalState.APPROVED


async def test_at_the_committee_stage_nobody_is_raised_and_only_open_members_are_reminded() -> (
    None
):
    factory, clock, approval, [pid, other] = await at_committee(moves=2)
    await vote(factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True)
    clock.current = dt.datetime(2026, 11, 27, 8, 0, tzinfo=JAKARTA)  # Friday: 3 working days
    report = await remind_and_expire(factory, clock, approval)
    assert report.escalated == 0
    reminded = {m.chat_id for m in factory.store.outbox.values() if m.kind == "reminder"}
    assert reminded == {CHAT[SUP_A], CHAT[SUP_B], CHAT[CLERK]}  # SUP_A for the other move
    for_pid = {
        m.chat_id
        for m in factory.store.outbox.values()
        if m.kind == "reminder" and payload_of(m, Reminder).proposal_id == pid
    }
    assert for_pid == {CHAT[SUP_B], CHAT[CLERK]}
    assert sent(factory, CHAT[OUTSIDER], "approval_card") == []
    assert other is not None
    clock.current = dt.datetime(2026, 12, 8, 8, 0, tzinfo=JAKARTA)  # 10 working days
    assert (await remind_and_expire(factory, clock, approval)).expired == 2


async def test_two_members_voting_at_once_settle_the_stage_once() -> None:
    factory, clock, approval, [pid] = await at_committee()
    first, second = await asyncio.gather(
        vote(factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True),
        vote(factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_B, approve=True),
    )
    assert [d.stage for d in factory.store.decisions].count(1) == 1
    assert factory.store.proposals[pid].stage == 2
    assert [first.settled is not None, second.settled is not None].count(True) == 1
    assert len(sent(factory, CHAT[OUTSIDER], "approval_card")) == 1


async def test_the_same_member_tapping_twice_at_once_counts_once() -> None:
    factory, clock, approval, [pid] = await at_committee()
    results = await asyncio.gather(
        vote(factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True),
        vote(factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyVoted) for r in results) == 1
    assert len(factory.store.committee_votes) == 1
    assert factory.store.proposals[pid].stage == 1


async def test_votes_left_unsettled_by_a_crash_are_settled_by_the_reminder_pass() -> None:
    factory, clock, approval, [pid] = await at_committee()
    # Two agreeing votes committed, the process stopped before the re-read settled the stage.
    factory.store.committee_votes += [
        CommitteeVote(pid, 1, SUP_A, True, None, clock.now()),
        CommitteeVote(pid, 1, SUP_B, True, None, clock.now()),
    ]
    assert factory.store.proposals[pid].stage == 1
    await remind_and_expire(factory, clock, approval)
    assert factory.store.proposals[pid].stage == 2
    assert [d.approver_nip for d in factory.store.decisions if d.stage == 1] == [SUP_B]


def test_the_committee_settings_are_checked_at_start_naming_the_variable() -> None:
    chain = {"approval_chain": CHAIN, "committee_members": ",".join(MEMBERS)}
    assert committee_of(load_settings(**chain, committee_stage="tpk")) == Committee(
        "tpk", MEMBERS, 2
    )
    for overrides, name in (
        ({"committee_stage": "ppk"}, "MUTASI_COMMITTEE_STAGE"),
        ({"committee_stage": "sekda"}, "MUTASI_COMMITTEE_STAGE"),
        ({"committee_stage": "tpk", "committee_quorum": 4}, "MUTASI_COMMITTEE_QUORUM"),
        ({"committee_stage": "tpk", "committee_members": "1970,1971"}, "MUTASI_COMMITTEE_MEMBERS"),
        ({"committee_stage": None}, "MUTASI_COMMITTEE_STAGE"),
        ({"committee_stage": "tpk", "committee_members": ""}, "MUTASI_COMMITTEE_MEMBERS"),
    ):
        with pytest.raises(SettingsError) as refused:
            load_settings(**{**chain, **overrides})
        message = str(refused.value)
        assert name in message and "\n" not in message, message
