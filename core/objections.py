"""Flow 6 after the notice: the ASN accepts or objects; approvers uphold or cancel."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from core.approval import ApprovalRules, grant_decides, stage_approvers, supervisors_of
from core.domain import ApprovalDecision, AuditEvent, ProposalState, TransferProposal
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.outbox import chats_of, enqueue
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory

#: Decisions on objections are recorded with this stage number (one per proposal).
OBJECTION_STAGE = 99


class NotYourTransfer(NotAllowed):
    """Only the person being moved may accept or object."""

    key = "error.not_your_transfer"


class ObjectionWindowClosed(StaleAction):
    """The objection came after the window (days after the notice)."""

    key = "error.objection_window_closed"


class TransferNotOpen(StaleAction):
    """The transfer is not awaiting the ASN's answer (values say its state)."""

    key = "error.transfer_not_open"


@dataclass(frozen=True, slots=True)
class ObjectionOutcome:
    """A proposal after an ASN's answer or an approver's ruling."""

    proposal: TransferProposal


async def _own_open_proposal(uow: UnitOfWork, proposal_id: int, nip: str) -> TransferProposal:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(proposal=proposal_id)
    if proposal.nip != nip:
        raise NotYourTransfer()
    if proposal.state != ProposalState.APPROVED:
        raise TransferNotOpen(state=proposal.state.value)
    return proposal


async def _unit_names(uow: UnitOfWork, proposal: TransferProposal) -> dict[str, str]:
    origin = await uow.units.get(proposal.from_unit)
    destination = await uow.units.get(proposal.to_unit)
    return {
        "from_name": origin.name if origin else proposal.from_unit,
        "to_name": destination.name if destination else proposal.to_unit,
    }


async def _edit_notice(
    uow: UnitOfWork, proposal: TransferProposal, outcome: str, now: dt.datetime
) -> None:
    assert proposal.id is not None
    for message in await uow.outbox.list_by_dedupe_prefix(f"notice:{proposal.id}:"):
        key = f"notice-outcome:{proposal.id}:{outcome}:{message.chat_id}"
        if await uow.outbox.get_by_dedupe_key(key) is None:
            await enqueue(
                uow,
                message.chat_id,
                "notice_outcome",
                {
                    "edit_of": message.dedupe_key,
                    "proposal_id": proposal.id,
                    "outcome": outcome,
                    "content": message.payload.get("content"),
                },
                now=now,
                dedupe_key=key,
            )


async def accept_transfer(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, proposal_id: int, nip: str
) -> ObjectionOutcome:
    """The ASN taps ✅ Terima."""
    now = clock.now()
    async with uow_factory() as uow:
        proposal = await _own_open_proposal(uow, proposal_id, nip)
        updated = dataclasses.replace(proposal, state=ProposalState.ACCEPTED)
        if not await uow.proposals.transition(proposal, updated):
            raise TransferNotOpen(state="changed")
        await _edit_notice(uow, proposal, "accepted", now)
        await uow.audit.add(
            AuditEvent(
                nip,
                "proposal.accept",
                f"proposal:{proposal_id}",
                now,
                {"state": "approved"},
                {"state": "accepted"},
            )
        )
        await uow.commit()
    return ObjectionOutcome(updated)


async def object_transfer(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    nip: str,
    reason: str,
    window_days: int = 7,
) -> ObjectionOutcome:
    """The ASN objects, with a reason, within the window; the approvers are asked to rule."""
    if not reason.strip():
        raise InvalidInput("an objection needs a reason")
    now = clock.now()
    async with uow_factory() as uow:
        proposal = await _own_open_proposal(uow, proposal_id, nip)
        if proposal.decided_at and now - proposal.decided_at > dt.timedelta(days=window_days):
            raise ObjectionWindowClosed(days=window_days)
        if any(d.stage == OBJECTION_STAGE for d in await uow.decisions.list_for(proposal_id)):
            raise TransferNotOpen(state="objection_decided")
        updated = dataclasses.replace(proposal, state=ProposalState.OBJECTED)
        if not await uow.proposals.transition(proposal, updated):
            raise TransferNotOpen(state="changed")
        employee = await uow.employees.get(nip)
        names = await _unit_names(uow, proposal)
        last = len(rules.stages) - 1
        for _n, chat_id, _lang in await stage_approvers(uow, proposal, last, rules):
            await enqueue(
                uow,
                chat_id,
                "objection",
                {
                    "proposal_id": proposal_id,
                    "reason": reason.strip(),
                    "name": employee.name if employee else nip,
                    "nip": nip,
                    "from_unit": proposal.from_unit,
                    "to_unit": proposal.to_unit,
                    **names,
                },
                now=now,
                dedupe_key=f"objection:{proposal_id}:{chat_id}",
            )
        await _edit_notice(uow, proposal, "objected", now)
        await uow.audit.add(
            AuditEvent(
                nip,
                "proposal.object",
                f"proposal:{proposal_id}",
                now,
                {"state": "approved"},
                {"state": "objected", "reason": reason.strip()},
            )
        )
        await uow.commit()
    return ObjectionOutcome(updated)


async def decide_objection(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    approver_nip: str,
    cancel: bool,
    reason: str | None = None,
) -> ObjectionOutcome:
    """An approver upholds the transfer (it stands) or cancels it; one ruling per proposal."""
    now = clock.now()
    try:
        async with uow_factory() as uow:
            proposal = await uow.proposals.get(proposal_id)
            if proposal is None:
                raise NotFound(proposal=proposal_id)
            if proposal.state != ProposalState.OBJECTED:
                raise TransferNotOpen(state=proposal.state.value)
            units = [
                await uow.units.get(proposal.from_unit),
                await uow.units.get(proposal.to_unit),
            ]
            last = rules.stages[-1]
            if not any(
                grant_decides(g, last, len(rules.stages), units)
                for g in await uow.roles.list_for(approver_nip)
            ):
                raise NotAllowed(stage=last.name)
            await uow.decisions.add(
                ApprovalDecision(
                    proposal_id, OBJECTION_STAGE, approver_nip, not cancel, reason, now
                )
            )
            state = ProposalState.CANCELLED if cancel else ProposalState.APPROVED
            updated = dataclasses.replace(proposal, state=state)
            if not await uow.proposals.transition(proposal, updated):
                raise TransferNotOpen(state="changed")
            outcome = "cancelled" if cancel else "upheld"
            names = await _unit_names(uow, proposal)
            for chat_id, _lang in await chats_of(uow, proposal.nip):
                await enqueue(
                    uow,
                    chat_id,
                    "objection_outcome",
                    {
                        "proposal_id": proposal_id,
                        "outcome": outcome,
                        "reason": reason,
                        "from_unit": proposal.from_unit,
                        "to_unit": proposal.to_unit,
                    },
                    now=now,
                    dedupe_key=f"objection-outcome:{proposal_id}:{chat_id}",
                    not_before=rules.working_time.next_open(now),
                )
            if cancel:
                for side, unit in (("out", proposal.from_unit), ("in", proposal.to_unit)):
                    for _n, chat_id, _lang in await supervisors_of(uow, unit):
                        await enqueue(
                            uow,
                            chat_id,
                            "supervisor_cancelled",
                            {
                                "proposal_id": proposal_id,
                                "direction": side,
                                "nip": proposal.nip,
                                "from_unit": proposal.from_unit,
                                "to_unit": proposal.to_unit,
                                **names,
                            },
                            now=now,
                            dedupe_key=f"supervisor-cancel:{proposal_id}:{chat_id}",
                            not_before=rules.working_time.next_open(now),
                        )
            approver = await uow.employees.get(approver_nip)
            for message in await uow.outbox.list_by_dedupe_prefix(f"objection:{proposal_id}:"):
                await enqueue(
                    uow,
                    message.chat_id,
                    "objection_card_outcome",
                    {
                        "edit_of": message.dedupe_key,
                        "proposal_id": proposal_id,
                        "outcome": outcome,
                        "by_name": approver.name if approver else approver_nip,
                        "objection": message.payload,
                    },
                    now=now,
                    dedupe_key=f"objection-card-outcome:{proposal_id}:{message.chat_id}",
                )
            await uow.audit.add(
                AuditEvent(
                    approver_nip,
                    f"objection.{outcome}",
                    f"proposal:{proposal_id}",
                    now,
                    {"state": "objected"},
                    {"state": state.value, "reason": reason},
                )
            )
            await uow.commit()
    except Conflict:
        raise TransferNotOpen(state="objection_decided") from None
    return ObjectionOutcome(updated)
