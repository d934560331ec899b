"""/bantuan, /help: what the caller can do."""

from __future__ import annotations

from handlers.access import Turn, handler
from handlers.formatting import menu_text


@handler(role=None)
async def show_help(turn: Turn) -> None:
    """The commands available to the caller's roles, or how to register."""
    roles = turn.caller.roles if turn.caller is not None else None
    intro = turn.t("help.intro") if turn.caller is not None else turn.t("help.intro_guest")
    await turn.say(intro + "\n\n" + menu_text(turn.t, roles, turn.context.services.commands))
