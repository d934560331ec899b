"""/bantuan, /help: what the caller can do."""

from __future__ import annotations

from telegram.ext import CommandHandler

from handlers.access import Turn, handler
from handlers.context import AnyApplication, CommandSpec, Services
from handlers.formatting import menu_text

COMMANDS = (
    CommandSpec("bantuan", "cmd.bantuan", None),
    CommandSpec("help", "cmd.bantuan", None, in_menu=False),
)


@handler(role=None)
async def show_help(turn: Turn) -> None:
    """The commands available to the caller's roles, or how to register."""
    roles = turn.caller.roles if turn.caller is not None else None
    intro = turn.t("help.intro") if turn.caller is not None else turn.t("help.intro_guest")
    await turn.say(intro + "\n\n" + menu_text(turn.t, roles, turn.context.services.commands))


def register(application: AnyApplication, services: Services) -> None:
    """Add /bantuan and /help."""
    application.add_handler(CommandHandler(["bantuan", "help"], show_help))
