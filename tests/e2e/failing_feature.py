"""A feature for tests only: commands that fail the way real bugs do, carrying personal data
(an exception message with what was typed; a database error whose parameters hold it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from telegram import Update

from handlers.context import BotContext, Command, Row


async def _raise(update: Update, context: BotContext) -> None:
    typed = " ".join(context.args or [])
    raise ValueError(f"could not understand {typed!r}")


async def _failing_sql(update: Update, context: BotContext) -> None:
    typed = " ".join(context.args or [])
    async with context.uow() as uow:
        session: Any = uow.session  # type: ignore[attr-defined]
        await session.execute(
            text(
                "INSERT INTO telegram_accounts (telegram_user_id, nip, language, chat_id, blocked)"
                " VALUES (:id, :nip, 'id', NULL, false)"
            ),
            {"id": 5, "nip": typed},  # no such employee: the foreign key refuses it
        )
        await uow.commit()


#: Rows added after the bot's own table (build_application's `extra_features`); in no menu.
HANDLERS: tuple[Row, ...] = (
    Command(("gagal",), _raise),
    Command(("gagalsql",), _failing_sql),
)
