"""A proposal as an approver opens it: the card's content as of now, its state and stage, and
every stage decision so far.

`awaiting` lists what an approver may decide now (for /usulan and the plan summary).

Authorisation: only an approver whose own grants, or those of an approver who delegated to
them for today (/wakil, `core.usecases.delegation.principals_of`), cover the origin or the
destination
unit may open a proposal, and so may whom a raised card let decide it (`raised_to`: the admins
for a card raised to the admins); anyone else gets `OutOfScope`, an unknown number `NotFound`. The
same holds for `decided_by`, who decided a proposal as its card says it, read from the
viewer's own audit lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from core.domain import ApprovalDecision, Employee, ProposalState, Role, TransferProposal
from core.domain.access import Caller, OutOfScope, RoleRequired, grant_covers_unit
from core.domain.errors import NotFound
from core.domain.notices import TransferContent
from core.ports import UnitOfWork
from core.usecases.approval.cards import content_of
from core.usecases.approval.chain import (
    ApprovalRules,
    escalated_stages,
    grant_decides,
    raised_to,
)
from core.usecases.approval.decisions import decided_earlier
from core.usecases.delegation import principals_of


@dataclass(frozen=True, slots=True)
class ProposalDetails:
    """One proposal for an approver: the proposal, how many stages the chain has, what its card
    says as of now, and its decisions in stage order."""

    proposal: TransferProposal
    stage_count: int
    content: TransferContent
    decisions: tuple[ApprovalDecision, ...]


async def proposal_details(
    uow: UnitOfWork,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    viewer_nip: str,
    now: dt.datetime,
) -> ProposalDetails:
    """PROPOSAL_ID as VIEWER_NIP may see it at NOW; raises NotFound (no such proposal) or
    OutOfScope (the viewer approves neither of its units, in their own name or a principal's)."""
    proposal = await _in_scope(uow, rules, proposal_id, viewer_nip, now)
    content = await content_of(uow, proposal, rules, now)
    decisions = sorted(await uow.decisions.list_for(proposal_id), key=lambda d: d.stage)
    return ProposalDetails(proposal, len(rules.stages), content, tuple(decisions))


@dataclass(frozen=True, slots=True)
class DecidedBy:
    """Who decided a proposal, as the other copies of its card say it: NAME, and for a deputy
    (/wakil) ON_BEHALF_OF, the approver they decided for (their name, or their NIP when the
    employee record is gone); None when they decided in their own name."""

    name: str
    on_behalf_of: str | None = None


async def decided_by(
    uow: UnitOfWork,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    viewer: Employee,
    now: dt.datetime,
) -> DecidedBy:
    """VIEWER's latest decision on PROPOSAL_ID as signed: read from VIEWER's own audit lines
    of the proposal (an approval or a rejection; another person's lines are never read), in
    their own name when they hold none. Raises NotFound or OutOfScope like
    `proposal_details`."""
    await _in_scope(uow, rules, proposal_id, viewer.nip, now)
    events = [
        e
        for e in await uow.audit.list(f"proposal:{proposal_id}")
        if e.action in ("proposal.approve", "proposal.reject") and e.actor == viewer.nip
    ]
    if not events:
        return DecidedBy(viewer.name)
    last = max(events, key=lambda e: (e.at, e.id or 0))
    principal_nip = (last.after or {}).get("on_behalf_of")
    if not principal_nip:
        return DecidedBy(viewer.name)
    principal = await uow.employees.get(str(principal_nip))
    return DecidedBy(viewer.name, principal.name if principal else str(principal_nip))


async def _in_scope(
    uow: UnitOfWork, rules: ApprovalRules, proposal_id: int, viewer_nip: str, now: dt.datetime
) -> TransferProposal:
    """PROPOSAL_ID when VIEWER_NIP, in their own name or a principal's on NOW's agency date,
    approves its origin or its destination unit, or was let decide it when it was raised
    (`core.usecases.approval.chain.raised_to`: an admin for a card raised to the admins);
    raises NotFound or OutOfScope."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound()
    touched = [await uow.units.get(c) for c in (proposal.from_unit, proposal.to_unit)]
    today = rules.working_time.local(now).date()
    grants = [
        grant
        for nip in await principals_of(uow, viewer_nip, today)
        for grant in await uow.roles.list_for(nip)
        if grant.role == Role.APPROVER
    ]
    if any(grant_covers_unit(g, u) for g in grants for u in touched if u is not None):
        return proposal
    # A card raised (escalation) at some stage lets whom `raised_to` names decide that stage
    # (the admins at the last stage): they see it as its deciders do.
    for stage in sorted(await escalated_stages(uow, proposal_id)):
        at_stage = dataclasses.replace(proposal, stage=stage)
        if await raised_to(uow, viewer_nip, at_stage, rules, touched, today) is not None:
            return proposal
    raise OutOfScope(proposal=proposal_id)


async def may_view(
    uow: UnitOfWork, rules: ApprovalRules, *, proposal_id: int, viewer_nip: str, now: dt.datetime
) -> bool:
    """Whether VIEWER_NIP may open PROPOSAL_ID at NOW as an approver (`proposal_details` would
    not raise OutOfScope); raises NotFound for an unknown number."""
    try:
        await _in_scope(uow, rules, proposal_id, viewer_nip, now)
    except OutOfScope:
        return False
    return True


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


async def require_approver(uow: UnitOfWork, caller: Caller, today: dt.date) -> None:
    """Raise RoleRequired (the approver's role) unless CALLER approves, or stands in on TODAY
    (an agency date) for an approver whose delegation to them runs that day (/wakil): who may
    press an approver's buttons. Each decision checks its own scope again
    (`core.usecases.approval.decisions`)."""
    if caller.has_role(Role.APPROVER):
        return
    if len(await principals_of(uow, caller.nip, today)) > 1:
        return
    raise RoleRequired(role=Role.APPROVER.value)
