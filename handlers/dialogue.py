"""Free text and documents go to the flow the user is in (state from the DialogueStore).

A feature adds a route with `services.routes[FLOW] = DialogueRoute(role, on_text, on_document)`;
the route's role is checked again on every message, as for commands and buttons.

Also here, the answers to what no feature handles: an *edited* message is never taken as an
answer (inside a dialogue the bot asks for the corrected value as a new message; a changed
earlier answer would otherwise silently become the answer to the current step); a photo,
sticker, voice note or other non-text message inside a dialogue is told what the step expects;
a button press no handler knows is answered "this button is no longer valid" (else the phone
keeps spinning).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from core.domain.errors import DomainError
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


@handler(role=None)
async def edited_message(turn: Turn) -> None:
    """An edited message: never an answer; inside a dialogue, ask for the value again."""
    state = await turn.dialogue() if turn.caller is not None else None
    if state is not None and state.flow in turn.context.services.routes:
        await turn.say_key("dialogue.edited")


@handler(role=None)
async def other_message(turn: Turn) -> None:
    """A photo, sticker, voice note, location...: say what the open dialogue expects."""
    if turn.caller is None:
        await turn.say_key("error.not_registered")
        return
    state = await turn.dialogue()
    route = turn.context.services.routes.get(state.flow) if state is not None else None
    if state is None or route is None:
        await turn.say_key("dialogue.none")
        return
    await turn.say_key("dialogue.expects_file" if route.on_document else "dialogue.expects_text")


@handler(role=None)
async def unknown_press(turn: Turn) -> None:
    """A press whose data no handler knows (an old keyboard, another version of the bot)."""
    await turn.notify(turn.t("error.stale_button"))


async def _stop_edited(update: Update, context: BotContext) -> None:
    await edited_message(update, context)
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know: say so and point at /bantuan."""
    turn = await open_turn(update, context)
    if turn is not None:
        try:
            await turn.say_key("dialogue.unknown_command")
        except DomainError as error:  # pragma: no cover - say_key raises no domain errors
            await turn.say(domain_message(turn, error))


def register_routers(application: AnyApplication, group: int = 0) -> None:
    """Add the text, document and unknown-command handlers; call after every feature registered.

    Edited messages are caught first (group -1) so no command or dialogue step sees them.
    """
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED, _stop_edited),
        group=-1,
    )
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
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & ~filters.TEXT
            & ~filters.Document.ALL
            & ~filters.COMMAND
            & ~filters.StatusUpdate.ALL,
            other_message,
        ),
        group=group,
    )
    application.add_handler(CallbackQueryHandler(unknown_press), group=group)
