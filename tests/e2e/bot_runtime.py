"""The real bot (build_application + running_bot) against the Bot API emulator, over HTTP."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.serve import WebhookConfig, running_bot
from bot.settings import Settings
from core.domain import Invitation
from core.invitations import hash_invitation_code
from core.ports import UnitOfWorkFactory
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.uow import uow_factory as make_uow_factory
from devtools.emulator import BotApiEmulator
from tests.handlers.agency import SettableClock, seed_agency

TOKEN = "424242:E2E-token"


@dataclass
class BotRuntime:
    """One database and one emulator; the bot can be started, stopped and started again."""

    emulator: BotApiEmulator
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    dialogues: SqlDialogueStore
    clock: SettableClock
    database_path: Path

    async def invite(self, nip: str, code: str, days: int = 14) -> None:
        """Store a one-time invitation CODE for NIP, issued at the clock's now."""
        now = self.clock.now()
        async with self.uows() as uow:
            await uow.invitations.add(
                Invitation(hash_invitation_code(code), nip, now, now + dt.timedelta(days=days))
            )
            await uow.commit()

    def settings(self, **overrides: Any) -> Settings:
        """Settings pointing MUTASI_BOT_API_URL at the emulator."""
        values: dict[str, Any] = {
            "bot_token": TOKEN,
            "bot_api_url": self.emulator.base_url,
            "database_url": f"sqlite+aiosqlite:///{self.database_path}",
            **overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    def build(self, extra_features: Sequence[str] = (), **overrides: Any) -> Any:
        """A fresh Application over the same database (as after a process restart)."""
        return build_application(
            self.settings(**overrides),
            self.uows,
            self.clock,
            dialogues=self.dialogues,
            extra_features=extra_features,
        )

    @asynccontextmanager
    async def running(
        self,
        webhook: WebhookConfig | None = None,
        extra_features: Sequence[str] = (),
        **overrides: Any,
    ) -> AsyncIterator[Any]:
        """The bot receiving updates (polling by default) until the block ends."""
        async with running_bot(
            self.build(extra_features, **overrides), webhook=webhook, poll_timeout=1
        ) as app:
            yield app


@pytest.fixture(name="runtime")
async def runtime_fixture(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[BotRuntime]:
    """The emulator, a migrated SQLite file with the sample agency, and a settable clock."""
    path = tmp_path / "e2e.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = session_factory(engine)
    uows = make_uow_factory(sessions)
    async with uows() as uow:
        await seed_agency(uow)
    async with BotApiEmulator(TOKEN, bot_username="mutasi_test_bot") as emulator:
        try:
            yield BotRuntime(
                emulator, engine, uows, SqlDialogueStore(sessions), SettableClock(), path
            )
        finally:
            await engine.dispose()
