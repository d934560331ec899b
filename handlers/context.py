"""Typed handler context: services reach handlers as `context.services`, never bot_data["key"]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Document
from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from core.dialogue import DialogueState
from core.domain import Role
from core.ports import Clock, DialogueStore, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:  # avoids an import cycle with handlers.access
    from handlers.access import Turn


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as it appears in Telegram's menu: name, description key, who sees it."""

    name: str
    description_key: str
    role: Role | None  # None: everyone, registered or not
    in_menu: bool = True


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


@dataclass(slots=True)
class Services:
    """Everything handlers need from the outside world, injected by bot.app."""

    settings: Settings
    uow_factory: UnitOfWorkFactory
    clock: Clock
    dialogues: DialogueStore
    routes: dict[str, DialogueRoute] = field(default_factory=dict)
    commands: list[CommandSpec] = field(default_factory=list)
    bot_username: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


class BotData:
    """The application's bot_data: holds the Services (set once by build_application)."""

    def __init__(self) -> None:
        self.services: Services | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with typed access to the injected services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The injected services (settings, UoW factory, clock, dialogue store, routes)."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("build_application did not install the services")
        return services

    @property
    def settings(self) -> Settings:
        """The agency's settings."""
        return self.services.settings

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
        return self.clock.now().astimezone(self.settings.zone).date()
