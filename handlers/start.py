"""/start: registration with an invitation code (flow 1), otherwise the caller's menu."""

from __future__ import annotations

from html import escape

from core.usecases.committee import sits_on_committee
from core.usecases.registration import note_invitation_attempt, register_with_invitation
from handlers.access import Turn, handler
from handlers.commands import publish_menu_for
from handlers.formatting import menu_text
from handlers.i18n import normalise_language, translator


@handler(role=None)
async def start(turn: Turn) -> None:
    """`/start CODE` binds the account; plain `/start` shows the menu (or how to register)."""
    services = turn.context.services
    if not turn.command_args:
        if turn.caller is None:
            await turn.say_key("start.unregistered")
            return
        await turn.say(
            turn.t("start.menu", name=escape(turn.caller.employee.name))
            + "\n\n"
            + menu_text(turn.t, turn.caller.roles, services.commands)
        )
        return
    user = turn.update.effective_user
    language = normalise_language(user.language_code if user else None, services.rules.language)
    async with turn.context.uow() as uow:
        await note_invitation_attempt(
            uow,
            telegram_user_id=turn.user_id,
            now=turn.context.now(),
            per_hour=services.rules.invitation_attempts_per_hour,
        )
    async with turn.context.uow() as uow:
        registration = await register_with_invitation(
            uow,
            code=turn.command_args[0][:64],
            telegram_user_id=turn.user_id,
            chat_id=turn.chat_id,
            language=language,
            now=turn.context.now(),
        )
    caller = registration.caller
    t = translator(caller.account.language)
    name = escape(caller.employee.name)
    greeting = (
        t("start.registered", name=name)
        if registration.newly_bound
        else t("start.already_registered", name=name)
    )
    member = sits_on_committee(services.rules.approval, caller.nip)
    await turn.say(greeting + "\n\n" + menu_text(t, caller.roles, services.commands, member))
    await publish_menu_for(
        turn.context.bot, services.commands, caller, turn.chat_id, member=member
    )
