"""A committee member's card as they open it (core.usecases.committee): the move as its card
says it now, the votes at the stage so far, the member's own vote, and for ℹ️ Rincian the
minutes; and, on a digest page, where the member's own votes stand.

Authorisation: only a member of the agency's committee may read these; anyone else gets
`NotACommitteeMember` (a `NotAllowed`), an unknown number `NotFound`. A member reads every move
of a plan (the digest shows them the whole plan, `core.views.digest`): the committee gives its
consideration on all of them. Whether a move is still open to the member's vote is decided
when they vote (`core.usecases.committee.vote`), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain import CommitteeVote, ProposalState, Role, TransferProposal
from core.domain.access import Caller
from core.domain.errors import NotFound
from core.domain.notices import TransferContent
from core.ports import UnitOfWork
from core.usecases.approval.cards import content_of
from core.usecases.approval.chain import ApprovalRules
from core.usecases.committee import (
    NotACommitteeMember,
    ProposalMinutes,
    Tally,
    minutes_for,
    sits_on_committee,
    tally_of,
    votes_at,
)
from core.views.digest import DigestEntry
from core.views.proposals import may_view


@dataclass(frozen=True, slots=True)
class MemberCard:
    """One move for a member: the PROPOSAL and what its card says as of now (CONTENT); STAGE,
    the stage the card is about; AT_COMMITTEE_STAGE when the move waits at the committee's
    stage now; the TALLY of the votes at STAGE (None when the chain has no committee); the
    member's OWN_VOTE at STAGE, if cast; and the MINUTES of every vote (only when asked for,
    None when nobody voted)."""

    proposal: TransferProposal
    content: TransferContent
    stage: int
    at_committee_stage: bool
    tally: Tally | None
    own_vote: CommitteeVote | None
    minutes: ProposalMinutes | None = None


def _require_member(rules: ApprovalRules, nip: str) -> None:
    if not sits_on_committee(rules, nip):
        raise NotACommitteeMember()


async def _proposal(uow: UnitOfWork, proposal_id: int) -> TransferProposal:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal


def _waits_for_committee(rules: ApprovalRules, proposal: TransferProposal) -> bool:
    return proposal.state == ProposalState.PENDING and rules.stage_at(proposal.stage).committee


async def _card_of(
    uow: UnitOfWork,
    rules: ApprovalRules,
    proposal: TransferProposal,
    *,
    member_nip: str,
    stage: int,
    now: dt.datetime,
    with_minutes: bool,
) -> MemberCard:
    assert proposal.id is not None
    committee = rules.committee
    votes = await votes_at(uow, proposal.id, stage)
    return MemberCard(
        proposal=proposal,
        content=await content_of(uow, proposal, rules, now),
        stage=stage,
        at_committee_stage=_waits_for_committee(rules, proposal),
        tally=await tally_of(uow, committee, proposal.id, stage) if committee else None,
        own_vote=next((v for v in votes if v.member_nip == member_nip), None),
        minutes=await minutes_for(uow, proposal) if with_minutes else None,
    )


async def member_card(
    uow: UnitOfWork,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    member_nip: str,
    now: dt.datetime,
    stage: int | None = None,
    with_minutes: bool = False,
) -> MemberCard:
    """PROPOSAL_ID as MEMBER_NIP's card shows it at NOW, about STAGE (the stage a pressed card
    carries; the proposal's stage now when None), WITH_MINUTES for ℹ️ Rincian. Raises
    NotACommitteeMember when MEMBER_NIP is not a member of RULES' committee, NotFound when
    there is no such proposal."""
    _require_member(rules, member_nip)
    proposal = await _proposal(uow, proposal_id)
    return await _card_of(
        uow,
        rules,
        proposal,
        member_nip=member_nip,
        stage=proposal.stage if stage is None else stage,
        now=now,
        with_minutes=with_minutes,
    )


async def member_card_from_digest(
    uow: UnitOfWork, rules: ApprovalRules, caller: Caller, *, proposal_id: int, now: dt.datetime
) -> MemberCard | None:
    """PROPOSAL_ID as CALLER, a member, opens it from the digest at NOW: at the proposal's
    stage now. None when the move does not wait at the committee's stage and CALLER may open
    it as an approver (`core.views.proposals.may_view`): the approver's card is theirs then.
    Raises NotACommitteeMember or NotFound like `member_card`."""
    _require_member(rules, caller.nip)
    proposal = await _proposal(uow, proposal_id)
    if (
        not _waits_for_committee(rules, proposal)
        and caller.has_role(Role.APPROVER)
        and await may_view(uow, rules, proposal_id=proposal_id, viewer_nip=caller.nip, now=now)
    ):
        return None
    return await _card_of(
        uow,
        rules,
        proposal,
        member_nip=caller.nip,
        stage=proposal.stage,
        now=now,
        with_minutes=False,
    )


@dataclass(frozen=True, slots=True)
class VoteStanding:
    """Where a move a member already voted on stands: PROPOSAL_ID, the member's vote
    (APPROVED) and how many members agreed so far (YES)."""

    proposal_id: int
    approved: bool
    yes: int


async def vote_standings(
    uow: UnitOfWork, rules: ApprovalRules, *, member_nip: str, entries: Sequence[DigestEntry]
) -> tuple[VoteStanding, ...]:
    """Of a digest page's ENTRIES, those pending at a committee stage that MEMBER_NIP already
    voted on (entries still waiting for their vote are left out), in ENTRIES' order. Raises
    NotACommitteeMember when MEMBER_NIP is not a member."""
    _require_member(rules, member_nip)
    found: list[VoteStanding] = []
    for entry in entries:
        line = entry.proposal
        if entry.mine or not rules.stage_at(line.stage).committee:
            continue
        if line.state != ProposalState.PENDING:
            continue
        votes = await votes_at(uow, line.id, line.stage)
        mine = next((v for v in votes if v.member_nip == member_nip), None)
        if mine is not None:
            found.append(VoteStanding(line.id, mine.approved, sum(1 for v in votes if v.approved)))
    return tuple(found)
