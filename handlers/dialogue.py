"""Free text and documents go to the flow the user is in (state from the DialogueStore).

A feature adds a route with `services.routes[FLOW] = DialogueRoute(role, on_text, on_document)`;
the route's role is checked again on every message, as for commands and buttons.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from core.errors import DomainError
from handlers.access import Turn, domain_message, handler, open_turn, refusal_for
from handlers.context import AnyApplication, BotContext


@handler(role=None)
async def route_text(turn: Turn) -> None:
    """Text outside a command: the open dialogue's next answer, or a hint."""
    await _route(turn, document=False)


@handler(role=None)
async def route_document(turn: Turn) -> None:
    """A document: the open dialogue's upload, or a hint."""
    await _route(turn, document=True)


async def _route(turn: Turn, *, document: bool) -> None:
    state = await turn.dialogue() if turn.caller is not None else None
    if turn.caller is None:
        await turn.say_key("error.not_registered")
        return
    route = turn.context.services.routes.get(state.flow) if state is not None else None
    if state is None or route is None:
        await turn.say_key("dialogue.none")
        return
    refused = refusal_for(turn, route.role)
    if refused is not None:
        await turn.end_dialogue()
        await turn.say(refused)
        return
    message = turn.update.effective_message
    if document:
        if route.on_document is None or message is None or message.document is None:
            await turn.say_key("dialogue.no_file_expected")
            return
        await route.on_document(turn, state, message.document)
    else:
        await route.on_text(turn, state, turn.text)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know: say so and point at /bantuan."""
    turn = await open_turn(update, context)
    if turn is not None:
        try:
            await turn.say_key("dialogue.unknown_command")
        except DomainError as error:  # pragma: no cover - say_key raises no domain errors
            await turn.say(domain_message(turn, error))


def register_routers(application: AnyApplication, group: int = 0) -> None:
    """Add the text, document and unknown-command handlers; call after every feature registered."""
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, route_text),
        group=group,
    )
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, route_document),
        group=group,
    )
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command), group=group
    )
