"""Issue 10 step 7 at scale: the committee's members get the summary and one digest instead of a
card per move, a member's group vote is one vote on each move of the group (the quorum decides
the stage per move), and every vote edits every member's copy of a card with the tally."""

from __future__ import annotations

import dataclasses

from core.domain import OutboxMessage, ProposalState, Role, RoleGrant, ScopeKind
from core.domain.messages import ApprovalCard, CommitteeTally, PlanSummary
from core.usecases.approval.chain import ApprovalRules, parse_chain
from core.usecases.committee import (
    Committee,
    awaiting_votes,
    ballot_of,
    vote,
    vote_many,
    with_committee,
)
from core.usecases.planning import PlanningRules, propose_plan
from core.views.digest import digest_view
from handlers.committee import render_committee_tally
from handlers.i18n import translator
from handlers.plan import render_summary
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory
from tests.support.loop_agency import (
    APPROVER,
    CHAT,
    CLERK,
    OUTSIDER,
    SUP_A,
    SUP_B,
    ScriptedEngine,
    employee,
    move,
    rules,
    world,
)
from tests.support.outbox_samples import payload_of, sample_of

#: The team decides the first stage; the PPK (an all-scope approver) the second.
CHAIN = "tpk,ppk"
MEMBERS = (SUP_A, SUP_B, CLERK)
MEMBER_CHATS = {CHAT[m] for m in MEMBERS}


def team_rules(chain: str = CHAIN, quorum: int = 2) -> PlanningRules:
    base = rules(chain)
    committee = Committee("tpk", MEMBERS, quorum)
    approval = dataclasses.replace(
        base.approval, stages=with_committee(parse_chain(chain), committee), committee=committee
    )
    return dataclasses.replace(base, approval=approval)


def nurse(i: int) -> str:
    return f"1990{i // 100 + 1:02d}10201503{1 + i % 2}{i % 100:03d}"


async def big_plan(
    count: int, chain: str = CHAIN
) -> tuple[FakeUowFactory, FakeClock, ApprovalRules, list[int]]:
    """COUNT nurses moved from PKM-A to PKM-B (the first five from SD-1), with the team's
    stage in CHAIN; returns the proposal ids."""
    factory, clock = await world()
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
    moves = []
    async with factory() as uow:
        for i in range(count):
            origin = "SD-1" if i < 5 else "PKM-A"
            await uow.employees.upsert(employee(nurse(i), f"Perawat {i:03d}", origin))
            moves.append(move(nurse(i), origin, "PKM-B"))
        await uow.commit()
    planning = team_rules(chain)
    outcome = await propose_plan(factory, clock, planning, ScriptedEngine(moves))
    return factory, clock, planning.approval, [p.id or 0 for p in outcome.proposals]


def to_chat(factory: FakeUowFactory, chat: int) -> list[OutboxMessage]:
    return sorted(
        (m for m in factory.store.outbox.values() if m.chat_id == chat), key=lambda m: m.id or 0
    )


async def test_members_get_the_summary_then_one_digest_not_a_card_per_move() -> None:
    factory, _clock, approval, ids = await big_plan(300)
    assert len(ids) == 300
    for member in MEMBERS:
        kinds = [m.kind for m in to_chat(factory, CHAT[member])]
        assert kinds == ["plan_summary", "approval_digest"], member
    # The PPK decides the next stage: nothing for them yet.
    assert to_chat(factory, CHAT[OUTSIDER]) == []
    async with factory() as uow:
        plan = await uow.plans.latest()
        assert plan is not None and plan.id is not None
        view = await digest_view(uow, plan.id, [CLERK], approval)
    assert view.committee is not None and view.committee.name == "Tim Penilai Kinerja"
    assert view.total == view.waiting == 300
    assert all(e.vote for g in view.groups for e in g.entries)
    assert [(g.unit_code, len(g.entries)) for g in view.groups] == [("SD-1", 5), ("PKM-A", 295)]


async def test_a_few_moves_still_reach_a_member_as_cards() -> None:
    factory, _clock, _approval, ids = await big_plan(3)
    for member in MEMBERS:
        kinds = [m.kind for m in to_chat(factory, CHAT[member])]
        assert kinds == ["plan_summary", "approval_card", "approval_card", "approval_card"]


async def test_a_group_vote_is_one_vote_per_move_and_the_quorum_decides_each_move() -> None:
    factory, clock, approval, ids = await big_plan(20)
    group, rest = ids[:5], ids[5:]  # the five from SD-1
    first = await vote_many(
        factory, clock, approval, ballots=[(i, 0) for i in group], member_nip=CLERK
    )
    assert (first.voted, first.passed, first.skipped) == (5, 0, 0)
    assert sorted(v.proposal_id for v in factory.store.committee_votes) == group
    assert {(v.member_nip, v.approved, v.stage) for v in factory.store.committee_votes} == {
        (CLERK, True, 0)
    }
    # The same group again: every move skipped, nothing recorded twice.
    again = await vote_many(
        factory, clock, approval, ballots=[(i, 0) for i in group], member_nip=CLERK
    )
    assert (again.voted, again.skipped) == (0, 5)
    # A second member agrees on the group and two more moves: the five reach the quorum.
    second = await vote_many(
        factory,
        clock,
        approval,
        ballots=[(i, 0) for i in [*group, *rest[:2]]],
        member_nip=SUP_A,
    )
    assert (second.voted, second.passed, second.skipped) == (7, 5, 0)
    async with factory() as uow:
        stored = {i: await uow.proposals.get(i) for i in ids}
    assert {i for i, p in stored.items() if p is not None and p.stage == 1} == set(group)
    assert all(p is not None and p.state == ProposalState.PENDING for p in stored.values())
    decided = [d for d in factory.store.decisions if d.stage == 0]
    assert sorted(d.proposal_id for d in decided) == group
    # What waits for each member now.
    async with factory() as uow:
        clerk_waits = [p.id for p in await awaiting_votes(uow, approval, CLERK)]
        sup_b_waits = [p.id for p in await awaiting_votes(uow, approval, SUP_B)]
        plan = await uow.plans.latest()
        assert plan is not None and plan.id is not None
        ballot = await ballot_of(uow, approval, plan.id, SUP_A)
        assert await ballot_of(uow, approval, plan.id, APPROVER) is None
    assert clerk_waits == rest
    assert sup_b_waits == rest
    assert ballot is not None and set(ballot.acted) == {*group, *rest[:2]}
    events = [e for e in factory.store.audit if e.action == "committee.vote"]
    assert len(events) == 12


async def test_a_non_member_cannot_vote_on_a_group() -> None:
    factory, clock, approval, ids = await big_plan(10)
    try:
        await vote_many(factory, clock, approval, ballots=[(ids[0], 0)], member_nip=APPROVER)
    except Exception as error:  # noqa: BLE001 - the exact refusal is asserted below
        assert type(error).__name__ == "NotACommitteeMember"
    else:
        raise AssertionError("a non-member's group vote was accepted")
    assert factory.store.committee_votes == []


async def test_each_vote_edits_every_members_copy_with_the_tally() -> None:
    factory, clock, approval, [pid] = await big_plan(1)
    cards = {
        m.chat_id: m
        for m in factory.store.outbox.values()
        if m.kind == "approval_card" and m.chat_id in MEMBER_CHATS
    }
    assert set(cards) == MEMBER_CHATS
    await vote(factory, clock, approval, proposal_id=pid, stage=0, member_nip=SUP_A, approve=True)
    edits = {m.chat_id: m for m in factory.store.outbox.values() if m.kind == "committee_tally"}
    assert set(edits) == MEMBER_CHATS
    for chat, edit in edits.items():
        tally = payload_of(edit, CommitteeTally)
        assert tally.edit_of == cards[chat].dedupe_key
        assert (tally.yes, tally.no, tally.open) == (1, 0, 2)
        assert tally.voted is (True if chat == CHAT[SUP_A] else None)
    # As the members read them: the voter sees their vote and only ℹ️; the others the tally
    # and still their vote buttons.
    t = translator("id")
    mine, mine_keys = render_committee_tally(t, payload_of(edits[CHAT[SUP_A]], CommitteeTally))
    theirs, their_keys = render_committee_tally(t, payload_of(edits[CHAT[CLERK]], CommitteeTally))
    assert "Suara Anda: ✅ setuju" in mine
    assert "Suara Anda" not in theirs
    for text in (mine, theirs):
        assert "Suara sejauh ini: 1 setuju, 0 tidak setuju (perlu 2 dari 3 setuju)" in text
        assert "Perawat 000" in text and "tahap 1/2" in text
    assert [b.text for row in mine_keys.inline_keyboard for b in row] == ["ℹ️ Rincian"]
    assert [b.text for row in their_keys.inline_keyboard for b in row] == [
        "✅ Setuju",
        "❌ Tidak setuju",
        "ℹ️ Rincian",
    ]
    # A dissent: the tally edits follow (one per copy and tally); the deciding vote edits the
    # copies with the outcome instead.
    await vote(
        factory,
        clock,
        approval,
        proposal_id=pid,
        stage=0,
        member_nip=SUP_B,
        approve=False,
        reason="Unit asal kekurangan perawat",
    )
    tallies = [m for m in factory.store.outbox.values() if m.kind == "committee_tally"]
    assert len(tallies) == 6
    dissent = next(payload_of(m, CommitteeTally) for m in tallies[3:] if m.chat_id == CHAT[SUP_B])
    assert dissent.voted is False and dissent.reason == "Unit asal kekurangan perawat"
    await vote(factory, clock, approval, proposal_id=pid, stage=0, member_nip=CLERK, approve=True)
    assert len([m for m in factory.store.outbox.values() if m.kind == "committee_tally"]) == 6
    outcomes = [
        m
        for m in factory.store.outbox.values()
        if m.kind == "card_outcome" and m.chat_id in MEMBER_CHATS
    ]
    assert len(outcomes) == 3
    assert isinstance(cards[CHAT[SUP_A]].payload, ApprovalCard)


async def test_a_members_plan_summary_asks_for_their_vote_not_their_decision() -> None:
    factory, _clock, _approval, _ids = await big_plan(300)
    for member in MEMBERS:
        [message] = [m for m in to_chat(factory, CHAT[member]) if m.kind == "plan_summary"]
        summary = payload_of(message, PlanSummary)
        assert (summary.your_cards, summary.your_votes) == (300, 300)
        caption, markup, _png = render_summary(translator("id"), summary)
        assert "300 menunggu suara Anda sebagai anggota tim." in caption
        assert "keputusan" not in caption
        # Votes are cast in the digest: no "✅ Setujui semua" a member could not use.
        assert markup is None
        caption_en, _, _ = render_summary(translator("en"), summary)
        assert "300 await your vote as a member of the team." in caption_en
        assert "decision" not in caption_en


def test_a_summary_names_decisions_and_votes_apart_when_a_reader_has_both() -> None:
    summary = dataclasses.replace(sample_of(PlanSummary), moves=12, your_cards=5, your_votes=1)
    caption, markup, _png = render_summary(translator("id"), summary)
    assert "4 menunggu keputusan Anda. 1 menunggu suara Anda sebagai anggota tim." in caption
    assert markup is not None  # the four decisions can still be approved at once
    caption_en, _, _ = render_summary(translator("en"), summary)
    assert "4 await your decision. 1 awaits your vote as a member of the team." in caption_en
