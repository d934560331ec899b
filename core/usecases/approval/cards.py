"""What the approval chain sends: the approval cards of a stage, the edits of the other copies
when one is decided, the notice to the ASN, and alerts to the admins. Everything goes through the
outbox (`core.usecases.outbox`) inside the caller's unit of work."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial
from typing import Literal

from core.domain import OutboxMessage, OutboxStatus, Role, TransferProposal
from core.domain.messages import (
    ApprovalCard,
    CardOutcome,
    Direction,
    Notice,
    SupervisorInfo,
    TransferAlert,
    TransferFacts,
)
from core.domain.notices import TransferContent, transfer_content
from core.ports import UnitOfWork
from core.usecases.approval.chain import ApprovalRules, stage_approvers, supervisors_of
from core.usecases.outbox import (
    chats_with_role,
    enqueue,
    enqueue_edits,
    enqueue_to_chats,
    enqueue_to_person,
)


def approver_key(
    kind: Literal["card", "digest"], subject_id: int, stage: int, chat_id: int | None = None
) -> str:
    """The outbox dedupe key of what one approver chat gets at STAGE: a card (KIND "card",
    SUBJECT_ID the proposal; its edits refer to it) or a digest ("digest", the plan). Without
    CHAT_ID: the prefix every chat's key of that card or digest starts with."""
    return f"{kind}:{subject_id}:{stage}:{'' if chat_id is None else chat_id}"


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
    proposal: TransferProposal,
    rules: ApprovalRules,
    content: TransferContent,
    *,
    escalated: bool = False,
) -> ApprovalCard:
    """What an approval card of PROPOSAL at its current stage shows (ESCALATED: raised to the
    chat after `rules.escalation_working_days` working days without a decision)."""
    assert proposal.id is not None
    return ApprovalCard(
        proposal_id=proposal.id,
        stage=proposal.stage,
        stage_name=rules.stage_at(proposal.stage).name,
        stage_count=len(rules.stages),
        content=content,
        escalated=escalated,
        waited_limit=rules.escalation_working_days if escalated else 0,
        committee=(
            rules.committee.card_facts()
            if rules.stage_at(proposal.stage).committee and rules.committee is not None
            else None
        ),
    )


async def enqueue_card(
    uow: UnitOfWork,
    proposal: TransferProposal,
    chat_id: int,
    rules: ApprovalRules,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
    *,
    escalated: bool = False,
) -> bool:
    """One approval card of PROPOSAL's current stage to CHAT_ID (ESCALATED: see
    `card_payload`); False if it was queued before."""
    assert proposal.id is not None
    key = approver_key("card", proposal.id, proposal.stage, chat_id)
    if await uow.outbox.get_by_dedupe_key(key) is not None:
        return False
    content = await content_of(uow, proposal, rules, now)
    await enqueue(
        uow,
        chat_id,
        card_payload(proposal, rules, content, escalated=escalated),
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
    forwarded = rules is not None and outcome == "forwarded"
    next_stage = stage + 1 if forwarded else 0
    next_stage_name = rules.stage_at(stage + 1).name if rules is not None and forwarded else None
    stages = [stage] if outcome == "forwarded" else list(range(stage + 1))
    decided = CardOutcome(
        edit_of=None,
        proposal_id=proposal.id,
        outcome=outcome,
        by_name=by_name,
        reason=reason,
        decided_stage=stage,
        stage_count=stage_count,
        next_stage=next_stage,
        next_stage_name=next_stage_name,
    )
    for card_stage in stages:
        kind = "card-outcome" if card_stage == stage else f"card-final:{stage}"
        await enqueue_edits(
            uow,
            approver_key("card", proposal.id, card_stage),
            partial(_copy_outcome, dataclasses.replace(decided, stage=card_stage), kind),
            now=now,
            once=True,
        )


def _copy_outcome(
    decided: CardOutcome, kind: str, message: OutboxMessage
) -> tuple[CardOutcome, str]:
    """DECIDED as the edit of MESSAGE, one copy of the card (whose content it keeps), and the
    edit's dedupe key `KIND:<the copy's key without "card:">`."""
    content = message.payload.content if isinstance(message.payload, ApprovalCard) else None
    copy = (message.dedupe_key or "").removeprefix("card:")
    edit = dataclasses.replace(decided, edit_of=message.dedupe_key, content=content)
    return edit, f"{kind}:{copy}"


async def enqueue_notice(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> None:
    """The transfer notice to the ASN and a word to both supervisors (flow 6)."""
    assert proposal.id is not None
    content = await content_of(uow, proposal, rules, now)
    opening = rules.working_time.next_open(now)
    notice = Notice(proposal_id=proposal.id, content=content, objection_days=rules.objection_days)
    await enqueue_to_person(
        uow, proposal.nip, notice, key=f"notice:{proposal.id}", now=now, opening=opening
    )
    sides: tuple[tuple[Direction, str], ...] = (
        ("out", proposal.from_unit),
        ("in", proposal.to_unit),
    )
    for side, unit_code in sides:
        for nip, chat_id, _language in await supervisors_of(uow, unit_code):
            if nip == proposal.nip:
                continue
            await enqueue(
                uow,
                chat_id,
                SupervisorInfo(proposal_id=proposal.id, direction=side, content=content),
                now=now,
                dedupe_key=f"supervisor:{proposal.id}:{side}:{chat_id}",
                not_before=opening,
            )
    if content.freeze_note:
        # The letter can be asked for now; the move waits for it after the SPMT.
        await alert_admins(uow, "minister_letter_needed", proposal, now, opening)


async def transfer_facts(uow: UnitOfWork, proposal: TransferProposal) -> TransferFacts:
    """Who moves where and when, for the SPMT request and the alerts to admins."""
    assert proposal.id is not None
    employee = await uow.employees.get(proposal.nip)
    origin = await uow.units.get(proposal.from_unit)
    destination = await uow.units.get(proposal.to_unit)
    return TransferFacts(
        proposal_id=proposal.id,
        nip=proposal.nip,
        name=employee.name if employee else proposal.nip,
        jabatan=employee.jabatan if employee else "",
        from_name=origin.name if origin else proposal.from_unit,
        to_name=destination.name if destination else proposal.to_unit,
        tmt=proposal.tmt,
        butuh_sip=proposal.butuh_sip,
    )


async def alert_admins(
    uow: UnitOfWork, alert: str, proposal: TransferProposal, now: dt.datetime, opening: dt.datetime
) -> int:
    """TransferAlert ALERT about PROPOSAL to every admin once; returns how many were queued."""
    admins = [chat_id for _nip, chat_id, _lang in await chats_with_role(uow, Role.ADMIN)]
    if not admins:
        return 0
    facts = await transfer_facts(uow, proposal)
    return await enqueue_to_chats(
        uow,
        admins,
        TransferAlert.of(facts, alert=alert),
        key=f"{alert}:{proposal.id}",
        now=now,
        opening=opening,
        once=True,
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
    key = f"{approver_key('card', proposal.id, proposal.stage, chat_id)}:m{telegram_message_id}"
    stored = await enqueue(
        uow,
        chat_id,
        card_payload(proposal, rules, content),
        now=now,
        dedupe_key=key,
    )
    assert stored is not None  # without `once`, a taken key raises Conflict
    await uow.outbox.update(
        dataclasses.replace(
            stored, status=OutboxStatus.SENT, telegram_message_id=telegram_message_id
        )
    )
