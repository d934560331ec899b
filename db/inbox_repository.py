"""The inbox: every update from Telegram is stored here before it is acknowledged, and marked
handled once. An update whose handling commits anything is marked handled *in the same
transaction as its first commit* (`HANDLING_UPDATE` names the update the running handler works
on; the unit of work and the dialogue store call `mark_handled_in`); one that commits nothing is
marked right after its handler returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextvars import ContextVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import JsonValue
from db.repositories import SqlRepository
from db.rows import InboxUpdateRow, InvitationAttemptRow
from db.statements import insert_unless_taken

#: The update_id whose handler is running in this task (None outside update handling).
HANDLING_UPDATE: ContextVar[int | None] = ContextVar("mutasi_handling_update", default=None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def mark_handled_in(session: AsyncSession) -> None:
    """Inside the caller's transaction: mark the update being handled (if any) as handled, and
    drop its stored text (it holds what people wrote)."""
    update_id = HANDLING_UPDATE.get()
    if update_id is None:
        return
    await session.execute(
        update(InboxUpdateRow)
        .where(InboxUpdateRow.update_id == update_id, InboxUpdateRow.handled_at.is_(None))
        .values(handled_at=_now(), payload=None)
        .execution_options(synchronize_session=False)
    )


class SqlInboxRepository(SqlRepository):
    """core.ports.InboxRepository over `inbox_updates` (update_id is the primary key)."""

    async def store(self, update_id: int, payload: dict[str, JsonValue], now: dt.datetime) -> bool:
        """Keep one update; False when this update_id was stored before (a re-delivery)."""
        return await insert_unless_taken(
            self.session,
            InboxUpdateRow,
            {"update_id": update_id, "payload": payload, "received_at": now, "handled_at": None},
        )

    async def unhandled(self, limit: int = 1000) -> Sequence[tuple[int, dict[str, JsonValue]]]:
        """Stored updates not yet handled, oldest update_id first."""
        rows = await self._all(
            select(InboxUpdateRow)
            .where(InboxUpdateRow.handled_at.is_(None))
            .order_by(InboxUpdateRow.update_id)
            .limit(limit)
        )
        return [(r.update_id, r.payload or {}) for r in rows]

    async def mark_handled(self, update_id: int, now: dt.datetime) -> None:
        """Mark one update handled (a no-op if it already is)."""
        await self.session.execute(
            update(InboxUpdateRow)
            .where(InboxUpdateRow.update_id == update_id, InboxUpdateRow.handled_at.is_(None))
            .values(handled_at=now, payload=None)
            .execution_options(synchronize_session=False)
        )

    async def is_handled(self, update_id: int) -> bool:
        """Whether this update was handled already."""
        row = await self._one_or_none(
            select(InboxUpdateRow).where(InboxUpdateRow.update_id == update_id)
        )
        return row is not None and row.handled_at is not None

    async def last_update_id(self) -> int | None:
        """The highest update_id ever stored."""
        return await self.session.scalar(select(func.max(InboxUpdateRow.update_id)))

    async def prune(self, handled_before: dt.datetime) -> int:
        """Forget updates handled before the given time (kept a while to drop re-deliveries)."""
        result = await self.session.execute(
            delete(InboxUpdateRow).where(InboxUpdateRow.handled_at < handled_before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlInvitationAttemptRepository(SqlRepository):
    """core.ports.InvitationAttemptRepository over `invitation_attempts`."""

    async def add(self, telegram_user_id: int, at: dt.datetime) -> None:
        """Note one code typed by this account."""
        self.session.add(InvitationAttemptRow(telegram_user_id=telegram_user_id, at=at))
        await self.session.flush()

    async def count_since(self, telegram_user_id: int, since: dt.datetime) -> int:
        """How many codes this account typed since SINCE."""
        count = await self.session.scalar(
            select(func.count()).where(
                InvitationAttemptRow.telegram_user_id == telegram_user_id,
                InvitationAttemptRow.at >= since,
            )
        )
        return int(count or 0)

    async def oldest_since(self, telegram_user_id: int, since: dt.datetime) -> dt.datetime | None:
        """The earliest attempt since SINCE (when the window frees a slot)."""
        oldest: dt.datetime | None = await self.session.scalar(
            select(func.min(InvitationAttemptRow.at)).where(
                InvitationAttemptRow.telegram_user_id == telegram_user_id,
                InvitationAttemptRow.at >= since,
            )
        )
        return oldest
