"""The daily chase of pending cards: remind the approvers, raise a card that waits too long to
the next level, expire what waited past the deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

from core.domain import AuditEvent, ProposalState, Role, TransferProposal
from core.domain.messages import EscalationDigest, OutboxPayload, Reminder, ReminderDigest
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.cards import enqueue_card, enqueue_card_outcome
from core.usecases.approval.chain import (
    ApprovalRules,
    escalated_at,
    raised_to_next_stage,
    stage_approvers,
)
from core.usecases.outbox import chats_with_role, enqueue


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
    reminders: dict[int, list[Reminder]] = {}
    raised: dict[int, list[TransferProposal]] = {}
    async with uow_factory() as uow:
        for proposal in await uow.proposals.list_by_state(ProposalState.PENDING.value):
            assert proposal.id is not None
            if rules.stage_at(proposal.stage).committee:
                from core.usecases.committee import (
                    settle_if_due,  # committee builds on this module
                )

                if await settle_if_due(uow, rules, proposal, now):
                    continue  # its quorum was met by votes that raced (core.usecases.committee)
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
                        Reminder(
                            proposal_id=proposal.id,
                            stage=proposal.stage,
                            waited_days=waited,
                            expires_in=rules.expiry_working_days - waited,
                        )
                    )
        for chat_id, due in reminders.items():
            await _each_or_digest(
                uow,
                chat_id,
                [
                    partial(
                        enqueue,
                        uow,
                        chat_id,
                        item,
                        now=now,
                        dedupe_key=f"reminder:{item.proposal_id}:{item.stage}:{chat_id}",
                        not_before=opening,
                    )
                    for item in due
                ],
                ReminderDigest(
                    count=len(due),
                    ids=tuple(sorted(i.proposal_id for i in due)),
                    expires_in=min(i.expires_in for i in due),
                ),
                "reminders",
                rules,
                now,
                opening,
            )
            reminded += len(due)
        for chat_id, proposals in raised.items():
            await _raise(uow, chat_id, proposals, rules, now, opening)
        await uow.commit()
    return ReminderReport(reminded, expired, escalated)


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
    await _each_or_digest(
        uow,
        chat_id,
        [
            partial(enqueue_card, uow, proposal, chat_id, rules, now, opening, escalated=True)
            for proposal in proposals
        ],
        EscalationDigest(
            count=len(proposals),
            ids=tuple(sorted(p.id for p in proposals if p.id is not None)),
            days=rules.escalation_working_days,
        ),
        "escalation",
        rules,
        now,
        opening,
    )


async def _each_or_digest(
    uow: UnitOfWork,
    chat_id: int,
    each: Sequence[Callable[[], Awaitable[object]]],
    digest: OutboxPayload,
    digest_kind: str,
    rules: ApprovalRules,
    now: dt.datetime,
    opening: dt.datetime,
) -> None:
    """What is due to one approver chat: each message of EACH (each enqueues one) while there
    are at most `rules.cards_max`, else the one DIGEST listing them, once that day (dedupe key
    `DIGEST_KIND:<chat>:<day>`), sent from OPENING on (no flood)."""
    if len(each) <= rules.cards_max:
        for enqueue_one in each:
            await enqueue_one()
        return
    today = rules.working_time.local(now).date()
    await enqueue(
        uow,
        chat_id,
        digest,
        now=now,
        dedupe_key=f"{digest_kind}:{chat_id}:{today.isoformat()}",
        not_before=opening,
        once=True,
    )
