"""core.ports.DialogueStore in the database: open dialogues survive a restart."""

from __future__ import annotations

import logging

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.usecases.dialogue import FLOW_TYPES, Answers, DialogueState
from db.inbox_repository import mark_handled_in
from db.rows import DialogueRow
from db.statements import insert_for

log = logging.getLogger(__name__)


_ADAPTERS: dict[str, TypeAdapter[Answers]] = {
    flow: TypeAdapter(cls) for flow, cls in FLOW_TYPES.items()
}


def dialogue_from_row(row: DialogueRow) -> DialogueState | None:
    """The domain value of a dialogue row; None when its answers no longer read as its flow's
    (the person starts the dialogue again)."""
    data = dict(row.data or {})
    list_message = data.pop("list_message", None)
    adapter = _ADAPTERS.get(row.flow)
    if adapter is None:
        log.warning("dialogue of unknown flow %r dropped", row.flow)
        return None
    try:
        answers = adapter.validate_python(data)
    except ValidationError as error:
        log.warning("dialogue of flow %r does not read: %s", row.flow, error)
        return None
    return DialogueState(
        telegram_user_id=row.telegram_user_id,
        step=row.step,
        answers=answers,
        updated_at=row.updated_at,
        list_message=list_message if isinstance(list_message, int) else None,
    )


def _data_of(state: DialogueState) -> dict[str, object]:
    """The JSON stored for STATE's answers (and the list it showed)."""
    data: dict[str, object] = _ADAPTERS[state.flow].dump_python(state.answers, mode="json")
    if state.list_message is not None:
        data["list_message"] = state.list_message
    return data


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
            "data": _data_of(state),
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
