"""Typed handler context: services reach handlers as `context.services`, never bot_data["key"]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Document, Update
from telegram.ext import Application, CallbackContext, ExtBot

from core.domain import Role
from core.ports import Clock, DialogueStore, UnitOfWork, UnitOfWorkFactory
from core.usecases.dialogue import DialogueState
from core.usecases.importing.columns import ImportKind
from core.usecases.importing.sheets import Sheet
from core.usecases.planning import SolveSnapshot
from core.usecases.rules import AgencyRules

if TYPE_CHECKING:  # avoids an import cycle with handlers.access
    from handlers.access import Turn


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as it appears in Telegram's menu: name, description key, who sees it
    (MEMBERS: the committee's members too, whatever their roles)."""

    name: str
    description_key: str
    role: Role | None  # None: everyone, registered or not
    in_menu: bool = True
    members: bool = False

    def shown_to(self, roles: frozenset[Role] | None, member: bool = False) -> bool:
        """Whether the menu of someone with ROLES (None: a guest) lists this entry; MEMBER:
        they sit on the committee."""
        if not self.in_menu:
            return False
        return (
            self.role is None
            or (roles is not None and self.role in roles)
            or (member and self.members)
        )


#: The Application type feature modules receive in `register(application, services)`.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

TextStep = Callable[["Turn", DialogueState, str], Awaitable[None]]
DocumentStep = Callable[["Turn", DialogueState, Document], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DialogueRoute:
    """What handles free text (and documents) while a user is inside one flow."""

    role: Role
    on_text: TextStep
    on_document: DocumentStep | None = None


#: What python-telegram-bot calls for an update (handlers.access.handler makes one of a Turn
#: handler).
Callback = Callable[[Update, "BotContext"], Coroutine[Any, Any, None]]


# --- the rows of the handler table (bot.app.HANDLERS) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    """`/name` -> callback; the other names are aliases that answer too but are never shown.
    With a catalog key `menu`, the command is in the menus of `roles` (None: everyone,
    registered or not) and, with `members`, of the committee's members."""

    names: tuple[str, ...]
    callback: Callback
    menu: str | None = None
    roles: tuple[Role | None, ...] = (None,)
    members: bool = False

    def specs(self) -> tuple[CommandSpec, ...]:
        """The command as Telegram's menus list it: the name per role, then the aliases."""
        if self.menu is None:
            return ()
        name, *aliases = self.names
        shown = tuple(
            CommandSpec(name, self.menu, role, members=self.members) for role in self.roles
        )
        hidden = tuple(
            CommandSpec(alias, self.menu, role, in_menu=False, members=self.members)
            for alias in aliases
            for role in self.roles
        )
        return shown + hidden


@dataclass(frozen=True, slots=True)
class Press:
    """Button presses of one feature (callback data `feature:...`, handlers.keyboards)."""

    feature: str
    callback: Callback


@dataclass(frozen=True, slots=True)
class CaptionedDocument:
    """A document sent in a private chat whose caption matches the regular expression."""

    caption: str
    callback: Callback


@dataclass(frozen=True, slots=True)
class Flow:
    """A dialogue flow by name: who may be in it and what handles its free text."""

    name: str
    route: DialogueRoute


#: One row of the handler table.
Row = Command | Press | CaptionedDocument | Flow


#: Reads an uploaded file's bytes as a Sheet (db.spreadsheets in a budgeted process, injected
#: by bot.app); raises core.usecases.importing.UnreadableFile or
#: core.usecases.safe_files.UnsafeFile.
SheetReader = Callable[[bytes, str, ImportKind | None], Awaitable[Sheet]]


@dataclass(slots=True)
class Services:
    """Everything handlers need from the outside world, injected by bot.app.

    `rules` are the agency's rules, built once from its settings (bot.composition); `solve`
    is the plan step's solver (None until bot.jobs.install_cycle puts it there); `read_sheet`
    reads uploads for /impor and /bebankerja; `publish_menus` is False where no command menu
    may be published (tests that count Bot API calls).
    """

    rules: AgencyRules
    uow_factory: UnitOfWorkFactory
    clock: Clock
    dialogues: DialogueStore
    read_sheet: SheetReader
    solve: SolveSnapshot | None = None
    publish_menus: bool = True
    routes: dict[str, DialogueRoute] = field(default_factory=dict)
    commands: list[CommandSpec] = field(default_factory=list)
    bot_username: str = ""


class BotData:
    """The application's bot_data: holds the Services (set once by build_application)."""

    def __init__(self) -> None:
        self.services: Services | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with typed access to the injected services."""

    def __init__(
        self,
        application: AnyApplication,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The injected services (rules, UoW factory, clock, dialogue store, routes)."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("build_application did not install the services")
        return services

    @property
    def rules(self) -> AgencyRules:
        """The agency's rules (built once from its settings)."""
        return self.services.rules

    @property
    def clock(self) -> Clock:
        """The clock (tests control it)."""
        return self.services.clock

    @property
    def dialogues(self) -> DialogueStore:
        """Where open dialogues live."""
        return self.services.dialogues

    def uow(self) -> UnitOfWork:
        """A fresh unit of work: `async with context.uow() as uow: ...`."""
        return self.services.uow_factory()

    def now(self) -> dt.datetime:
        """Now, timezone-aware (UTC from the clock)."""
        return self.clock.now()

    def today(self) -> dt.date:
        """Today's date in the agency's time zone."""
        return self.clock.now().astimezone(self.rules.zone).date()
