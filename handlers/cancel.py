"""/batal, /cancel: leave the current dialogue."""

from __future__ import annotations

from handlers.access import Turn, handler


@handler(role=None)
async def cancel(turn: Turn) -> None:
    """Close the open dialogue, saying whether there was one."""
    state = await turn.dialogue()
    await turn.end_dialogue()
    await turn.say_key("cancel.done" if state is not None else "cancel.nothing")
