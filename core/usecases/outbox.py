"""The outbox: notifications are rows committed with the state change; a dispatcher sends them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from core.domain import AuditEvent, OutboxMessage, OutboxStatus, Role
from core.domain.messages import AdminAlert, Notice, OutboxPayload, edit_of
from core.ports import Clock, OutboxTake, UnitOfWork, UnitOfWorkFactory

SendStatus = Literal["sent", "retry", "blocked", "gone"]

#: Kinds that answer a person's own action or edit an existing card: they skip working hours.
IMMEDIATE_KINDS = frozenset(
    {"card_outcome", "committee_tally", "summary_outcome", "admin_alert", "plan_ready"}
)

#: Send order when several messages are due (lower first): replies to a person's own action,
#: then plan summaries and digests, then notices, then reminders. Unknown kinds count as notices.
PRIORITY_REPLY, PRIORITY_DIGEST, PRIORITY_NOTICE, PRIORITY_REMINDER = 0, 1, 2, 3
KIND_PRIORITY: dict[str, int] = {
    "card_outcome": PRIORITY_REPLY,
    "committee_tally": PRIORITY_REPLY,
    "summary_outcome": PRIORITY_REPLY,
    "notice_outcome": PRIORITY_REPLY,
    "objection_card_outcome": PRIORITY_REPLY,
    "approval_card_asked": PRIORITY_REPLY,
    "plan_summary": PRIORITY_DIGEST,
    "approval_digest": PRIORITY_DIGEST,
    "digest_refresh": PRIORITY_DIGEST,
    "plan_ready": PRIORITY_DIGEST,
    "admin_alert": PRIORITY_DIGEST,
    "reminder": PRIORITY_REMINDER,
    "reminder_digest": PRIORITY_REMINDER,
    "aspiration_renew": PRIORITY_REMINDER,
    "workload_reminder": PRIORITY_REMINDER,
}


def priority_of(kind: str) -> int:
    """The send priority of an outbox kind (0 first); see KIND_PRIORITY."""
    return KIND_PRIORITY.get(kind, PRIORITY_NOTICE)


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
    #: Telegram's per-chat limits: about 1 message a second to one private chat, 20 a minute
    #: to a group (chat ids below zero). None: no per-chat pacing.
    chat_per_second: float | None = 1.0
    group_per_minute: float | None = 20.0
    #: How far ahead one pass schedules a chat's messages; the rest wait for the next pass, so
    #: one busy chat never holds up the others.
    chat_window: dt.timedelta = dt.timedelta(seconds=2)

    def per_chat(self) -> int | None:
        """How many of one private chat's messages one pass may take (None: no limit)."""
        if not self.chat_per_second:
            return None
        return max(1, int(self.chat_window.total_seconds() * self.chat_per_second))


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


class ChatPacer:
    """Telegram's per-chat limits: each chat's sends are spaced by its own interval, and a 429
    for one chat holds that chat only. Shared across dispatcher passes (times in loop seconds).
    """

    def __init__(
        self,
        private_per_second: float,
        group_per_minute: float | None = None,
        now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.private_interval = 1.0 / private_per_second
        self.group_interval = 60.0 / group_per_minute if group_per_minute else 0.0
        self.next_slot: dict[int, float] = {}
        self._now = now
        self._sleep = sleep

    def now(self) -> float:
        """The pacer's clock (the event loop's by default)."""
        return self._now() if self._now else asyncio.get_running_loop().time()

    def interval(self, chat_id: int) -> float:
        """Seconds between two sends to CHAT_ID (groups have negative ids)."""
        return self.group_interval if chat_id < 0 else self.private_interval

    def waiting_chats(self) -> set[int]:
        """Chats that may not receive anything right now (their next slot is later)."""
        now = self.now()
        return {chat for chat, slot in self.next_slot.items() if slot > now}

    async def wait(self, chat_id: int) -> None:
        """Sleep until CHAT_ID's next slot and book the one after it."""
        now = self.now()
        slot = max(now, self.next_slot.get(chat_id, 0.0))
        self.next_slot[chat_id] = slot + self.interval(chat_id)
        if slot > now:
            await self._sleep(slot - now)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said "retry after SECONDS" for CHAT_ID: nothing goes there before that."""
        self.next_slot[chat_id] = max(self.next_slot.get(chat_id, 0.0), self.now() + seconds)

    def forget_idle(self) -> None:
        """Drop chats whose slot has passed (keeps the map small)."""
        now = self.now()
        for chat in [c for c, slot in self.next_slot.items() if slot <= now]:
            del self.next_slot[chat]


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
    payload: OutboxPayload,
    *,
    now: dt.datetime,
    dedupe_key: str,
    not_before: dt.datetime | None = None,
    once: bool = False,
) -> OutboxMessage | None:
    """Add one notification (its kind is PAYLOAD's) to the caller's transaction (no commit
    here), due at NOT_BEFORE or NOW. Conflict if DEDUPE_KEY is already queued; with ONCE,
    nothing is added then and the answer is None."""
    if once and await uow.outbox.get_by_dedupe_key(dedupe_key) is not None:
        return None
    return await uow.outbox.add(
        OutboxMessage(
            id=None,
            chat_id=chat_id,
            payload=payload,
            created_at=now,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=not_before or now,
            dedupe_key=dedupe_key,
        )
    )


async def enqueue_edits(
    uow: UnitOfWork,
    prefix: str,
    edit: Callable[[OutboxMessage], tuple[OutboxPayload, str] | None],
    *,
    now: dt.datetime,
    once: bool = False,
) -> None:
    """Edit the sent copies of one notification: for every queued message whose dedupe key
    starts with PREFIX, EDIT gives the edit (a payload whose `edit_of` names that message) and
    the edit's own dedupe key, queued to that message's chat; None leaves that message as it
    is. ONCE as for `enqueue`."""
    for message in await uow.outbox.list_by_dedupe_prefix(prefix):
        made = edit(message)
        if made is not None:
            payload, key = made
            await enqueue(uow, message.chat_id, payload, now=now, dedupe_key=key, once=once)


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
        edited = edit_of(current.payload)
        if edited is not None:
            original = await uow.outbox.get_by_dedupe_key(edited)
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
            AdminAlert(alert=alert, nips=tuple(nips), kind=message.kind),
            now=now,
            dedupe_key=f"{alert}:{message.id}:{chat_id}",
        )
    await uow.audit.add(
        AuditEvent(
            actor="system",
            action=f"outbox.{alert}",
            subject=f"outbox:{message.id}",
            at=now,
            after={"chat_id": message.chat_id, "nips": [*nips], "kind": message.kind},
        )
    )


async def _mark_chat_undeliverable(uow: UnitOfWork, chat_id: int) -> None:
    """A 403: the chat cannot receive until the person writes again (not an unbinding)."""
    for account in await uow.accounts.list_for_chat(chat_id):
        if not account.undeliverable:
            await uow.accounts.save(dataclasses.replace(account, undeliverable=True))


async def _note_notice_delivered(uow: UnitOfWork, notice: Notice, now: dt.datetime) -> None:
    """The first delivery of a transfer notice starts the objection window (flow 6)."""
    proposal = await uow.proposals.get(notice.proposal_id)
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
            if isinstance(message.payload, Notice):
                await _note_notice_delivered(uow, message.payload, now)
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


def send_order(message: OutboxMessage) -> tuple[int, int]:
    """Sort key of due messages: priority, then queue order (so one chat's messages keep the
    order they were queued in, e.g. a summary before its digest, also after a retry)."""
    return (priority_of(message.kind), message.id or 0)


async def dispatch_due(
    uow_factory: UnitOfWorkFactory,
    sender: Sender,
    clock: Clock,
    policy: DispatchPolicy = DispatchPolicy(),
    pacer: Pacer | None = None,
    owner: str = "dispatcher",
    chat_pacer: ChatPacer | None = None,
) -> DispatchReport:
    """Send what is due. Each message is marked "sending" (committed) just before its Bot API
    call and marked sent with Telegram's message id (committed) just after, so a process that
    dies repeats at most the messages whose call was in flight: `policy.concurrency` of them
    (one by default).

    Order and pacing: highest priority first (KIND_PRIORITY), then queue order; `pacer` spaces
    all bulk sends (global rate), `chat_pacer` each chat's sends (Telegram's per-chat limit).
    After a failed send the chat is held until that message is due again, so nothing of the
    chat overtakes it; a 429 holds only that chat. Pass the same pacers to every pass; without
    them a pass makes its own from `policy`."""
    if chat_pacer is None and policy.chat_per_second:
        chat_pacer = ChatPacer(policy.chat_per_second, policy.group_per_minute)
    skip = chat_pacer.waiting_chats() if chat_pacer is not None else set()
    due = await _due(uow_factory, clock.now(), policy, skip)
    gate = asyncio.Semaphore(policy.concurrency)
    if pacer is None and policy.max_per_second:
        pacer = Pacer(policy.max_per_second)
    counts = {"claimed": 0, "sent": 0, "retried": 0, "failed": 0, "undeliverable": 0}

    async def one(message: OutboxMessage) -> OutboxStatus | None:
        async with gate:
            if chat_pacer is not None:
                await chat_pacer.wait(message.chat_id)
            if pacer is not None:
                await pacer.wait()
            claimed = await _claim_one(uow_factory, message, owner, clock.now())
            if claimed is None:
                return None
            counts["claimed"] += 1
            sending, edit_target = claimed
            try:
                result = await sender.send(sending, edit_target)
            except Exception as exc:  # noqa: BLE001 - any send failure is retried, not fatal
                result = SendResult("retry", error=f"{type(exc).__name__}: {exc}")
            status = await _record(uow_factory, clock, sending, result, policy)
            if status == OutboxStatus.PENDING and chat_pacer is not None:
                delay = backoff_delay(sending.attempts + 1, policy)
                if result.retry_after is not None:
                    delay = max(delay, dt.timedelta(seconds=result.retry_after))
                chat_pacer.hold(message.chat_id, delay.total_seconds())
        if status == OutboxStatus.SENT:
            counts["sent"] += 1
        elif status == OutboxStatus.PENDING:
            counts["retried"] += 1
        elif status == OutboxStatus.UNDELIVERABLE:
            counts["undeliverable"] += 1
        else:
            counts["failed"] += 1
        return status

    # One chat's messages go in send order, one after another (a summary before its digest,
    # and Telegram's per-chat limit); different chats take turns at the gate. After a retry
    # the rest of that chat's messages wait (still pending) for a later pass.
    by_chat: dict[int, list[OutboxMessage]] = {}
    for message in due:
        by_chat.setdefault(message.chat_id, []).append(message)

    async def chat_queue(items: list[OutboxMessage]) -> None:
        for message in items:
            if await one(message) == OutboxStatus.PENDING:
                return

    await asyncio.gather(*(chat_queue(items) for items in by_chat.values()))
    if chat_pacer is not None:
        chat_pacer.forget_idle()
    return DispatchReport(**counts)


async def _due(
    uow_factory: UnitOfWorkFactory,
    now: dt.datetime,
    policy: DispatchPolicy,
    skip_chats: Collection[int] = (),
) -> list[OutboxMessage]:
    """Due pending rows in send order, at most `policy.per_chat()` of one chat and none of a
    chat in SKIP_CHATS (paced out); read only: each is claimed just before its send."""
    async with uow_factory() as uow:
        return sorted(
            await uow.outbox.due(
                now, OutboxTake(policy.batch, per_chat=policy.per_chat(), skip_chats=skip_chats)
            ),
            key=send_order,
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


async def enqueue_to_chats(
    uow: UnitOfWork,
    chat_ids: Iterable[int],
    payload: OutboxPayload,
    *,
    key: str,
    now: dt.datetime,
    opening: dt.datetime,
    once: bool = False,
) -> int:
    """PAYLOAD to each of CHAT_IDS, each with the dedupe key `KEY:<chat id>`, held until
    OPENING (the next working hour); with ONCE, chats that already have it are skipped.
    Returns how many were queued."""
    queued = 0
    for chat_id in chat_ids:
        message = await enqueue(
            uow,
            chat_id,
            payload,
            now=now,
            dedupe_key=f"{key}:{chat_id}",
            not_before=opening,
            once=once,
        )
        queued += message is not None
    return queued


async def enqueue_to_person(
    uow: UnitOfWork,
    nip: str,
    payload: OutboxPayload,
    *,
    key: str,
    now: dt.datetime,
    opening: dt.datetime,
) -> None:
    """PAYLOAD to every reachable chat of the employee NIP (`chats_of`): `enqueue_to_chats`."""
    chats = [chat_id for chat_id, _language in await chats_of(uow, nip)]
    await enqueue_to_chats(uow, chats, payload, key=key, now=now, opening=opening)
