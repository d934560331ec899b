"""core.ports.DialogueStore in the database: open dialogues survive a restart."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.dialogue import DialogueState
from db.inbox_repository import mark_handled_in
from db.rows import DialogueRow
from db.statements import insert_for


def dialogue_from_row(row: DialogueRow) -> DialogueState:
    """The domain value of a dialogue row."""
    return DialogueState(
        telegram_user_id=row.telegram_user_id,
        flow=row.flow,
        step=row.step,
        data=row.data,
        updated_at=row.updated_at,
    )


class SqlDialogueStore:
    """Each call is its own short transaction (dialogue state is not business state)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, telegram_user_id: int) -> DialogueState | None:
        """The user's open dialogue, if any."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(DialogueRow).where(DialogueRow.telegram_user_id == telegram_user_id)
            )
            return dialogue_from_row(row) if row else None

    async def save(self, state: DialogueState) -> None:
        """Store the user's dialogue, replacing any previous one."""
        values = {
            "telegram_user_id": state.telegram_user_id,
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "updated_at": state.updated_at,
        }
        async with self._sessions() as session, session.begin():
            await mark_handled_in(session)
            statement = insert_for(session, DialogueRow).values(**values)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[DialogueRow.telegram_user_id],
                    set_={k: v for k, v in values.items() if k != "telegram_user_id"},
                )
            )

    async def clear(self, telegram_user_id: int) -> None:
        """Forget the user's dialogue (no error if there was none)."""
        async with self._sessions() as session, session.begin():
            await mark_handled_in(session)
            await session.execute(
                delete(DialogueRow).where(DialogueRow.telegram_user_id == telegram_user_id)
            )
