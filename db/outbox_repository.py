"""The outbox repository: rows written with the state change, claimed and marked by the dispatcher.

Life of a row: `add` (pending) -> `claim` (compare-and-set on status and attempts: "sending",
owned by one dispatcher process, committed just before the Bot API call, so two dispatchers
never both send it) -> `update` (sent with the Bot API message id, committed just after the
call; or pending again with attempts + 1 and a later next_attempt_at; failed; undeliverable).
A row a dead process left "sending" goes back to pending at the next start (`release_claims`),
its attempts unchanged: the crash repeats that one message and costs no retry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update

from core.domain import OutboxMessage, OutboxStatus
from core.domain.errors import Conflict
from core.ports import OutboxTake
from core.usecases.outbox import KIND_PRIORITY, PRIORITY_NOTICE
from db.mapping import column_values, from_row
from db.outbox_codec import decode, encode
from db.repositories import SqlRepository
from db.rows import OutboxMessageRow
from db.statements import insert_returning_id_unless_taken


def outbox_from_row(row: OutboxMessageRow) -> OutboxMessage:
    """The domain value of an outbox row."""
    return from_row(
        OutboxMessage,
        row,
        payload=decode(row.kind, row.payload),
        status=OutboxStatus(row.status),
    )


class SqlOutboxRepository(SqlRepository):
    """core.ports.OutboxRepository over `outbox_messages` (dedupe key unique)."""

    async def add(self, message: OutboxMessage) -> OutboxMessage:
        """Queue a message; Conflict if one with the same dedupe key was already queued."""
        message_id = await insert_returning_id_unless_taken(
            self.session,
            OutboxMessageRow,
            column_values(message, kind=message.kind, payload=encode(message.payload)),
        )
        if message_id is None:
            raise Conflict("message already queued", dedupe_key=message.dedupe_key)
        # What a read of the row would give, without reading it (a plan's approvals queue
        # thousands inside write transactions): the id, and the times in UTC.
        return dataclasses.replace(
            message,
            id=message_id,
            created_at=message.created_at.astimezone(dt.UTC),
            next_attempt_at=(
                message.next_attempt_at.astimezone(dt.UTC)
                if message.next_attempt_at is not None
                else None
            ),
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        """The message with this id."""
        return await self._first_where(
            outbox_from_row, OutboxMessageRow, OutboxMessageRow.id == message_id
        )

    async def get_by_dedupe_key(self, dedupe_key: str) -> OutboxMessage | None:
        """The message queued under this dedupe key."""
        return await self._first_where(
            outbox_from_row, OutboxMessageRow, OutboxMessageRow.dedupe_key == dedupe_key
        )

    async def list_by_dedupe_prefix(self, prefix: str) -> Sequence[OutboxMessage]:
        """Messages whose dedupe key starts with `prefix` (e.g. every copy of one card)."""
        key = OutboxMessageRow.dedupe_key
        conditions = [key.startswith(prefix, autoescape=True)]
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        if sqlite and prefix and ord(prefix[-1]) < sys.maxunicode:
            # SQLite never answers LIKE from the (binary) unique index: without a range every
            # call read the whole outbox, once per decided move. Keys starting with PREFIX are
            # exactly those from PREFIX up to PREFIX with its last character raised by one.
            conditions += [key >= prefix, key < prefix[:-1] + chr(ord(prefix[-1]) + 1)]
        return await self._list_where(
            outbox_from_row, OutboxMessageRow, and_(*conditions), OutboxMessageRow.id
        )

    async def due(self, now: dt.datetime, take: OutboxTake) -> Sequence[OutboxMessage]:
        """Pending messages whose next attempt is due at `now`, in send order (priority of the
        kind, then id), as much as TAKE allows."""
        limit, per_chat, skip_chats = take.limit, take.per_chat, take.skip_chats
        order = (_priority(), OutboxMessageRow.id)
        conditions = [
            OutboxMessageRow.status == OutboxStatus.PENDING.value,
            or_(
                OutboxMessageRow.next_attempt_at.is_(None),
                OutboxMessageRow.next_attempt_at <= now,
            ),
        ]
        if skip_chats:
            conditions.append(OutboxMessageRow.chat_id.not_in(list(skip_chats)))
        if per_chat is None:
            statement = select(OutboxMessageRow).where(*conditions).order_by(*order).limit(limit)
        else:
            ranked = (
                select(
                    OutboxMessageRow.id,
                    func.row_number()
                    .over(partition_by=OutboxMessageRow.chat_id, order_by=order)
                    .label("rank"),
                )
                .where(*conditions)
                .subquery()
            )
            statement = (
                select(OutboxMessageRow)
                .join(ranked, ranked.c.id == OutboxMessageRow.id)
                .where(ranked.c.rank <= per_chat)
                .order_by(*order)
                .limit(limit)
            )
        return [outbox_from_row(r) for r in await self._all(statement)]

    async def list(self, status: str | None = None) -> Sequence[OutboxMessage]:
        """Every message (or those in one status), oldest first."""
        statement = select(OutboxMessageRow).order_by(OutboxMessageRow.id)
        if status is not None:
            statement = statement.where(OutboxMessageRow.status == str(status))
        return [outbox_from_row(r) for r in await self._all(statement)]

    async def claim(self, expected: OutboxMessage, new: OutboxMessage) -> bool:
        """Compare-and-set: store `new` only if the row still has `expected`'s status and
        attempts; False means another dispatcher got there first."""
        if expected.id is None or new.id != expected.id:
            raise ValueError("claim needs the same stored message before and after")
        result = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.id == expected.id,
                OutboxMessageRow.status == expected.status.value,
                OutboxMessageRow.attempts == expected.attempts,
            )
            .values(**_delivery_fields(new))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(self, message_id: int, telegram_message_id: int | None) -> bool:
        """Pending -> sent with the Bot API message id; False if it was not pending."""
        result = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.id == message_id,
                OutboxMessageRow.status == OutboxStatus.PENDING.value,
            )
            .values(status=OutboxStatus.SENT.value, telegram_message_id=telegram_message_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_claims(self, owner: str) -> int:
        """Rows left "sending" by another (dead) dispatcher go back to pending, attempts kept."""
        result = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.status == OutboxStatus.SENDING.value,
                or_(OutboxMessageRow.claimed_by.is_(None), OutboxMessageRow.claimed_by != owner),
            )
            .values(status=OutboxStatus.PENDING.value, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def reopen_undeliverable(self, chat_id: int, now: dt.datetime) -> int:
        """A chat that can receive again: its undeliverable rows are pending again, due now."""
        result = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.chat_id == chat_id,
                OutboxMessageRow.status == OutboxStatus.UNDELIVERABLE.value,
            )
            .values(status=OutboxStatus.PENDING.value, next_attempt_at=now, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def update(self, message: OutboxMessage) -> None:
        """Store the delivery state (status, attempts, next attempt, Telegram message id)."""
        await self._update_by_id(
            OutboxMessageRow, message.id, "message", **_delivery_fields(message)
        )


def _priority() -> ColumnElement[int]:
    """The send priority of a row's kind (core.usecases.outbox.KIND_PRIORITY) as SQL."""
    return case(KIND_PRIORITY, value=OutboxMessageRow.kind, else_=PRIORITY_NOTICE)


#: The columns of a message that never change once it is queued.
_FIXED_AT_QUEUEING = ("id", "chat_id", "payload", "created_at", "dedupe_key")


def _delivery_fields(message: OutboxMessage) -> dict[str, object]:
    return column_values(message, skip=_FIXED_AT_QUEUEING)
