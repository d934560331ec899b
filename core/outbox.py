"""The outbox: notifications are rows committed with the state change; a dispatcher sends them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from core.domain import AuditEvent, OutboxMessage, OutboxStatus, Role
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory

SendStatus = Literal["sent", "retry", "blocked", "gone"]

#: Kinds that answer a person's own action or edit an existing card: they skip working hours.
IMMEDIATE_KINDS = frozenset({"card_outcome", "summary_outcome", "admin_alert", "plan_ready"})


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the Bot API said about one message."""

    status: SendStatus
    message_id: int | None = None
    retry_after: float | None = None
    error: str | None = None


class Sender(Protocol):
    """Turns an outbox row into a Bot API call (rendering words in the recipient's language)."""

    async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How the dispatcher claims, retries and gives up."""

    batch: int = 200
    #: Bot API calls in flight at once; a crash repeats at most this many messages.
    concurrency: int = 1
    max_attempts: int = 8
    base_backoff: dt.timedelta = dt.timedelta(seconds=5)
    max_backoff: dt.timedelta = dt.timedelta(minutes=30)
    #: Bulk sends stay well under Telegram's ~30 msg/s: the rest is left for replies to people.
    max_per_second: float | None = 20.0


class Pacer:
    """Spaces bulk sends evenly at no more than `rate` per second (shared across passes)."""

    def __init__(
        self,
        rate: float,
        now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0
        self._now = now
        self._sleep = sleep

    async def wait(self) -> None:
        """Sleep until this caller's slot."""
        now = self._now() if self._now else asyncio.get_running_loop().time()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one dispatcher pass did."""

    claimed: int
    sent: int
    retried: int
    failed: int
    undeliverable: int


def backoff_delay(attempts: int, policy: DispatchPolicy) -> dt.timedelta:
    """Exponential backoff after `attempts` tries: base, 2x base, 4x base ... capped."""
    factor: int = 2 ** max(0, attempts - 1)
    delay: dt.timedelta = policy.base_backoff * factor
    return min(delay, policy.max_backoff)


def new_message(
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    *,
    now: dt.datetime,
    dedupe_key: str,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """An outbox row to add inside the caller's unit of work."""
    return OutboxMessage(
        id=None,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        created_at=now,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=not_before or now,
        dedupe_key=dedupe_key,
    )


async def chats_of(uow: UnitOfWork, nip: str) -> list[tuple[int, str]]:
    """(chat id, language) of every reachable Telegram account bound to `nip`."""
    found: list[tuple[int, str]] = []
    for account in await uow.accounts.list_for_nip(nip):
        if account.blocked:
            continue  # unbound; an account that blocked the bot still gets its messages queued
        found.append((account.chat_id or account.telegram_user_id, account.language))
    return found


async def chats_with_role(uow: UnitOfWork, role: Role) -> list[tuple[str, int, str]]:
    """(nip, chat id, language) of every reachable account holding `role`."""
    seen: set[int] = set()
    found: list[tuple[str, int, str]] = []
    for grant in await uow.roles.list_by_role(role.value):
        for chat_id, language in await chats_of(uow, grant.nip):
            if chat_id not in seen:
                seen.add(chat_id)
                found.append((grant.nip, chat_id, language))
    return found


async def enqueue(
    uow: UnitOfWork,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    *,
    now: dt.datetime,
    dedupe_key: str,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """Add one notification to the caller's transaction (no commit here)."""
    return await uow.outbox.add(
        new_message(chat_id, kind, payload, now=now, dedupe_key=dedupe_key, not_before=not_before)
    )


async def release_claims(uow_factory: UnitOfWorkFactory, owner: str) -> int:
    """At start: rows left "sending" by a process that is gone go back to pending, their
    attempt count unchanged (a crash is not a delivery attempt). Returns how many."""
    async with uow_factory() as uow:
        count = await uow.outbox.release_claims(owner)
        await uow.commit()
    return count


async def _claim_one(
    uow_factory: UnitOfWorkFactory, message: OutboxMessage, owner: str, now: dt.datetime
) -> tuple[OutboxMessage, int | None] | None:
    """Mark one due row "sending" by OWNER and commit, right before its Bot API call; None
    when it is not to be sent now (taken by another dispatcher, an edit still waiting, or a
    chat that cannot receive)."""
    async with uow_factory() as uow:
        current = await uow.outbox.get(message.id or 0)
        if current is None or current.status != OutboxStatus.PENDING:
            return None
        edit_target: int | None = None
        edit_of = current.payload.get("edit_of")
        if isinstance(edit_of, str):
            original = await uow.outbox.get_by_dedupe_key(edit_of)
            if original is not None and original.status == OutboxStatus.UNDELIVERABLE:
                # The card waits for the person to come back; its edit waits with it.
                await uow.outbox.update(
                    dataclasses.replace(current, status=OutboxStatus.UNDELIVERABLE)
                )
                await uow.commit()
                return None
            if original is None or original.status == OutboxStatus.FAILED:
                # Nothing to edit: the card never reached this chat.
                await uow.outbox.update(dataclasses.replace(current, status=OutboxStatus.FAILED))
                await uow.commit()
                return None
            if original.telegram_message_id is None:
                return None  # the card itself is still queued; edit after it is sent
            edit_target = original.telegram_message_id
        accounts = await uow.accounts.list_for_chat(current.chat_id)
        if accounts and all(a.undeliverable for a in accounts):
            # The person blocked the bot: held until any update from them clears the mark.
            await uow.outbox.update(
                dataclasses.replace(current, status=OutboxStatus.UNDELIVERABLE)
            )
            await uow.commit()
            return None
        sending = dataclasses.replace(current, status=OutboxStatus.SENDING, claimed_by=owner)
        if not await uow.outbox.claim(current, sending):
            return None
        await uow.commit()
    return sending, edit_target


async def _alert_admins(
    uow: UnitOfWork, message: OutboxMessage, now: dt.datetime, alert: str
) -> None:
    """Tell every admin that a message could not be delivered: whom (NIP) and what kind."""
    nips = [a.nip for a in await uow.accounts.list_for_chat(message.chat_id)]
    for _nip, chat_id, _language in await chats_with_role(uow, Role.ADMIN):
        if chat_id == message.chat_id:
            continue
        await enqueue(
            uow,
            chat_id,
            "admin_alert",
            {"alert": alert, "nips": nips, "kind": message.kind},
            now=now,
            dedupe_key=f"{alert}:{message.id}:{chat_id}",
        )
    await uow.audit.add(
        AuditEvent(
            actor="system",
            action=f"outbox.{alert}",
            subject=f"outbox:{message.id}",
            at=now,
            after={"chat_id": message.chat_id, "nips": nips, "kind": message.kind},
        )
    )


async def _mark_chat_undeliverable(uow: UnitOfWork, chat_id: int) -> None:
    """A 403: the chat cannot receive until the person writes again (not an unbinding)."""
    for account in await uow.accounts.list_for_chat(chat_id):
        if not account.undeliverable:
            await uow.accounts.save(dataclasses.replace(account, undeliverable=True))


async def _note_notice_delivered(
    uow: UnitOfWork, message: OutboxMessage, now: dt.datetime
) -> None:
    """The first delivery of a transfer notice starts the objection window (flow 6)."""
    proposal_id = message.payload.get("proposal_id")
    proposal = await uow.proposals.get(int(proposal_id)) if proposal_id is not None else None
    if proposal is not None and proposal.notice_delivered_at is None:
        await uow.proposals.transition(
            proposal, dataclasses.replace(proposal, notice_delivered_at=now)
        )


async def _record(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    message: OutboxMessage,
    result: SendResult,
    policy: DispatchPolicy,
) -> OutboxStatus:
    """Store what happened to one send (committed at once); returns the row's new status."""
    now = clock.now()
    done = dataclasses.replace(message, claimed_by=None)
    async with uow_factory() as uow:
        if result.status == "sent":
            updated = dataclasses.replace(
                done, status=OutboxStatus.SENT, telegram_message_id=result.message_id
            )
            if message.kind == "notice":
                await _note_notice_delivered(uow, message, now)
        elif result.status == "blocked":
            updated = dataclasses.replace(done, status=OutboxStatus.UNDELIVERABLE)
            await _mark_chat_undeliverable(uow, message.chat_id)
            if message.kind != "admin_alert":
                await _alert_admins(uow, message, now, "undeliverable")
        elif result.status == "gone" or message.attempts + 1 >= policy.max_attempts:
            updated = dataclasses.replace(
                done, status=OutboxStatus.FAILED, attempts=message.attempts + 1
            )
            if message.kind != "admin_alert":
                await _alert_admins(uow, message, now, "failed")
        else:
            attempts = message.attempts + 1
            delay = backoff_delay(attempts, policy)
            if result.retry_after is not None:
                delay = max(delay, dt.timedelta(seconds=result.retry_after))
            updated = dataclasses.replace(
                done, status=OutboxStatus.PENDING, attempts=attempts, next_attempt_at=now + delay
            )
        await uow.outbox.update(updated)
        await uow.commit()
    return updated.status


async def dispatch_due(
    uow_factory: UnitOfWorkFactory,
    sender: Sender,
    clock: Clock,
    policy: DispatchPolicy = DispatchPolicy(),
    pacer: Pacer | None = None,
    owner: str = "dispatcher",
) -> DispatchReport:
    """Send what is due. Each message is marked "sending" (committed) just before its Bot API
    call and marked sent with Telegram's message id (committed) just after, so a process that
    dies repeats at most the messages whose call was in flight: `policy.concurrency` of them
    (one by default)."""
    due = await _due(uow_factory, clock.now(), policy)
    gate = asyncio.Semaphore(policy.concurrency)
    if pacer is None and policy.max_per_second:
        pacer = Pacer(policy.max_per_second)
    counts = {"claimed": 0, "sent": 0, "retried": 0, "failed": 0, "undeliverable": 0}

    async def one(message: OutboxMessage) -> None:
        async with gate:
            if pacer is not None:
                await pacer.wait()
            claimed = await _claim_one(uow_factory, message, owner, clock.now())
            if claimed is None:
                return
            counts["claimed"] += 1
            sending, edit_target = claimed
            try:
                result = await sender.send(sending, edit_target)
            except Exception as exc:  # noqa: BLE001 - any send failure is retried, not fatal
                result = SendResult("retry", error=f"{type(exc).__name__}: {exc}")
            status = await _record(uow_factory, clock, sending, result, policy)
        if status == OutboxStatus.SENT:
            counts["sent"] += 1
        elif status == OutboxStatus.PENDING:
            counts["retried"] += 1
        elif status == OutboxStatus.UNDELIVERABLE:
            counts["undeliverable"] += 1
        else:
            counts["failed"] += 1

    # One chat's messages go in due order, one after another (a summary before its cards,
    # and Telegram's per-chat limit); different chats take turns at the gate.
    by_chat: dict[int, list[OutboxMessage]] = {}
    for message in due:
        by_chat.setdefault(message.chat_id, []).append(message)

    async def chat_queue(items: list[OutboxMessage]) -> None:
        for message in items:
            await one(message)

    await asyncio.gather(*(chat_queue(items) for items in by_chat.values()))
    return DispatchReport(**counts)


async def _due(
    uow_factory: UnitOfWorkFactory, now: dt.datetime, policy: DispatchPolicy
) -> list[OutboxMessage]:
    """Due pending rows, oldest due first (read only: each is claimed just before its send)."""
    async with uow_factory() as uow:
        return sorted(
            await uow.outbox.due(now, policy.batch),
            key=lambda m: (m.next_attempt_at or m.created_at, m.id or 0),
        )


async def reopen_for_chat(uow: UnitOfWork, chat_id: int, now: dt.datetime) -> int | None:
    """The person behind CHAT_ID wrote again after blocking the bot: clear the mark and queue
    their undelivered messages again (the same rows, so each still goes once); no commit.
    None when the chat was not marked (nothing changed)."""
    reopened = False
    for account in await uow.accounts.list_for_chat(chat_id):
        if account.undeliverable:
            await uow.accounts.save(dataclasses.replace(account, undeliverable=False))
            reopened = True
    if not reopened:
        return None
    return await uow.outbox.reopen_undeliverable(chat_id, now)


def pending_kinds(messages: Sequence[OutboxMessage]) -> dict[str, int]:
    """Count of messages per kind (for reports and tests)."""
    counts: dict[str, int] = {}
    for message in messages:
        counts[message.kind] = counts.get(message.kind, 0) + 1
    return counts
