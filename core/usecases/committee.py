"""A committee stage: one stage of the approval chain decided by the votes of named members.

PP 11/2017 (Manajemen PNS) Pasal 191: a move inside one regional agency is made by the PPK after
the consideration (pertimbangan) of the *tim penilai kinerja PNS* (the body formerly known as
Baperjakat). The bot models that consideration as one stage of the chain, before the stage
that decides for the PPK:

- the stage is named in `MUTASI_COMMITTEE_STAGE` and may not be the last one (the team advises;
  a later stage decides);
- its members are named by NIP (`MUTASI_COMMITTEE_MEMBERS`); each gets the card when a
  proposal reaches the stage and votes on it once (✅ setuju / ❌ tidak setuju with a reason);
- the stage passes when QUORUM members agree (`MUTASI_COMMITTEE_QUORUM`, by default more
  than half of the members) and fails as soon as that can no longer happen (the members who
  may still vote could not bring the agreeing votes to the quorum);
- a member may not vote on a move whose earlier stage they decided, and may not decide a later
  stage of a move they voted on (separation of duties, as between stages);
- a member votes in person: a /wakil delegation does not pass votes on, and an undecided card
  is not raised to anyone at this stage (nobody can give the team's consideration for it);
  members who have not voted are reminded, and the card expires like any other.

Two members voting at once both count: each vote is its own row (one per member and stage),
the stage's decision is one row per stage, and whichever vote commits last sees every vote
and settles the stage (`settle_if_due`; the reminder pass settles one whose deciding votes
raced past each other). The minutes (*berita acara*: members, votes, times, result) are read
back with `minutes_for` for the plan workbook and the SK draft.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.domain import (
    AuditEvent,
    CommitteeVote,
    JsonValue,
    ProposalLine,
    ProposalState,
    TransferProposal,
)
from core.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.domain.messages import ApprovalCard, CommitteeFacts, CommitteeTally
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.cards import approver_key
from core.usecases.approval.chain import ApprovalRules, ApprovalStage
from core.usecases.approval.decisions import DecisionOutcome, settle_stage, stale_refusal
from core.usecases.approval.groups import DECISION_CHUNK, DECISION_PAUSE_SECONDS
from core.usecases.outbox import chats_of, enqueue

if TYPE_CHECKING:  # digest builds on approval, as this module does
    from core.usecases.digest import Recipients

#: What the minutes and the cards call the committee unless the agency names it otherwise.
DEFAULT_NAME = "Tim Penilai Kinerja"


class NotACommitteeMember(NotAllowed):
    """The caller is not one of the committee's members."""

    key = "error.not_committee_member"


class AlreadyVoted(StaleAction):
    """The member already voted on this proposal (values: approved, at)."""

    key = "error.already_voted"


def majority(members: int) -> int:
    """More than half of MEMBERS: the quorum when none is set."""
    return members // 2 + 1


@dataclass(frozen=True, slots=True)
class Committee:
    """The committee deciding the chain stage STAGE_NAME: MEMBERS (NIPs, in the order the
    agency lists them) and QUORUM, the number of members who must agree for it to pass.

    Raises InvalidInput when there is no member, a NIP repeats or is not 18 digits, or the
    quorum is not between 1 and the number of members."""

    stage_name: str
    members: tuple[str, ...]
    quorum: int
    name: str = DEFAULT_NAME

    def __post_init__(self) -> None:
        if not self.members:
            raise InvalidInput("a committee needs at least one member")
        for nip in self.members:
            if len(nip) != 18 or not nip.isdigit():
                raise InvalidInput(f"committee member {nip!r}: a NIP is 18 digits")
        if len(set(self.members)) != len(self.members):
            raise InvalidInput("a committee member is listed twice")
        if not 1 <= self.quorum <= len(self.members):
            raise InvalidInput(
                f"the quorum must be between 1 and the number of members ({len(self.members)})"
            )

    def card_facts(self) -> CommitteeFacts:
        """What a card shows of the committee: its name, how many members, the quorum."""
        return CommitteeFacts(name=self.name, members=len(self.members), quorum=self.quorum)


def with_committee(
    stages: Sequence[ApprovalStage], committee: Committee | None
) -> tuple[ApprovalStage, ...]:
    """STAGES with the committee's stage marked; InvalidInput when the chain has no stage of
    that name or it is the last one (the team gives its consideration to a later stage)."""
    if committee is None:
        return tuple(stages)
    names = [s.name for s in stages]
    if committee.stage_name not in names:
        raise InvalidInput(f"the approval chain has no stage {committee.stage_name!r}")
    if names.index(committee.stage_name) == len(names) - 1:
        raise InvalidInput(
            f"the committee stage {committee.stage_name!r} may not be the last stage: "
            "a later stage decides for the PPK"
        )
    return tuple(dataclasses.replace(s, committee=s.name == committee.stage_name) for s in stages)


def sits_on_committee(rules: ApprovalRules, nip: str) -> bool:
    """Whether NIP is a member of the agency's committee (membership is a setting, not a
    role: it opens the digest and /usulan to vote)."""
    return rules.committee is not None and nip in rules.committee.members


def committee_at(rules: ApprovalRules, stage: int) -> Committee | None:
    """The committee deciding STAGE, or None when an approver decides it."""
    return rules.committee if rules.stage_at(stage).committee else None


@dataclass(frozen=True, slots=True)
class Tally:
    """The votes at a committee stage: YES and NO cast, OPEN members who may still vote."""

    members: int
    quorum: int
    yes: int
    no: int
    open: int

    @property
    def passed(self) -> bool:
        """Enough members agreed."""
        return self.yes >= self.quorum

    @property
    def failed(self) -> bool:
        """Agreement can no longer reach the quorum."""
        return not self.passed and self.yes + self.open < self.quorum

    @property
    def settled(self) -> bool:
        """The stage is decided one way or the other."""
        return self.passed or self.failed

    def to_payload(self) -> dict[str, JsonValue]:
        """The tally as card data."""
        return {
            "members": self.members,
            "quorum": self.quorum,
            "yes": self.yes,
            "no": self.no,
            "open": self.open,
        }


async def _earlier_deciders(uow: UnitOfWork, proposal_id: int, stage: int) -> set[str]:
    return {d.approver_nip for d in await uow.decisions.list_for(proposal_id) if d.stage < stage}


async def votes_at(uow: UnitOfWork, proposal_id: int, stage: int) -> list[CommitteeVote]:
    """The votes cast on PROPOSAL_ID at STAGE, in the order cast."""
    return [v for v in await uow.committee_votes.list_for(proposal_id) if v.stage == stage]


async def tally_of(uow: UnitOfWork, committee: Committee, proposal_id: int, stage: int) -> Tally:
    """The tally of PROPOSAL_ID at STAGE. Members who decided an earlier stage of it may not
    vote, so they do not count as open."""
    votes = {v.member_nip: v for v in await votes_at(uow, proposal_id, stage)}
    barred = await _earlier_deciders(uow, proposal_id, stage)
    counted = [v for nip, v in votes.items() if nip in committee.members]
    return Tally(
        members=len(committee.members),
        quorum=committee.quorum,
        yes=sum(1 for v in counted if v.approved),
        no=sum(1 for v in counted if not v.approved),
        open=sum(1 for m in committee.members if m not in votes and m not in barred),
    )


async def members_to_vote(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules
) -> list[tuple[str, int, str]]:
    """(nip, chat id, language) of the members who may still vote on PROPOSAL at its stage
    (for reminders and "who decides now")."""
    committee = committee_at(rules, proposal.stage)
    if committee is None or proposal.id is None:
        return []
    voted = {v.member_nip for v in await votes_at(uow, proposal.id, proposal.stage)}
    barred = await _earlier_deciders(uow, proposal.id, proposal.stage)
    found: list[tuple[str, int, str]] = []
    for nip in committee.members:
        if nip not in voted and nip not in barred:
            found.extend((nip, chat, language) for chat, language in await chats_of(uow, nip))
    return found


async def reach_members(
    uow: UnitOfWork, rules: ApprovalRules, proposal: TransferProposal, found: Recipients
) -> None:
    """Add every member's chats to FOUND for PROPOSAL (a committee stage; core.usecases.digest);
    with
    no reachable member, the proposal is among those that reach nobody."""
    reached = False
    for nip in rules.committee.members if rules.committee else ():
        for chat_id, _language in await chats_of(uow, nip):
            if proposal not in found.by_chat.setdefault(chat_id, []):
                found.by_chat[chat_id].append(proposal)
            found.nip_of_chat.setdefault(chat_id, nip)
            reached = True
    if not reached:
        found.nobody.append(proposal)


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What one vote did: the proposal as it is now, the tally after the vote, and the stage's
    decision when this vote settled it."""

    proposal: TransferProposal
    approved: bool
    tally: Tally
    settled: DecisionOutcome | None


async def settle_if_due(
    uow: UnitOfWork, rules: ApprovalRules, proposal: TransferProposal, now: dt.datetime
) -> DecisionOutcome | None:
    """Decide PROPOSAL's committee stage inside UOW when its votes settle it; None when they
    do not yet (or another transaction settled it first).

    The decision is recorded in the name of the member whose vote settled it (the last
    agreeing vote when it passed, the last dissenting one when it failed); the cards name the
    committee; a failed stage carries the dissenting members' reasons."""
    try:
        return await _settle(uow, rules, proposal, now)
    except (Conflict, StaleAction):
        return None  # another vote's transaction settled the stage first


async def _settle(
    uow: UnitOfWork, rules: ApprovalRules, proposal: TransferProposal, now: dt.datetime
) -> DecisionOutcome | None:
    """`settle_if_due`, letting Conflict or AlreadyDecided through when the stage was decided
    meanwhile."""
    committee = committee_at(rules, proposal.stage)
    if committee is None or proposal.id is None or proposal.state != ProposalState.PENDING:
        return None
    tally = await tally_of(uow, committee, proposal.id, proposal.stage)
    if not tally.settled:
        return None
    votes = await votes_at(uow, proposal.id, proposal.stage)
    side = [v for v in votes if v.approved == tally.passed and v.member_nip in committee.members]
    reasons = "; ".join(v.reason for v in side if v.reason) if not tally.passed else None
    return await settle_stage(
        uow,
        rules,
        proposal,
        stage=proposal.stage,
        deciding_nip=side[-1].member_nip,
        actor_nip=side[-1].member_nip,
        approve=tally.passed,
        reason=(reasons or None) if not tally.passed else None,
        now=now,
        by_name=committee.name,
        audit_extra={"committee": tally.to_payload()},
    )


async def check_may_vote(
    uow: UnitOfWork, rules: ApprovalRules, *, proposal_id: int, stage: int, member_nip: str
) -> tuple[TransferProposal, Committee]:
    """Whether MEMBER_NIP may vote on PROPOSAL_ID at STAGE now (asked before a dissent's reason
    is, and again when voting): the proposal and its committee, else the errors of `vote`."""
    from core.usecases.approval.decisions import DecidedEarlierStage

    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(proposal=proposal_id)
    if proposal.state != ProposalState.PENDING or proposal.stage != stage:
        raise await stale_refusal(uow, proposal, stage, rules)
    committee = committee_at(rules, stage)
    if committee is None or member_nip not in committee.members:
        raise NotACommitteeMember(proposal=proposal_id)
    mine = [v for v in await votes_at(uow, proposal_id, stage) if v.member_nip == member_nip]
    if mine:
        raise AlreadyVoted(approved=mine[0].approved, at=mine[0].voted_at)
    if member_nip in await _earlier_deciders(uow, proposal_id, stage):
        raise DecidedEarlierStage(proposal=proposal_id)
    return proposal, committee


async def vote(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    stage: int,
    member_nip: str,
    approve: bool,
    reason: str | None = None,
) -> VoteOutcome:
    """Record MEMBER_NIP's vote on PROPOSAL_ID at the committee stage STAGE, and decide the
    stage when the votes settle it.

    Raises InvalidInput (a dissent without a reason), NotFound, AlreadyDecided (the proposal
    is not waiting at STAGE), NotACommitteeMember (not a member, or STAGE is not a committee
    stage), DecidedEarlierStage (the member decided an earlier stage of it), AlreadyVoted
    (a second vote, also one racing the first). Each vote is audited (`committee.vote`)."""
    if not approve and not (reason and reason.strip()):
        raise InvalidInput("a dissenting vote needs a reason")
    now = clock.now()
    async with uow_factory() as uow:
        proposal, committee = await check_may_vote(
            uow, rules, proposal_id=proposal_id, stage=stage, member_nip=member_nip
        )
        cast = CommitteeVote(proposal_id, stage, member_nip, approve, reason, now)
        if not await uow.committee_votes.add(cast):
            raise await _voted_meanwhile(uow_factory, proposal_id, stage, member_nip)
        await uow.audit.add(
            AuditEvent(
                actor=member_nip,
                action="committee.vote",
                subject=f"proposal:{proposal_id}",
                at=now,
                before={"stage": stage},
                after={"stage": stage, "approved": approve, "reason": reason},
            )
        )
        try:
            settled = await _settle(uow, rules, proposal, now)
        except (Conflict, StaleAction):
            settled = None  # decided meanwhile: this vote came too late and is not kept
        else:
            if settled is None:
                await enqueue_tally_edits(uow, rules, proposal, stage, now)
            await uow.commit()
    if settled is None and not await _kept(uow_factory, proposal_id, stage, member_nip):
        async with uow_factory() as uow:
            current = await uow.proposals.get(proposal_id)
            assert current is not None
            raise await stale_refusal(uow, current, stage, rules)
    if settled is None:
        # Votes cast at the same moment each saw only their own: the one committed last now
        # sees them all and settles the stage (idempotent: one decision per stage).
        async with uow_factory() as uow:
            current = await uow.proposals.get(proposal_id)
            assert current is not None
            settled = await settle_if_due(uow, rules, current, now)
            if settled is None:
                # A vote committed meanwhile changed the numbers: the copies show them.
                await enqueue_tally_edits(uow, rules, current, stage, now)
            await uow.commit()
    async with uow_factory() as uow:
        current = await uow.proposals.get(proposal_id)
        assert current is not None
        tally = await tally_of(uow, committee, proposal_id, stage)
    return VoteOutcome(current, approve, tally, settled)


async def _kept(
    uow_factory: UnitOfWorkFactory, proposal_id: int, stage: int, member_nip: str
) -> bool:
    async with uow_factory() as uow:
        return any(v.member_nip == member_nip for v in await votes_at(uow, proposal_id, stage))


async def _voted_meanwhile(
    uow_factory: UnitOfWorkFactory, proposal_id: int, stage: int, member_nip: str
) -> AlreadyVoted:
    """The refusal of a vote that lost a race against the same member's other vote."""
    async with uow_factory() as uow:
        mine = [v for v in await votes_at(uow, proposal_id, stage) if v.member_nip == member_nip]
    return AlreadyVoted(
        approved=mine[0].approved if mine else None, at=mine[0].voted_at if mine else None
    )


# --- every member's copy shows the votes so far ---------------------------------------------


def tally_key(copy_key: str, tally: Tally) -> str:
    """The outbox dedupe key of the edit showing TALLY on the card copy COPY_KEY: one edit per
    copy and tally, so the same numbers are never queued twice."""
    return f"card-tally:{copy_key.removeprefix('card:')}:{tally.yes}:{tally.no}"


async def enqueue_tally_edits(
    uow: UnitOfWork,
    rules: ApprovalRules,
    proposal: TransferProposal,
    stage: int,
    now: dt.datetime,
) -> int:
    """Edit every copy of PROPOSAL's card at the committee STAGE to show the votes so far
    ("Suara sejauh ini: 2 setuju, 0 tidak setuju"): a member who voted sees their vote and no
    vote buttons, the others keep theirs. Nothing when the stage is no longer open (its
    decision edits the copies instead). Returns how many edits were queued."""
    committee = committee_at(rules, stage)
    if (
        committee is None
        or proposal.id is None
        or proposal.state != ProposalState.PENDING
        or proposal.stage != stage
    ):
        return 0
    copies = [
        m
        for m in await uow.outbox.list_by_dedupe_prefix(approver_key("card", proposal.id, stage))
        if isinstance(m.payload, ApprovalCard) and m.dedupe_key
    ]
    if not copies:
        return 0
    tally = await tally_of(uow, committee, proposal.id, stage)
    votes = {v.member_nip: v for v in await votes_at(uow, proposal.id, stage)}
    member_of_chat: dict[int, str] = {}
    for nip in committee.members:
        for chat_id, _language in await chats_of(uow, nip):
            member_of_chat.setdefault(chat_id, nip)
    queued = 0
    for copy in copies:
        assert copy.dedupe_key is not None and isinstance(copy.payload, ApprovalCard)
        key = tally_key(copy.dedupe_key, tally)
        if await uow.outbox.get_by_dedupe_key(key) is not None:
            continue
        mine = votes.get(member_of_chat.get(copy.chat_id, ""))
        try:
            await enqueue(
                uow,
                copy.chat_id,
                CommitteeTally(
                    edit_of=copy.dedupe_key,
                    card=copy.payload,
                    yes=tally.yes,
                    no=tally.no,
                    open=tally.open,
                    voted=None if mine is None else mine.approved,
                    reason=None if mine is None else mine.reason,
                ),
                now=now,
                dedupe_key=key,
            )
        except Conflict:
            continue  # a vote cast at the same moment queued these very numbers
        queued += 1
    return queued


# --- the digest: a member's group vote ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ballot:
    """What MEMBER_NIP may vote on in one plan: every proposal pending at the committee stage
    except those the member already acted on (`acted`: voted on, or decided an earlier stage
    of — separation of duties)."""

    committee: Committee
    member_nip: str
    acted: frozenset[int]

    def may_vote(self, line: ProposalLine, rules: ApprovalRules) -> bool:
        """Whether the member's vote on LINE is awaited now."""
        return (
            line.state == ProposalState.PENDING
            and rules.stage_at(line.stage).committee
            and line.id not in self.acted
        )


async def ballot_of(
    uow: UnitOfWork, rules: ApprovalRules, plan_id: int, nip: str
) -> Ballot | None:
    """NIP's ballot in PLAN_ID (two queries whatever the plan's size), or None when NIP is not
    a member of the committee (or the chain has none)."""
    committee = rules.committee
    if committee is None or nip not in committee.members:
        return None
    return Ballot(committee, nip, frozenset(await uow.committee_votes.acted_on(plan_id, nip)))


async def awaiting_votes(
    uow: UnitOfWork, rules: ApprovalRules, nip: str
) -> list[TransferProposal]:
    """The proposals waiting for NIP's vote now (for /usulan), by id; empty for anyone who is
    not a member."""
    if not sits_on_committee(rules, nip):
        return []
    pending = [
        p
        for p in await uow.proposals.list_by_state(ProposalState.PENDING.value)
        if rules.stage_at(p.stage).committee and p.id is not None
    ]
    acted: dict[int, set[int]] = {}
    for plan_id in {p.plan_id for p in pending}:
        acted[plan_id] = set(await uow.committee_votes.acted_on(plan_id, nip))
    return sorted((p for p in pending if p.id not in acted[p.plan_id]), key=lambda p: p.id or 0)


@dataclass(frozen=True, slots=True)
class GroupVote:
    """What a member's group vote did: VOTED votes recorded (each agreeing), PASSED of those
    moves whose stage passed with it, SKIPPED moves not voted on (already voted, decided
    meanwhile, or no longer at the committee stage)."""

    voted: int
    passed: int
    skipped: int


#: What a group vote skips instead of failing: the move changed, or the member may not vote.
_SKIPPED = (StaleAction, NotAllowed, NotFound, Conflict)


async def vote_many(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    ballots: Sequence[tuple[int, int]],
    member_nip: str,
) -> GroupVote:
    """MEMBER_NIP agrees to each (proposal id, stage) of BALLOTS: each is one vote exactly as
    `vote` records it (its own transaction, audited, the stage settled when the votes reach
    the quorum, every copy of the card edited), so two members voting on the same group at
    once, or one member pressing twice, count each vote once. A move the member may not vote
    on now is skipped and counted. After every DECISION_CHUNK votes the database is left to
    others for a moment (as a group decision does, core.usecases.approval.groups).

    Raises NotACommitteeMember when MEMBER_NIP is not a member (nothing recorded)."""
    if rules.committee is None or member_nip not in rules.committee.members:
        raise NotACommitteeMember()
    voted = passed = 0
    for index, (proposal_id, stage) in enumerate(ballots):
        if index and index % DECISION_CHUNK == 0:
            await asyncio.sleep(DECISION_PAUSE_SECONDS)
        try:
            outcome = await vote(
                uow_factory,
                clock,
                rules,
                proposal_id=proposal_id,
                stage=stage,
                member_nip=member_nip,
                approve=True,
            )
        except _SKIPPED:
            continue
        voted += 1
        if outcome.settled is not None and outcome.settled.approved:
            passed += 1
    return GroupVote(voted, passed, len(ballots) - voted)


# --- the minutes (berita acara) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteEntry:
    """One member's vote as the minutes list it."""

    member_nip: str
    member_name: str
    approved: bool
    reason: str | None
    voted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ProposalMinutes:
    """The committee's record on one proposal: the stage, every vote in the order cast, and
    the result ("approved", "rejected", or "pending" while the stage is open) with its time."""

    proposal_id: int
    stage: int
    votes: tuple[VoteEntry, ...]
    result: str
    decided_at: dt.datetime | None

    @property
    def yes(self) -> int:
        """Members who agreed."""
        return sum(1 for v in self.votes if v.approved)

    @property
    def no(self) -> int:
        """Members who did not agree."""
        return sum(1 for v in self.votes if not v.approved)


async def minutes_for(
    uow: UnitOfWork, proposal: TransferProposal, names: dict[str, str] | None = None
) -> ProposalMinutes | None:
    """The committee's record on PROPOSAL, or None when no member voted on it. NAMES caches
    member names by NIP across calls."""
    if proposal.id is None:
        return None
    votes = await uow.committee_votes.list_for(proposal.id)
    if not votes:
        return None
    names = {} if names is None else names
    stage = votes[0].stage
    entries: list[VoteEntry] = []
    for v in sorted(votes, key=lambda v: v.voted_at):
        if v.member_nip not in names:
            person = await uow.employees.get(v.member_nip)
            names[v.member_nip] = person.name if person else v.member_nip
        entries.append(
            VoteEntry(v.member_nip, names[v.member_nip], v.approved, v.reason, v.voted_at)
        )
    decision = next(
        (d for d in await uow.decisions.list_for(proposal.id) if d.stage == stage), None
    )
    if decision is None:
        result = "pending" if proposal.state == ProposalState.PENDING else proposal.state.value
    else:
        result = "approved" if decision.approved else "rejected"
    return ProposalMinutes(
        proposal.id,
        stage,
        tuple(entries),
        result,
        decision.decided_at if decision else None,
    )
