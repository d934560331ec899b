"""Telegram's command menus, per role and language (setMyCommands with scopes)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from core.domain import Role
from core.domain.access import Caller
from core.ports import UnitOfWorkFactory
from core.views.menus import menu_holders
from handlers.context import CommandSpec
from handlers.i18n import LANGUAGES, Translator, translator

log = logging.getLogger(__name__)

PUBLIC_ROLES = frozenset({Role.ASN})


def menu_for(
    specs: Iterable[CommandSpec], roles: frozenset[Role], t: Translator, member: bool = False
) -> list[BotCommand]:
    """The menu entries a person with ROLES sees (everyone's commands plus their roles', and
    the committee's when they are a MEMBER)."""
    seen: set[str] = set()
    menu: list[BotCommand] = []
    for spec in specs:
        if spec.name not in seen and spec.shown_to(roles, member):
            seen.add(spec.name)
            menu.append(BotCommand(spec.name, t(spec.description_key)))
    return menu


async def publish_default_menus(bot: Bot, specs: Sequence[CommandSpec], default: str) -> None:
    """The menu everyone sees before any per-chat menu: ASN commands, in each language."""
    for language in LANGUAGES:
        commands = menu_for(specs, PUBLIC_ROLES, translator(language))
        code = None if language == default else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)


async def publish_menu_for(
    bot: Bot,
    specs: Sequence[CommandSpec],
    caller: Caller,
    chat_id: int | None = None,
    *,
    member: bool = False,
) -> None:
    """The menu of one registered person's chat, in their language and for their roles
    (MEMBER: they sit on the committee)."""
    target = chat_id or caller.account.chat_id or caller.account.telegram_user_id
    commands = menu_for(specs, caller.roles, translator(caller.account.language), member)
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(target))
    except TelegramError as error:  # a chat that blocked the bot must not stop the others
        log.warning("could not set the menu of chat %s: %s", target, error)


async def publish_role_menus(
    bot: Bot,
    specs: Sequence[CommandSpec],
    uow_factory: UnitOfWorkFactory,
    default: str,
    members: Collection[str] = (),
) -> int:
    """Per-chat menus for everyone holding a role beyond `asn`, and for the committee's
    MEMBERS (NIPs); a count."""
    async with uow_factory() as uow:
        callers = await menu_holders(uow, members)
    for caller in callers:
        await publish_menu_for(bot, specs, caller, member=caller.nip in members)
    return len(callers)


async def publish_profile(bot: Bot, agency: str, default: str) -> None:
    """The bot's description (the screen before START) and short description (its profile and
    shared links), in each language (setMyDescription / setMyShortDescription with
    language_code; the default language also without one). Best effort: a refusal is logged."""
    for language in LANGUAGES:
        t = translator(language)
        description = t("profile.description", agency=agency)
        short = t("profile.short_description", agency=agency)
        codes: list[str | None] = [language] + ([None] if language == default else [])
        for code in codes:
            try:
                await bot.set_my_description(description, language_code=code)
                await bot.set_my_short_description(short, language_code=code)
            except TelegramError as error:
                log.warning("could not set the bot's profile (%s): %s", code or "default", error)
