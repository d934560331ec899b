"""Deciding a stage: who may decide now, recording the decision and moving the proposal on (the
next stage's cards, or the notice to the ASN after the last)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from core.domain import (
    ApprovalDecision,
    AuditEvent,
    JsonValue,
    ProposalState,
    TransferProposal,
)
from core.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.domain.working_time import first_of_month_after
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.cards import enqueue_card_outcome, enqueue_notice
from core.usecases.approval.chain import (
    ApprovalRules,
    escalated_at,
    grant_decides,
    raised_to,
    stage_approvers,
)
from core.usecases.delegation import principals_of


@dataclass(frozen=True, slots=True)
class StaleCard:
    """What a stale tap is told: the proposal's STATE (a `ProposalState` value) and current
    STAGE (0-based) against the EXPECTED_STAGE the tap was for, of STAGE_COUNT; the earliest
    stage decided since (DECIDED_STAGE, by DECIDED_BY, approving or not: DECIDED_APPROVED;
    None when no decision is recorded) and who decides now (the stage's name, the deciders'
    names joined)."""

    state: str
    stage: int
    expected_stage: int
    stage_count: int
    decided_stage: int | None
    decided_by: str | None
    decided_approved: bool | None
    now_stage_name: str
    now_deciders: str


class AlreadyDecided(StaleAction):
    """The card was already decided (or moved on); `card` says what happened (its fields are
    also the `values` of the generic message)."""

    key = "error.already_decided"

    def __init__(self, card: StaleCard) -> None:
        super().__init__(
            "already decided", **{f.name: getattr(card, f.name) for f in dataclasses.fields(card)}
        )
        self.card = card


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
        StaleCard(
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
        deciding_nip = await raised_to(uow, approver_nip, proposal, rules, units, today)
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
    audit_extra: dict[str, JsonValue] | None = None,
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
        from core.usecases.digest import enqueue_stage_messages  # digest builds on this module

        await enqueue_stage_messages(uow, [updated], rules, now)
    if approve and final:
        await enqueue_notice(uow, updated, rules, now)
    after: dict[str, JsonValue] = {
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
