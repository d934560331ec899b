"""/batal, /cancel: leave the current dialogue."""

from __future__ import annotations

from telegram.ext import CommandHandler

from handlers.access import Turn, handler
from handlers.context import AnyApplication, CommandSpec, Services

COMMANDS = (
    CommandSpec("batal", "cmd.batal", None),
    CommandSpec("cancel", "cmd.batal", None, in_menu=False),
)


@handler(role=None)
async def cancel(turn: Turn) -> None:
    """Close the open dialogue, saying whether there was one."""
    state = await turn.dialogue()
    await turn.end_dialogue()
    await turn.say_key("cancel.done" if state is not None else "cancel.nothing")


def register(application: AnyApplication, services: Services) -> None:
    """Add /batal and /cancel."""
    application.add_handler(CommandHandler(["batal", "cancel"], cancel))
