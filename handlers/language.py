"""/bahasa: Bahasa Indonesia or English, stored on the account."""

from __future__ import annotations

from core.domain.access import load_caller
from core.usecases.committee import sits_on_committee
from core.usecases.registration import set_language
from handlers.access import StaleButton, Turn, handler
from handlers.commands import publish_menu_for
from handlers.i18n import LANGUAGES, translator
from handlers.keyboards import button, keyboard

FEATURE = "lang"


@handler(role=None)
async def ask_language(turn: Turn) -> None:
    """Offer the two languages as buttons."""
    await turn.say(
        turn.t("language.ask"),
        keyboard(
            [button(translator(code)("language.name"), FEATURE, "set", code) for code in LANGUAGES]
        ),
    )


@handler(role=None)
async def choose_language(turn: Turn) -> None:
    """Store the chosen language and answer in it."""
    code = turn.press.arg(0) if turn.press else None
    if code not in LANGUAGES:
        raise StaleButton()
    t = translator(code)
    if turn.caller is None:
        await turn.say(t("language.guest"))
        return
    async with turn.context.uow() as uow:
        await set_language(
            uow, telegram_user_id=turn.user_id, language=code, now=turn.context.now()
        )
        caller = await load_caller(uow, turn.user_id)
    await turn.say(t("language.saved"))
    if caller is not None:
        await publish_menu_for(
            turn.context.bot,
            turn.context.services.commands,
            caller,
            member=sits_on_committee(turn.context.rules.approval, caller.nip),
        )
