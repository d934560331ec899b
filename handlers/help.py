"""/bantuan, /help: what the caller can do."""

from __future__ import annotations

from core.usecases.committee import sits_on_committee
from handlers.access import Turn, handler
from handlers.formatting import menu_text


@handler(role=None)
async def show_help(turn: Turn) -> None:
    """The commands available to the caller's roles, or how to register."""
    caller = turn.caller
    roles = caller.roles if caller is not None else None
    member = caller is not None and sits_on_committee(turn.context.rules.approval, caller.nip)
    intro = turn.t("help.intro") if caller is not None else turn.t("help.intro_guest")
    menu = menu_text(turn.t, roles, turn.context.services.commands, member)
    await turn.say(intro + "\n\n" + menu)
