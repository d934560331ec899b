"""Flow 5: the approval chain, one-tap decisions, reminders and expiry.

Stages come from the `approval_chain` setting: comma-separated `name` or `name:opd`.
A `:opd` stage is decided by approvers whose grant covers the origin or destination unit (by
OPD or unit); another stage by approvers with an all-scope grant whose scope value is empty or
the stage's name. With one stage (the default), any approver covering either unit decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.access import grant_covers_unit
from core.delegation import principals_of, running_for_approver
from core.domain import (
    ApprovalDecision,
    AuditEvent,
    OutboxStatus,
    ProposalState,
    Role,
    RoleGrant,
    ScopeKind,
    TransferProposal,
    Unit,
)
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.notices import TransferContent, transfer_content
from core.outbox import chats_of, chats_with_role, enqueue
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.read_once import read_once
from core.working_time import WorkingTime, first_of_month_after

if TYPE_CHECKING:  # core.committee builds on this module
    from core.committee import Committee

StageScope = Literal["opd", "all"]


@dataclass(frozen=True, slots=True)
class ApprovalStage:
    """One stage of the approval chain."""

    name: str
    scope: StageScope
    #: Decided by the votes of a committee's members (core.committee), not by approver grants.
    committee: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """Settings the approval flow needs."""

    stages: tuple[ApprovalStage, ...]
    working_time: WorkingTime
    tmt_months_ahead: int = 2
    reminder_working_days: int = 2
    expiry_working_days: int = 10
    freeze_window: tuple[dt.date, dt.date] | None = None
    objection_days: int = 7
    #: An approver chat with at most this many moves of a plan at one stage gets a card each;
    #: more get one digest (core.digest).
    cards_max: int = 8
    #: A card undecided this many working days is raised to the next stage's approvers (or the
    #: admins at the last stage).
    escalation_working_days: int = 3
    #: More freeze windows (before the regional-head election, after the inauguration).
    freeze_windows: tuple[tuple[dt.date, dt.date], ...] = ()
    #: An acting regional head (Pj/Plt) is in office: every move needs the Minister's letter.
    acting_head: bool = False
    #: Working days the approvers have to rule on an objection; undecided, it is granted.
    objection_decision_working_days: int = 10
    #: Working days after which an undecided objection is raised to the admins as well.
    objection_escalation_working_days: int = 5
    #: The committee that decides the stage marked `committee` (core.committee), if any.
    committee: Committee | None = None

    def stage_at(self, index: int) -> ApprovalStage:
        """The stage a proposal at INDEX waits for; the last one if the chain was shortened."""
        return self.stages[min(index, len(self.stages) - 1)]

    def windows(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """Every freeze window (first, last day; agency dates), the legacy one first."""
        legacy = (self.freeze_window,) if self.freeze_window is not None else ()
        return legacy + self.freeze_windows

    def frozen_on(self, moment: dt.datetime) -> bool:
        """True when MOMENT (local date) is inside a freeze window or an acting head is in
        office."""
        return self.minister_needed(moment.astimezone(self.working_time.zone).date(), None)

    def minister_needed(self, decided_on: dt.date | None, tmt: dt.date | None) -> bool:
        """Whether a move decided on DECIDED_ON taking effect on TMT needs the Minister's
        written approval before it takes effect.

        UU 10/2016 Pasal 71 ayat (2) (from six months before the candidates are set until the
        end of the term) and Pasal 162 ayat (3) (six months after the inauguration) bar the
        regional head from replacing officials without the Minister's written approval; PP
        49/2008 Pasal 132A bars an acting head (Pj/Plt) from moving staff without it. Which
        dates the windows cover is the agency's setting; here a move is caught when either its
        decision or its TMT falls inside one.
        """
        if self.acting_head:
            return True
        days = [d for d in (decided_on, tmt) if d is not None]
        return any(first <= d <= last for first, last in self.windows() for d in days)

    def needs_minister(self, proposal: TransferProposal, now: dt.datetime) -> bool:
        """`minister_needed` for PROPOSAL: its decision day and TMT, or (still pending) today
        and the TMT it would get if approved today."""
        today = self.working_time.local(now).date()
        decided = (
            self.working_time.local(proposal.decided_at).date() if proposal.decided_at else today
        )
        tmt = proposal.tmt or first_of_month_after(today, self.tmt_months_ahead)
        return self.minister_needed(decided, tmt)


def parse_chain(text: str) -> tuple[ApprovalStage, ...]:
    """Stages from "approver" or "kepala_opd:opd,sekda,ppk"."""
    stages: list[ApprovalStage] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, scope = part.partition(":")
        scope = scope.strip() or ("opd" if name.strip() == "kepala_opd" else "all")
        if scope not in ("opd", "all"):
            raise InvalidInput(f"approval stage {part!r}: scope must be opd or all")
        stages.append(ApprovalStage(name.strip(), scope))  # type: ignore[arg-type]
    if not stages:
        raise InvalidInput("the approval chain has no stages")
    return tuple(stages)


class AlreadyDecided(StaleAction):
    """The card was already decided (or moved on); the values say what happened."""

    key = "error.already_decided"


class NotYourStage(NotAllowed):
    """The caller approves, but not this stage or not this proposal's units."""

    key = "error.not_your_stage"


class DecidedEarlierStage(NotAllowed):
    """One person may not approve two stages of the same transfer (separation of duties)."""

    key = "error.decided_earlier_stage"


async def decided_earlier(uow: UnitOfWork, proposal_id: int, approver_nip: str) -> bool:
    """True when APPROVER_NIP already decided an earlier stage of this proposal, or voted at
    its committee stage."""
    if any(d.approver_nip == approver_nip for d in await uow.decisions.list_for(proposal_id)):
        return True
    return any(
        v.member_nip == approver_nip for v in await uow.committee_votes.list_for(proposal_id)
    )


def grant_decides(
    grant: RoleGrant, stage: ApprovalStage, stage_count: int, units: Sequence[Unit | None]
) -> bool:
    """Whether an approver grant may decide `stage` of a move touching `units`."""
    if grant.role != Role.APPROVER or stage.committee:
        return False  # a committee stage is decided by its members' votes (core.committee)
    touched = [u for u in units if u is not None]
    if stage_count == 1:
        return any(grant_covers_unit(grant, u) for u in touched)
    if stage.scope == "opd":
        return grant.scope_kind != ScopeKind.ALL and any(
            grant_covers_unit(grant, u) for u in touched
        )
    return grant.scope_kind == ScopeKind.ALL and grant.scope_value in (None, "", stage.name)


async def stage_approvers(
    uow: UnitOfWork,
    proposal: TransferProposal,
    stage: int,
    rules: ApprovalRules,
    today: dt.date | None = None,
) -> list[tuple[str, int, str]]:
    """(nip, chat id, language) of everyone who decides `proposal` at `stage`; with TODAY, an
    approver whose delegation runs is replaced by the delegate (nip of the delegate). At a
    committee stage: the members who have not voted yet (core.committee)."""
    if rules.stage_at(stage).committee:
        from core.committee import members_to_vote

        return await members_to_vote(uow, proposal, rules)
    units = [await uow.units.get(proposal.from_unit), await uow.units.get(proposal.to_unit)]
    found: list[tuple[str, int, str]] = []
    seen: set[int] = set()
    for grant in await uow.roles.list_by_role(Role.APPROVER.value):
        if not grant_decides(grant, rules.stage_at(stage), len(rules.stages), units):
            continue
        nip = grant.nip
        if today is not None:
            running = await running_for_approver(uow, grant.nip, today)
            nip = running.delegate_nip if running is not None else grant.nip
        for chat_id, language in await chats_of(uow, nip):
            if chat_id not in seen:
                seen.add(chat_id)
                found.append((nip, chat_id, language))
    return found


def card_key(proposal_id: int, stage: int, chat_id: int) -> str:
    """The outbox dedupe key of one approver's card (edits refer to it)."""
    return f"card:{proposal_id}:{stage}:{chat_id}"


async def content_of(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> TransferContent:
    """What the card and the notice of PROPOSAL say, as of NOW."""
    employee = await uow.employees.get(proposal.nip)
    # Every unit, so the next-best alternative is named too (never shown by its code).
    units = {u.code: u for u in await uow.units.list()}
    return transfer_content(
        proposal,
        employee,
        units,
        freeze=rules.needs_minister(proposal, now),
        today=now.astimezone(rules.working_time.zone).date(),
    )


def card_payload(
    proposal: TransferProposal, rules: ApprovalRules, content: TransferContent
) -> dict[str, Any]:
    """What an approval card of PROPOSAL at its current stage shows."""
    assert proposal.id is not None
    payload: dict[str, Any] = {
        "proposal_id": proposal.id,
        "stage": proposal.stage,
        "stage_name": rules.stage_at(proposal.stage).name,
        "stage_count": len(rules.stages),
        "content": content.to_payload(),
    }
    if rules.stage_at(proposal.stage).committee and rules.committee is not None:
        payload["committee"] = rules.committee.card_facts()
    return payload


async def enqueue_card(
    uow: UnitOfWork,
    proposal: TransferProposal,
    chat_id: int,
    rules: ApprovalRules,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
    *,
    extra: dict[str, Any] | None = None,
) -> bool:
    """One approval card of PROPOSAL's current stage to CHAT_ID; False if it was queued before."""
    assert proposal.id is not None
    key = card_key(proposal.id, proposal.stage, chat_id)
    if await uow.outbox.get_by_dedupe_key(key) is not None:
        return False
    content = await content_of(uow, proposal, rules, now)
    await enqueue(
        uow,
        chat_id,
        "approval_card",
        {**card_payload(proposal, rules, content), **(extra or {})},
        now=now,
        dedupe_key=key,
        not_before=not_before,
    )
    return True


async def enqueue_cards(
    uow: UnitOfWork,
    proposal: TransferProposal,
    rules: ApprovalRules,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
) -> int:
    """One card per approver of the proposal's current stage; returns how many."""
    approvers = await stage_approvers(uow, proposal, proposal.stage, rules)
    for _nip, chat_id, _language in approvers:
        await enqueue_card(uow, proposal, chat_id, rules, now, not_before)
    return len(approvers)


async def enqueue_card_outcome(
    uow: UnitOfWork,
    proposal: TransferProposal,
    stage: int,
    outcome: str,
    now: dt.datetime,
    *,
    by_name: str | None = None,
    reason: str | None = None,
    rules: ApprovalRules | None = None,
) -> None:
    """Edit every copy of the card (those that exist) to show what STAGE decided.

    OUTCOME is approved, rejected, expired, cancelled or forwarded (approved at a stage that is
    not the last). A final outcome also edits the copies of earlier stages' cards."""
    assert proposal.id is not None
    stage_count = len(rules.stages) if rules else 1
    payload_extra: dict[str, Any] = {
        "decided_stage": stage,
        "stage_count": stage_count,
    }
    if rules is not None and outcome == "forwarded":
        payload_extra["next_stage"] = stage + 1
        payload_extra["next_stage_name"] = rules.stage_at(stage + 1).name
    stages = [stage] if outcome == "forwarded" else list(range(stage + 1))
    for card_stage in stages:
        for message in await uow.outbox.list_by_dedupe_prefix(f"card:{proposal.id}:{card_stage}:"):
            chat_id = message.chat_id
            copy = (message.dedupe_key or "").removeprefix("card:")
            kind = "card-outcome" if card_stage == stage else f"card-final:{stage}"
            key = f"{kind}:{copy}"
            if await uow.outbox.get_by_dedupe_key(key) is not None:
                continue
            await enqueue(
                uow,
                chat_id,
                "card_outcome",
                {
                    "edit_of": message.dedupe_key,
                    "proposal_id": proposal.id,
                    "outcome": outcome,
                    "by_name": by_name,
                    "reason": reason,
                    "content": message.payload.get("content"),
                    "stage": card_stage,
                    **payload_extra,
                },
                now=now,
                dedupe_key=key,
            )


async def supervisors_of(uow: UnitOfWork, unit_code: str) -> list[tuple[str, int, str]]:
    """(nip, chat, language) of the supervisors of one unit."""
    unit = await uow.units.get(unit_code)
    found: list[tuple[str, int, str]] = []
    if unit is None:
        return found
    for grant in await uow.roles.list_by_role(Role.SUPERVISOR.value):
        if grant.scope_kind == ScopeKind.UNIT and grant.scope_value == unit.code:
            found.extend((grant.nip, c, lang) for c, lang in await chats_of(uow, grant.nip))
    return found


async def enqueue_notice(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> None:
    """The transfer notice to the ASN and a word to both supervisors (flow 6)."""
    assert proposal.id is not None
    content = (await content_of(uow, proposal, rules, now)).to_payload()
    opening = rules.working_time.next_open(now)
    for chat_id, _language in await chats_of(uow, proposal.nip):
        await enqueue(
            uow,
            chat_id,
            "notice",
            {
                "proposal_id": proposal.id,
                "content": content,
                "objection_days": rules.objection_days,
            },
            now=now,
            dedupe_key=f"notice:{proposal.id}:{chat_id}",
            not_before=opening,
        )
    for side, unit_code in (("out", proposal.from_unit), ("in", proposal.to_unit)):
        for nip, chat_id, _language in await supervisors_of(uow, unit_code):
            if nip == proposal.nip:
                continue
            await enqueue(
                uow,
                chat_id,
                "supervisor_info",
                {"proposal_id": proposal.id, "direction": side, "content": content},
                now=now,
                dedupe_key=f"supervisor:{proposal.id}:{side}:{chat_id}",
                not_before=opening,
            )
    if content.get("freeze_note"):
        # The letter can be asked for now; the move waits for it after the SPMT.
        await alert_admins(uow, "minister_letter_needed", proposal, now, opening)


async def transfer_alert_payload(uow: UnitOfWork, proposal: TransferProposal) -> dict[str, object]:
    """Who moves where and when, for the SPMT request and the alerts to admins."""
    employee = await uow.employees.get(proposal.nip)
    origin = await uow.units.get(proposal.from_unit)
    destination = await uow.units.get(proposal.to_unit)
    return {
        "proposal_id": proposal.id,
        "nip": proposal.nip,
        "name": employee.name if employee else proposal.nip,
        "jabatan": employee.jabatan if employee else "",
        "from_name": origin.name if origin else proposal.from_unit,
        "to_name": destination.name if destination else proposal.to_unit,
        "tmt": proposal.tmt.isoformat() if proposal.tmt else None,
        "butuh_sip": proposal.butuh_sip,
    }


async def alert_admins(
    uow: UnitOfWork, alert: str, proposal: TransferProposal, now: dt.datetime, opening: dt.datetime
) -> int:
    sent = 0
    for _nip, chat_id, _lang in await chats_with_role(uow, Role.ADMIN):
        key = f"{alert}:{proposal.id}:{chat_id}"
        if await uow.outbox.get_by_dedupe_key(key) is not None:
            continue
        await enqueue(
            uow,
            chat_id,
            "transfer_alert",
            {"alert": alert, **await transfer_alert_payload(uow, proposal)},
            now=now,
            dedupe_key=key,
            not_before=opening,
        )
        sent += 1
    return sent


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What one tap did."""

    proposal: TransferProposal
    approved: bool
    final: bool


async def _name_of(uow: UnitOfWork, nip: str) -> str:
    employee = await uow.employees.get(nip)
    return employee.name if employee else nip


async def _decider_of(uow: UnitOfWork, decision: ApprovalDecision, rules: ApprovalRules) -> str:
    """Who decided a stage, as people are told: the committee for its stage, else the name."""
    if rules.committee is not None and rules.stage_at(decision.stage).committee:
        return rules.committee.name
    return await _name_of(uow, decision.approver_nip)


async def stale_refusal(
    uow: UnitOfWork, proposal: TransferProposal, expected_stage: int, rules: ApprovalRules
) -> AlreadyDecided:
    """The refusal of a stale tap: which stage decided, by whom, and who decides now."""
    assert proposal.id is not None
    decided = [d for d in await uow.decisions.list_for(proposal.id) if d.stage >= expected_stage]
    first = min(decided, key=lambda d: d.stage) if decided else None
    deciders: list[str] = []
    if proposal.state == ProposalState.PENDING:
        for nip, _chat, _language in await stage_approvers(uow, proposal, proposal.stage, rules):
            name = await _name_of(uow, nip)
            if name not in deciders:
                deciders.append(name)
    return AlreadyDecided(
        "already decided",
        state=proposal.state.value,
        stage=proposal.stage,
        expected_stage=expected_stage,
        stage_count=len(rules.stages),
        decided_stage=first.stage if first else None,
        decided_by=await _decider_of(uow, first, rules) if first else None,
        decided_approved=first.approved if first else None,
        now_stage_name=rules.stage_at(proposal.stage).name,
        now_deciders=", ".join(deciders),
    )


@dataclass(frozen=True, slots=True)
class MayDecide:
    """Who decides a stage: the proposal, the approver in whose name (the caller, the one who
    delegated to them, or the one the card was escalated to), and whether it was escalated."""

    proposal: TransferProposal
    deciding_nip: str
    raised: bool


async def check_may_decide(
    uow: UnitOfWork,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    stage: int,
    approver_nip: str,
    now: dt.datetime,
) -> MayDecide:
    """Whether APPROVER_NIP may decide STAGE of the proposal now; else NotFound, AlreadyDecided,
    NotYourStage or DecidedEarlierStage. Asked before a rejection reason is, and again when
    deciding."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(proposal=proposal_id)
    if proposal.state != ProposalState.PENDING or proposal.stage != stage:
        raise await stale_refusal(uow, proposal, stage, rules)
    units = [
        await uow.units.get(proposal.from_unit),
        await uow.units.get(proposal.to_unit),
    ]
    # The caller decides in their own name or, during a delegation, in the name of
    # the approver who named them.
    deciding_nip: str | None = None
    today = rules.working_time.local(now).date()
    for candidate in await principals_of(uow, approver_nip, today):
        grants = await uow.roles.list_for(candidate)
        if any(grant_decides(g, rules.stage_at(stage), len(rules.stages), units) for g in grants):
            deciding_nip = candidate
            break
    raised = False
    if deciding_nip is None and await escalated_at(uow, proposal_id, stage):
        deciding_nip = await _raised_to(uow, approver_nip, proposal, rules, units, today)
        raised = deciding_nip is not None
    if deciding_nip is None:
        raise NotYourStage(stage=rules.stage_at(stage).name)
    if stage > 0 and (
        await decided_earlier(uow, proposal_id, deciding_nip)
        or await decided_earlier(uow, proposal_id, approver_nip)
    ):
        raise DecidedEarlierStage(proposal=proposal_id)
    assert deciding_nip is not None
    return MayDecide(proposal, deciding_nip, raised)


async def decide(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    stage: int,
    approver_nip: str,
    approve: bool,
    reason: str | None = None,
) -> DecisionOutcome:
    """Record one approver's decision on one stage; stale taps and outsiders change nothing."""
    if not approve and not (reason and reason.strip()):
        raise InvalidInput("a rejection needs a reason")
    now = clock.now()
    try:
        async with uow_factory() as uow:
            may = await check_may_decide(
                uow,
                rules,
                proposal_id=proposal_id,
                stage=stage,
                approver_nip=approver_nip,
                now=now,
            )
            outcome = await settle_allowed(
                uow, rules, may, actor_nip=approver_nip, approve=approve, reason=reason, now=now
            )
            await uow.commit()
    except Conflict:
        # The database saw a second decision for this stage first: reread and say so.
        async with uow_factory() as uow:
            current = await uow.proposals.get(proposal_id)
            assert current is not None
            stale = await stale_refusal(uow, current, stage, rules)
        raise stale from None
    return outcome


async def settle_allowed(
    uow: UnitOfWork,
    rules: ApprovalRules,
    may: MayDecide,
    *,
    actor_nip: str,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
) -> DecisionOutcome:
    """`settle_stage` for a decision `check_may_decide` allowed (MAY: in whose name, and
    whether the card had been escalated to the caller)."""
    return await settle_stage(
        uow,
        rules,
        may.proposal,
        stage=may.proposal.stage,
        deciding_nip=may.deciding_nip,
        actor_nip=actor_nip,
        approve=approve,
        reason=reason,
        now=now,
        audit_extra={"escalated": True} if may.raised else None,
    )


async def settle_stage(
    uow: UnitOfWork,
    rules: ApprovalRules,
    proposal: TransferProposal,
    *,
    stage: int,
    deciding_nip: str,
    actor_nip: str,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
    by_name: str | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> DecisionOutcome:
    """Record STAGE's decision on PROPOSAL inside UOW (the caller commits): the decision in
    DECIDING_NIP's name, the proposal moved on (next stage, approved with its TMT, or
    rejected), every copy of the card edited (naming BY_NAME, by default the decider, "X a.n.
    Y" for a deputy), the next stage's cards or the notice queued, and the audit event by
    ACTOR_NIP (with AUDIT_EXTRA). Raises Conflict when the stage was decided meanwhile and
    AlreadyDecided when the proposal moved on."""
    assert proposal.id is not None
    await uow.decisions.add(
        ApprovalDecision(proposal.id, stage, deciding_nip, approve, reason, now)
    )
    final = not approve or stage + 1 >= len(rules.stages)
    if not approve:
        updated = dataclasses.replace(proposal, state=ProposalState.REJECTED, decided_at=now)
    elif final:
        local_day = rules.working_time.local(now).date()
        updated = dataclasses.replace(
            proposal,
            state=ProposalState.APPROVED,
            decided_at=now,
            tmt=first_of_month_after(local_day, rules.tmt_months_ahead),
        )
    else:
        updated = dataclasses.replace(proposal, stage=stage + 1)
    if not await uow.proposals.transition(proposal, updated):
        raise await stale_refusal(uow, proposal, stage, rules)
    if by_name is None:
        by_name = await _name_of(uow, deciding_nip)
        if deciding_nip != actor_nip:
            by_name = f"{await _name_of(uow, actor_nip)} a.n. {by_name}"
    await enqueue_card_outcome(
        uow,
        proposal,
        stage,
        ("approved" if final else "forwarded") if approve else "rejected",
        now,
        by_name=by_name,
        reason=reason,
        rules=rules,
    )
    if approve and not final:
        from core.digest import enqueue_stage_messages  # digest builds on this module

        await enqueue_stage_messages(uow, [updated], rules, now)
    if approve and final:
        await enqueue_notice(uow, updated, rules, now)
    after: dict[str, Any] = {
        "state": updated.state.value,
        "stage": updated.stage,
        "reason": reason,
    }
    if deciding_nip != actor_nip:
        after["on_behalf_of"] = deciding_nip
    after.update(audit_extra or {})
    await uow.audit.add(
        AuditEvent(
            actor=actor_nip,
            action="proposal.approve" if approve else "proposal.reject",
            subject=f"proposal:{proposal.id}",
            at=now,
            before={"state": proposal.state.value, "stage": proposal.stage},
            after=after,
        )
    )
    return DecisionOutcome(updated, approve, final)


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What "Setujui semua" did."""

    approved: int
    skipped: int


#: Moves decided per transaction by a group decision (see approve_many), and the pause after
#: each such transaction.
DECISION_CHUNK = 4
DECISION_PAUSE_SECONDS = 0.02


async def approve_many(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_ids: Sequence[int],
    approver_nip: str,
) -> BulkOutcome:
    """Approve each of PROPOSAL_IDS at its current stage; those the caller may not decide (or
    already decided) are skipped and counted.

    The moves are decided DECISION_CHUNK at a time, each chunk one transaction: every move of
    it is checked before anything is written, and the reference data (units, grants, accounts,
    names) is read once per chunk (core.read_once). After each chunk the database is left to
    others for DECISION_PAUSE_SECONDS: SQLite lets one transaction write at a time, and while
    a whole group of 30-40 moves was one transaction, every other writer (the inbox storing
    each incoming update, so every reply to anyone) waited for all of it; small chunks decide
    the group as fast and keep those waits short (benchmarks/bench_notices.py). When another
    decision on a move of a chunk lands meanwhile (Conflict, or a proposal that moved on between
    the check and the write), nothing of that chunk was stored, and its moves are decided again
    one at a time, each in its own transaction."""
    approved = 0
    for start in range(0, len(proposal_ids), DECISION_CHUNK):
        chunk = proposal_ids[start : start + DECISION_CHUNK]
        if start:
            await asyncio.sleep(DECISION_PAUSE_SECONDS)
        try:
            approved += await _approve_together(uow_factory, clock, rules, chunk, approver_nip)
        except (Conflict, StaleAction):
            for proposal_id in chunk:
                with contextlib.suppress(Conflict, StaleAction):  # decided meanwhile
                    approved += await _approve_together(
                        uow_factory, clock, rules, [proposal_id], approver_nip
                    )
    return BulkOutcome(approved, len(proposal_ids) - approved)


async def _approve_together(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    proposal_ids: Sequence[int],
    approver_nip: str,
) -> int:
    """Approve those of PROPOSAL_IDS the caller may decide now, in one transaction: all of them
    are checked first, then written; returns how many. Conflict or AlreadyDecided (nothing
    stored) when another decision lands between the check and the write."""
    async with uow_factory() as uow:
        shared, now = read_once(uow), clock.now()
        allowed = [
            may
            for proposal_id in proposal_ids
            if (may := await _allowed(shared, rules, proposal_id, approver_nip, now))
        ]
        for may in allowed:
            await settle_allowed(
                shared, rules, may, actor_nip=approver_nip, approve=True, reason=None, now=now
            )
        if allowed:
            await uow.commit()
    return len(allowed)


async def _allowed(
    uow: UnitOfWork, rules: ApprovalRules, proposal_id: int, approver_nip: str, now: dt.datetime
) -> MayDecide | None:
    """Whether APPROVER_NIP may decide PROPOSAL_ID at its current stage now (None: no)."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None or proposal.state != ProposalState.PENDING:
        return None
    try:
        return await check_may_decide(
            uow,
            rules,
            proposal_id=proposal_id,
            stage=proposal.stage,
            approver_nip=approver_nip,
            now=now,
        )
    except (StaleAction, NotAllowed):
        return None


async def approve_all(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    plan_id: int,
    approver_nip: str,
) -> BulkOutcome:
    """Approve every pending proposal of the plan the caller decides at its current stage."""
    async with uow_factory() as uow:
        proposals = await uow.proposals.list_for_plan(plan_id)
    pending = [p.id for p in proposals if p.state == ProposalState.PENDING and p.id is not None]
    outcome = await approve_many(
        uow_factory, clock, rules, proposal_ids=pending, approver_nip=approver_nip
    )
    return outcome


async def awaiting(
    uow: UnitOfWork, approver_nip: str, rules: ApprovalRules, today: dt.date | None = None
) -> list[TransferProposal]:
    """Pending proposals the caller may decide now, in their own name or for an approver whose
    delegation to them runs today (for /usulan and the summary)."""
    principals = [approver_nip] if today is None else await principals_of(uow, approver_nip, today)
    grants = [g for nip in principals for g in await uow.roles.list_for(nip)]
    all_units = {u.code: u for u in await uow.units.list()}
    found: list[TransferProposal] = []
    for proposal in await uow.proposals.list_by_state(ProposalState.PENDING.value):
        units = [all_units.get(proposal.from_unit), all_units.get(proposal.to_unit)]
        stage = rules.stage_at(proposal.stage)
        if not any(grant_decides(g, stage, len(rules.stages), units) for g in grants):
            continue
        already = (
            proposal.stage > 0
            and proposal.id is not None
            and await decided_earlier(uow, proposal.id, approver_nip)
        )
        if not already:
            found.append(proposal)
    return sorted(found, key=lambda p: p.id or 0)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    """What one reminder/expiry pass did."""

    reminded: int
    expired: int
    escalated: int = 0


async def remind_and_expire(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: ApprovalRules
) -> ReminderReport:
    """Remind approvers of cards undecided for N working days, raise them after E working days
    (escalation), expire them after M.

    An approver chat with more than `rules.cards_max` reminders or raised cards due at once gets
    one message listing them instead of one each (no flood)."""
    now = clock.now()
    today = rules.working_time.local(now).date()
    opening = rules.working_time.next_open(now)
    reminded = expired = escalated = 0
    reminders: dict[int, list[dict[str, Any]]] = {}
    raised: dict[int, list[TransferProposal]] = {}
    async with uow_factory() as uow:
        for proposal in await uow.proposals.list_by_state(ProposalState.PENDING.value):
            assert proposal.id is not None
            if rules.stage_at(proposal.stage).committee:
                from core.committee import settle_if_due  # committee builds on this module

                if await settle_if_due(uow, rules, proposal, now):
                    continue  # its quorum was met by votes that raced (see core.committee)
            waited = await waited_working_days(uow, proposal, rules, now)
            if waited >= rules.expiry_working_days:
                updated = dataclasses.replace(
                    proposal, state=ProposalState.EXPIRED, decided_at=now
                )
                if await uow.proposals.transition(proposal, updated):
                    expired += 1
                    await enqueue_card_outcome(
                        uow, proposal, proposal.stage, "expired", now, rules=rules
                    )
                    await uow.audit.add(
                        AuditEvent(
                            "system",
                            "proposal.expire",
                            f"proposal:{proposal.id}",
                            now,
                            {"state": "pending"},
                            {"state": "expired"},
                        )
                    )
                continue
            if (
                waited >= rules.escalation_working_days
                and not rules.stage_at(proposal.stage).committee  # nobody votes for members
                and not await escalated_at(uow, proposal.id, proposal.stage)
            ):
                for chat_id in await escalation_chats(uow, proposal, rules, today):
                    raised.setdefault(chat_id, []).append(proposal)
                await uow.audit.add(
                    AuditEvent(
                        "system",
                        "proposal.escalate",
                        f"proposal:{proposal.id}",
                        now,
                        {"stage": proposal.stage},
                        {"stage": proposal.stage, "waited_working_days": waited},
                    )
                )
                escalated += 1
            if waited >= rules.reminder_working_days:
                for _nip, chat_id, _language in await stage_approvers(
                    uow, proposal, proposal.stage, rules, today
                ):
                    key = f"reminder:{proposal.id}:{proposal.stage}:{chat_id}"
                    if await uow.outbox.get_by_dedupe_key(key) is not None:
                        continue
                    reminders.setdefault(chat_id, []).append(
                        {
                            "proposal_id": proposal.id,
                            "stage": proposal.stage,
                            "waited_days": waited,
                            "expires_in": rules.expiry_working_days - waited,
                        }
                    )
        for chat_id, due in reminders.items():
            if len(due) <= rules.cards_max:
                for item in due:
                    await enqueue(
                        uow,
                        chat_id,
                        "reminder",
                        item,
                        now=now,
                        dedupe_key=f"reminder:{item['proposal_id']}:{item['stage']}:{chat_id}",
                        not_before=opening,
                    )
            else:
                await _enqueue_once(
                    uow,
                    chat_id,
                    "reminder_digest",
                    {
                        "count": len(due),
                        "ids": sorted(int(i["proposal_id"]) for i in due),
                        "expires_in": min(int(i["expires_in"]) for i in due),
                    },
                    now,
                    f"reminders:{chat_id}:{today.isoformat()}",
                    opening,
                )
            reminded += len(due)
        for chat_id, proposals in raised.items():
            await _raise(uow, chat_id, proposals, rules, now, opening)
        await uow.commit()
    return ReminderReport(reminded, expired, escalated)


async def _enqueue_once(
    uow: UnitOfWork,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: dt.datetime,
    key: str,
    not_before: dt.datetime,
) -> None:
    if await uow.outbox.get_by_dedupe_key(key) is None:
        await enqueue(uow, chat_id, kind, payload, now=now, dedupe_key=key, not_before=not_before)


async def _raised_to(
    uow: UnitOfWork,
    caller_nip: str,
    proposal: TransferProposal,
    rules: ApprovalRules,
    units: Sequence[Unit | None],
    today: dt.date,
) -> str | None:
    """Whom (the caller or an approver they stand in for) an escalated card lets decide: the
    next stage's approvers, or the admins at the last stage."""
    for candidate in await principals_of(uow, caller_nip, today):
        grants = await uow.roles.list_for(candidate)
        if raised_to_next_stage(proposal, rules):
            following = rules.stage_at(proposal.stage + 1)
            if any(grant_decides(g, following, len(rules.stages), units) for g in grants):
                return candidate
        elif any(g.role == Role.ADMIN for g in grants):
            return candidate
    return None


async def waited_working_days(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> int:
    """Working days PROPOSAL has waited at its current stage (since the plan or the last
    decision)."""
    assert proposal.id is not None
    plan = await uow.plans.get(proposal.plan_id)
    decisions = await uow.decisions.list_for(proposal.id)
    started = max([d.decided_at for d in decisions] + [plan.created_at if plan else now])
    return rules.working_time.working_days_between(
        rules.working_time.local(started).date(), rules.working_time.local(now).date()
    )


async def escalated_at(uow: UnitOfWork, proposal_id: int, stage: int) -> bool:
    """Whether PROPOSAL_ID was raised past STAGE (escalation) already."""
    return any(
        e.action == "proposal.escalate" and (e.before or {}).get("stage") == stage
        for e in await uow.audit.list(f"proposal:{proposal_id}")
    )


def raised_to_next_stage(proposal: TransferProposal, rules: ApprovalRules) -> bool:
    """Whether an undecided card of PROPOSAL is raised to the next stage's approvers; at the
    last stage, or before a committee stage (members vote only on their own stage), it is
    raised to the admins."""
    following = proposal.stage + 1
    return following < len(rules.stages) and not rules.stage_at(following).committee


async def escalation_chats(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, today: dt.date
) -> list[int]:
    """Who an undecided card is raised to: the next stage's approvers, or at the last stage
    the admins."""
    if raised_to_next_stage(proposal, rules):
        return [
            c
            for _n, c, _l in await stage_approvers(uow, proposal, proposal.stage + 1, rules, today)
        ]
    return [c for _n, c, _l in await chats_with_role(uow, Role.ADMIN)]


async def _raise(
    uow: UnitOfWork,
    chat_id: int,
    proposals: Sequence[TransferProposal],
    rules: ApprovalRules,
    now: dt.datetime,
    opening: dt.datetime,
) -> None:
    """The raised cards (same buttons) to one chat, or one list when there are many."""
    if len(proposals) <= rules.cards_max:
        for proposal in proposals:
            await enqueue_card(
                uow,
                proposal,
                chat_id,
                rules,
                now,
                opening,
                extra={"escalated": True, "waited_limit": rules.escalation_working_days},
            )
        return
    today = rules.working_time.local(now).date()
    await _enqueue_once(
        uow,
        chat_id,
        "escalation_digest",
        {
            "count": len(proposals),
            "ids": sorted(p.id for p in proposals if p.id is not None),
            "days": rules.escalation_working_days,
        },
        now,
        f"escalation:{chat_id}:{today.isoformat()}",
        opening,
    )


async def record_card_copy(
    uow: UnitOfWork,
    proposal: TransferProposal,
    chat_id: int,
    rules: ApprovalRules,
    now: dt.datetime,
    telegram_message_id: int,
) -> None:
    """Remember a card the bot sent straight to a chat (opened from a digest or /usulan) as a
    sent outbox row, so that its decision edits this copy like every other."""
    assert proposal.id is not None
    content = await content_of(uow, proposal, rules, now)
    key = f"{card_key(proposal.id, proposal.stage, chat_id)}:m{telegram_message_id}"
    stored = await enqueue(
        uow,
        chat_id,
        "approval_card",
        card_payload(proposal, rules, content),
        now=now,
        dedupe_key=key,
    )
    await uow.outbox.update(
        dataclasses.replace(
            stored, status=OutboxStatus.SENT, telegram_message_id=telegram_message_id
        )
    )
