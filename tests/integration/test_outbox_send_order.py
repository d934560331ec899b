"""The outbox's due query on SQLite and PostgreSQL: priority order (replies, then summaries and
digests, then notices, then reminders), at most N rows of one chat, paced-out chats left out."""

from __future__ import annotations

import datetime as dt

from core.domain import OutboxMessage
from core.ports import OutboxTake, UnitOfWorkFactory
from tests.support.outbox_samples import sample

NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


async def test_due_messages_come_by_priority_a_few_per_chat_without_paced_chats(
    uow_factory: UnitOfWorkFactory,
) -> None:
    rows = [
        (11, "reminder", "r-11"),
        (11, "notice", "n-11-a"),
        (11, "notice", "n-11-b"),
        (11, "notice", "n-11-c"),
        (12, "notice", "n-12"),
        (13, "plan_summary", "s-13"),
        (13, "approval_digest", "d-13"),
        (14, "card_outcome", "o-14"),
        (15, "notice", "n-15"),
    ]
    async with uow_factory() as uow:
        for chat, kind, key in rows:
            await uow.outbox.add(
                OutboxMessage(None, chat, sample(kind), NOW, next_attempt_at=NOW, dedupe_key=key)
            )
        await uow.commit()
    async with uow_factory() as uow:
        everything = await uow.outbox.due(NOW, OutboxTake(100))
        paced = await uow.outbox.due(NOW, OutboxTake(100, per_chat=2, skip_chats=[15]))
        first = await uow.outbox.due(NOW, OutboxTake(3, per_chat=2))
    assert [m.dedupe_key for m in everything] == [
        "o-14",
        "s-13",
        "d-13",
        "n-11-a",
        "n-11-b",
        "n-11-c",
        "n-12",
        "n-15",
        "r-11",
    ]
    assert [m.dedupe_key for m in paced] == ["o-14", "s-13", "d-13", "n-11-a", "n-11-b", "n-12"]
    assert [m.dedupe_key for m in first] == ["o-14", "s-13", "d-13"]
