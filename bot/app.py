"""The Application builder: wires the agency's rules (bot.composition), the unit-of-work
factory, clock and dialogue store into python-telegram-bot, adds the handlers of the one
ordered table (bot.handler_table.HANDLERS) and publishes the per-role command menus.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.composition import rules_of
from bot.rate_limit import PerRequestRateLimiter
from bot.settings import Settings
from bot.update_order import update_processor_for
from core.ports import Clock, DialogueStore, UnitOfWorkFactory
from core.usecases.importing.columns import ImportKind
from core.usecases.importing.sheets import Sheet, UnreadableFile
from core.usecases.outbox import reopen_for_chat
from core.usecases.safe_files import MB, FileBudget, parse_with_budget
from handlers.commands import publish_default_menus, publish_profile, publish_role_menus
from handlers.context import (
    BotContext,
    BotData,
    CaptionedDocument,
    Command,
    Press,
    Row,
    Services,
)
from handlers.dialogue import register_routers
from handlers.i18n import translator
from handlers.keyboards import pattern_for

log = logging.getLogger(__name__)


class AppData(BotData):
    """The Application's bot_data: the handlers' Services and, for the composition root only
    (the health report), the settings they were built from."""

    def __init__(self) -> None:
        super().__init__()
        self.settings: Settings | None = None


BotApplication = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], AppData, Any]


class SystemClock:
    """The real clock: now in UTC."""

    def now(self) -> dt.datetime:
        """Now, timezone-aware (UTC)."""
        return dt.datetime.now(dt.UTC)


def file_url_for(api_url: str) -> str:
    """The file-download base for a Bot API base URL (`.../bot` -> `.../file/bot`)."""
    stem = api_url.rstrip("/")
    if stem.endswith("/bot"):
        return stem[: -len("/bot")] + "/file/bot"
    return stem + "/file/bot"


#: What a file sent to /impor may be and unpack to (core.usecases.safe_files): a 20,000-person
#: employees workbook is about 2 MB and 260,000 cells.
IMPORT_BUDGET = FileBudget(max_bytes=8 * MB, max_rows=100_000, max_columns=200, seconds=60.0)


async def read_uploaded_sheet(data: bytes, file_name: str, kind: ImportKind | None) -> Sheet:
    """An uploaded CSV/XLSX as a Sheet (db.spreadsheets), read in a separate process within
    IMPORT_BUDGET, for handlers that may not import db; raises
    core.usecases.importing.sheets.UnreadableFile, or core.usecases.safe_files.UnsafeFile for a
    file over the
    budget."""
    from db.spreadsheets import UnreadableSheet, read_upload

    try:
        sheet = await parse_with_budget(read_upload, data, file_name, kind, budget=IMPORT_BUDGET)
    except UnreadableSheet as error:
        raise UnreadableFile(error.message_id, error.message_en) from None
    return sheet


def add_handlers(application: BotApplication, services: Services, table: Sequence[Row]) -> None:
    """Add the table's rows in order: commands and their menu entries, button presses,
    captioned documents, dialogue flows."""
    for row in table:
        if isinstance(row, Command):
            application.add_handler(CommandHandler(list(row.names), row.callback))
            services.commands.extend(row.specs())
        elif isinstance(row, Press):
            application.add_handler(
                CallbackQueryHandler(row.callback, pattern=pattern_for(row.feature))
            )
        elif isinstance(row, CaptionedDocument):
            application.add_handler(
                MessageHandler(
                    filters.ChatType.PRIVATE
                    & filters.Document.ALL
                    & filters.CaptionRegex(row.caption),
                    row.callback,
                )
            )
        else:
            services.routes[row.name] = row.route


def build_application(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock | None = None,
    *,
    dialogues: DialogueStore,
    token: str | None = None,
    table: Sequence[Row] | None = None,
    extra_features: Sequence[str] = (),
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limit: bool = False,
    publish_menus: bool = True,
) -> BotApplication:
    """The configured, not yet initialised Application (nothing talks to Telegram here).

    `table` replaces the handler table (bot.handler_table.HANDLERS); `extra_features` names
    modules whose `HANDLERS` rows are added after it (tests)."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token or settings.require_token())
        .context_types(ContextTypes(context=BotContext, bot_data=AppData))
        .post_init(_post_init)
        .concurrent_updates(update_processor_for(settings.concurrent_updates))
    )
    if settings.bot_api_url:
        builder = builder.base_url(settings.bot_api_url).base_file_url(
            settings.bot_api_file_url or file_url_for(settings.bot_api_url)
        )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limit:
        builder = builder.rate_limiter(PerRequestRateLimiter(max_retries=3))
    application: BotApplication = builder.build()
    services = Services(
        rules=rules_of(settings),
        uow_factory=uow_factory,
        clock=clock or SystemClock(),
        dialogues=dialogues,
        read_sheet=read_uploaded_sheet,
        publish_menus=publish_menus,
    )
    application.bot_data.services = services
    application.bot_data.settings = settings
    if table is None:
        from bot.handler_table import HANDLERS  # the feature modules load with the bot

        table = HANDLERS
    extra = [row for name in extra_features for row in importlib.import_module(name).HANDLERS]
    add_handlers(application, services, [*table, *extra])
    register_routers(application)
    # Before any feature: a person who had blocked the bot and writes again can receive again.
    application.add_handler(TypeHandler(Update, _reachable_again), group=REACHABLE_GROUP)
    application.add_error_handler(on_error)
    return application


#: The handler group that runs before every feature's handlers.
REACHABLE_GROUP = -100


async def _reachable_again(update: Update, context: BotContext) -> None:
    """Any update from a person whose chat was marked undeliverable (403) clears the mark and
    queues their held notices and cards again (the same outbox rows: still once each)."""
    user = update.effective_user
    if user is None:
        return
    chat = update.effective_chat
    if update.my_chat_member is not None and update.my_chat_member.new_chat_member.status in (
        "kicked",
        "left",
    ):
        return  # this update *is* the blocking
    chat_id = chat.id if chat is not None else user.id
    async with context.uow() as uow:
        reopened = await reopen_for_chat(uow, chat_id, context.now())
        if reopened is not None:
            await uow.commit()  # only then: most updates write nothing here
    if reopened:
        log.info("chat reachable again: %d held message(s) queued", reopened)


async def _post_init(application: BotApplication) -> None:
    services = application.bot_data.services
    if services is None:  # pragma: no cover - build_application always sets it
        return
    services.bot_username = application.bot.username
    rules = services.rules
    await publish_profile(application.bot, rules.name, rules.language)
    if services.publish_menus:
        await publish_default_menus(application.bot, services.commands, rules.language)
        committee = rules.approval.committee
        count = await publish_role_menus(
            application.bot,
            services.commands,
            services.uow_factory,
            rules.language,
            committee.members if committee is not None else (),
        )
        log.info("command menus published (%d per-chat menus)", count)


async def on_error(update: object, context: BotContext) -> None:
    """The one place unexpected errors land: log them, tell the user something went wrong."""
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = context.bot_data.services
    language = services.rules.language if services else "id"
    try:
        await context.bot.send_message(
            update.effective_chat.id, translator(language)("error.unexpected")
        )
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
