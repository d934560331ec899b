"""Flow 6 after the notice: the ASN accepts or objects; approvers uphold or cancel.

The objection window (`objection_days`, 7 by default) runs from the moment the notice reached
the ASN's chat (`notice_delivered_at`), as the notice says; while it was never delivered the
window has not started. An objection is ruled on within `objection_decision_working_days`: the
last stage's approvers are reminded, after `objection_escalation_working_days` the admins get
the same card and may rule too, and an objection nobody ruled on by the deadline is granted:
the transfer is cancelled (it never waits without an end). See docs/after-approval.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from core.domain import (
    OBJECTION_STAGE,
    ApprovalDecision,
    AuditEvent,
    JsonValue,
    OutboxMessage,
    ProposalState,
    Role,
    TransferProposal,
)
from core.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.domain.messages import (
    Direction,
    MoveUnits,
    Notice,
    NoticeOutcome,
    ObjectionCard,
    ObjectionCardOutcome,
    ObjectionReminder,
    ObjectionRuling,
    SupervisorCancelled,
)
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.chain import (
    ApprovalRules,
    grant_decides,
    stage_approvers,
    supervisors_of,
)
from core.usecases.outbox import (
    chats_with_role,
    enqueue,
    enqueue_edits,
    enqueue_to_chats,
    enqueue_to_person,
)


class NotYourTransfer(NotAllowed):
    """Only the person being moved may accept or object."""

    key = "error.not_your_transfer"


class ObjectionWindowClosed(StaleAction):
    """The objection came after the window (days after the notice)."""

    key = "error.objection_window_closed"


class TransferNotOpen(StaleAction):
    """The transfer is not awaiting the ASN's answer (values say its state)."""

    key = "error.transfer_not_open"


async def _own_open_proposal(uow: UnitOfWork, proposal_id: int, nip: str) -> TransferProposal:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(proposal=proposal_id)
    if proposal.nip != nip:
        raise NotYourTransfer()
    if proposal.state != ProposalState.APPROVED:
        raise TransferNotOpen(state=proposal.state.value)
    return proposal


async def _move_units(uow: UnitOfWork, proposal: TransferProposal) -> MoveUnits:
    """The move's person and units, with the units' names (their codes when unknown)."""
    assert proposal.id is not None
    origin = await uow.units.get(proposal.from_unit)
    destination = await uow.units.get(proposal.to_unit)
    return MoveUnits(
        proposal_id=proposal.id,
        nip=proposal.nip,
        from_unit=proposal.from_unit,
        to_unit=proposal.to_unit,
        from_name=origin.name if origin else proposal.from_unit,
        to_name=destination.name if destination else proposal.to_unit,
    )


async def _edit_notice(
    uow: UnitOfWork, proposal: TransferProposal, outcome: str, now: dt.datetime
) -> None:
    assert proposal.id is not None
    proposal_id = proposal.id

    def edit(message: OutboxMessage) -> tuple[NoticeOutcome, str] | None:
        if not isinstance(message.payload, Notice):
            return None
        answered = NoticeOutcome(
            edit_of=message.dedupe_key,
            proposal_id=proposal_id,
            outcome=outcome,
            content=message.payload.content,
            objection_days=message.payload.objection_days,
        )
        return answered, f"notice-outcome:{proposal_id}:{outcome}:{message.chat_id}"

    await enqueue_edits(uow, f"notice:{proposal_id}:", edit, now=now, once=True)


async def _objection_card(
    uow: UnitOfWork, proposal: TransferProposal, reason: str, deadline: dt.date
) -> ObjectionCard:
    """The objection card (the approvers' and, once escalated, the admins')."""
    employee = await uow.employees.get(proposal.nip)
    return ObjectionCard.of(
        await _move_units(uow, proposal),
        reason=reason,
        name=employee.name if employee else proposal.nip,
        deadline=deadline,
    )


async def _card_for_admins(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> ObjectionCard:
    """The card as the approvers got it; when none went out (no approver could be reached),
    the same card rebuilt from the proposal and the objection's audit record."""
    assert proposal.id is not None
    cards = await uow.outbox.list_by_dedupe_prefix(f"objection:{proposal.id}:")
    sent = [c.payload for c in cards if isinstance(c.payload, ObjectionCard)]
    if sent:
        return sent[0]
    filed = [
        e for e in await uow.audit.list(f"proposal:{proposal.id}") if e.action == "proposal.object"
    ]
    reason = str((filed[-1].after or {}).get("reason") or "") if filed else ""
    hours = rules.working_time
    filed_day = hours.local(proposal.objected_at or now).date()
    deadline = hours.add_working_days(filed_day, rules.objection_decision_working_days)
    return await _objection_card(uow, proposal, reason, deadline)


def window_closed(proposal: TransferProposal, now: dt.datetime, window_days: int) -> bool:
    """True when the objection window (WINDOW_DAYS calendar days from the notice's delivery)
    is over; a notice not yet delivered has not started it."""
    delivered = proposal.notice_delivered_at
    return delivered is not None and now - delivered > dt.timedelta(days=window_days)


async def accept_transfer(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, proposal_id: int, nip: str
) -> TransferProposal:
    """The ASN taps ✅ Terima; returns the proposal as it is now (accepted)."""
    now = clock.now()
    async with uow_factory() as uow:
        proposal = await _own_open_proposal(uow, proposal_id, nip)
        accepted = dataclasses.replace(proposal, state=ProposalState.ACCEPTED)
        return await _answered(uow, await _store(uow, proposal, accepted), "accept", now)


async def object_transfer(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    nip: str,
    reason: str,
    window_days: int = 7,
) -> TransferProposal:
    """The ASN objects, with a reason, within the window; the approvers are asked to rule.
    Returns the proposal as it is now (objected)."""
    if not reason.strip():
        raise InvalidInput("an objection needs a reason")
    now = clock.now()
    async with uow_factory() as uow:
        proposal = await _own_open_proposal(uow, proposal_id, nip)
        if window_closed(proposal, now, window_days):
            raise ObjectionWindowClosed(days=window_days)
        if any(d.is_objection_ruling for d in await uow.decisions.list_for(proposal_id)):
            raise TransferNotOpen(state="objection_decided")
        updated = dataclasses.replace(proposal, state=ProposalState.OBJECTED, objected_at=now)
        deadline = rules.working_time.add_working_days(
            rules.working_time.local(now).date(), rules.objection_decision_working_days
        )
        await _store(uow, proposal, updated)
        card = await _objection_card(uow, proposal, reason.strip(), deadline)
        last = len(rules.stages) - 1
        for _n, chat_id, _lang in await stage_approvers(uow, proposal, last, rules):
            await enqueue(
                uow,
                chat_id,
                card,
                now=now,
                dedupe_key=f"objection:{proposal_id}:{chat_id}",
            )
        return await _answered(uow, updated, "object", now, reason=reason.strip())


async def _store(
    uow: UnitOfWork, proposal: TransferProposal, updated: TransferProposal
) -> TransferProposal:
    """UPDATED stored in place of PROPOSAL while that is still as it was read; else
    TransferNotOpen (state "changed": someone else changed it meanwhile)."""
    if not await uow.proposals.transition(proposal, updated):
        raise TransferNotOpen(state="changed")
    return updated


async def _answered(
    uow: UnitOfWork, answered: TransferProposal, verb: str, now: dt.datetime, **details: str
) -> TransferProposal:
    """The ASN's answer to the notice (VERB accept or object; ANSWERED, the proposal in its
    new state, already stored): the sent notice shows it, the audit records `proposal.VERB`
    with DETAILS, and all of it is committed. Returns ANSWERED."""
    state = answered.state.value
    await _edit_notice(uow, answered, state, now)
    before: dict[str, JsonValue] = {"state": "approved"}
    after: dict[str, JsonValue] = {"state": state, **details}
    await uow.audit.add(
        AuditEvent(answered.nip, f"proposal.{verb}", f"proposal:{answered.id}", now, before, after)
    )
    await uow.commit()
    return answered


def waited_working_days(proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime) -> int:
    """Working days since the objection was filed (0 when its time is unknown)."""
    if proposal.objected_at is None:
        return 0
    hours = rules.working_time
    return hours.working_days_between(
        hours.local(proposal.objected_at).date(), hours.local(now).date()
    )


def escalated(proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime) -> bool:
    """True once an objection waited `objection_escalation_working_days`: admins may rule."""
    return waited_working_days(proposal, rules, now) >= rules.objection_escalation_working_days


async def decide_objection(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    approver_nip: str,
    cancel: bool,
    reason: str | None = None,
) -> TransferProposal:
    """An approver of the last stage (or, once the objection is escalated, an admin) upholds
    the transfer (it stands) or cancels it; one ruling per proposal. Returns the proposal as it
    is now (approved or cancelled)."""
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
            grants = await uow.roles.list_for(approver_nip)
            if not any(grant_decides(g, last, len(rules.stages), units) for g in grants) and not (
                any(g.role == Role.ADMIN for g in grants) and escalated(proposal, rules, now)
            ):
                raise NotAllowed(stage=last.name)
            approver = await uow.employees.get(approver_nip)
            updated = await _rule(
                uow,
                proposal,
                rules,
                now,
                actor=approver_nip,
                actor_name=approver.name if approver else approver_nip,
                cancel=cancel,
                reason=reason,
                outcome="cancelled" if cancel else "upheld",
            )
            await uow.commit()
    except Conflict:
        raise TransferNotOpen(state="objection_decided") from None
    return updated


async def _rule(
    uow: UnitOfWork,
    proposal: TransferProposal,
    rules: ApprovalRules,
    now: dt.datetime,
    *,
    actor: str,
    actor_name: str,
    cancel: bool,
    reason: str | None,
    outcome: str,
) -> TransferProposal:
    """Record the ruling on an objection, tell everyone, edit the objection cards, audit."""
    assert proposal.id is not None
    proposal_id = proposal.id
    await uow.decisions.add(
        ApprovalDecision(proposal_id, OBJECTION_STAGE, actor, not cancel, reason, now)
    )
    state = ProposalState.CANCELLED if cancel else ProposalState.APPROVED
    updated = await _store(uow, proposal, dataclasses.replace(proposal, state=state))
    units = await _move_units(uow, proposal)
    opening = rules.working_time.next_open(now)
    ruling = ObjectionRuling(
        proposal_id=proposal_id,
        outcome=outcome,
        reason=reason,
        from_unit=proposal.from_unit,
        to_unit=proposal.to_unit,
    )
    await enqueue_to_person(
        uow, proposal.nip, ruling, key=f"objection-outcome:{proposal_id}", now=now, opening=opening
    )
    if cancel:
        sides: tuple[tuple[Direction, str], ...] = (
            ("out", proposal.from_unit),
            ("in", proposal.to_unit),
        )
        for side, unit in sides:
            await enqueue_to_chats(
                uow,
                [chat_id for _n, chat_id, _lang in await supervisors_of(uow, unit)],
                SupervisorCancelled.of(units, direction=side),
                key=f"supervisor-cancel:{proposal_id}",
                now=now,
                opening=opening,
            )
    for message in await uow.outbox.list_by_dedupe_prefix(f"objection:{proposal_id}:"):
        if not isinstance(message.payload, ObjectionCard):
            continue
        await enqueue(
            uow,
            message.chat_id,
            ObjectionCardOutcome(
                edit_of=message.dedupe_key,
                proposal_id=proposal_id,
                outcome=outcome,
                by_name=actor_name,
                objection=message.payload,
            ),
            now=now,
            dedupe_key=f"objection-card-outcome:{proposal_id}:{message.chat_id}",
        )
    await uow.audit.add(
        AuditEvent(
            actor,
            f"objection.{outcome}",
            f"proposal:{proposal_id}",
            now,
            {"state": "objected"},
            {"state": state.value, "reason": reason},
        )
    )
    return updated


@dataclass(frozen=True, slots=True)
class ObjectionChores:
    """What one daily pass over open objections did."""

    reminded: int
    escalated: int
    lapsed: tuple[int, ...]


async def chase_objections(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: ApprovalRules
) -> ObjectionChores:
    """Daily: remind the approvers of objections waiting `reminder_working_days`; put those
    waiting `objection_escalation_working_days` to the admins too (same card, same buttons);
    grant those still undecided after `objection_decision_working_days` (the transfer is
    cancelled and everyone is told). Each objection in its own transaction."""
    now = clock.now()
    opening = rules.working_time.next_open(now)
    reminded = raised = 0
    lapsed: list[int] = []
    async with uow_factory() as uow:
        objected = list(await uow.proposals.list_by_state(ProposalState.OBJECTED.value))
    for proposal in objected:
        assert proposal.id is not None
        pid = proposal.id
        try:
            async with uow_factory() as uow:
                current = await uow.proposals.get(pid)
                if current is None or current.state != ProposalState.OBJECTED:
                    continue
                if current.objected_at is None:  # filed before objection times were kept
                    read, current = current, dataclasses.replace(current, objected_at=now)
                    if not await uow.proposals.transition(read, current):
                        continue  # changed meanwhile: the next pass sees it
                waited = waited_working_days(current, rules, now)
                # The card's deadline is the last day to rule (the whole day): the objection
                # lapses on the first pass after it, not before working hours on that day.
                if waited > rules.objection_decision_working_days:
                    await _rule(
                        uow,
                        current,
                        rules,
                        now,
                        actor="system",
                        actor_name="",
                        cancel=True,
                        reason=None,
                        outcome="lapsed",
                    )
                    lapsed.append(pid)
                else:
                    card = await _card_for_admins(uow, current, rules, now)
                    if waited >= rules.objection_escalation_working_days:
                        raised += await enqueue_to_chats(
                            uow,
                            [
                                chat_id
                                for _n, chat_id, _l in await chats_with_role(uow, Role.ADMIN)
                            ],
                            dataclasses.replace(card, escalated=True),
                            key=f"objection:{pid}:esc",
                            now=now,
                            opening=opening,
                            once=True,
                        )
                    if waited >= rules.reminder_working_days:
                        last = len(rules.stages) - 1
                        approvers = await stage_approvers(uow, current, last, rules)
                        reminded += await enqueue_to_chats(
                            uow,
                            [chat_id for _n, chat_id, _l in approvers],
                            ObjectionReminder(
                                proposal_id=pid, waited_days=waited, deadline=card.deadline
                            ),
                            key=f"objection-reminder:{pid}",
                            now=now,
                            opening=opening,
                            once=True,
                        )
                await uow.commit()
        except Conflict:
            continue  # ruled on by a person meanwhile
    return ObjectionChores(reminded, raised, tuple(lapsed))
