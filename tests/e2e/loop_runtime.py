"""The loop's end-to-end harness: the tiny agency, the real bot with its jobs and the real
rebalancing engine, the Bot API emulator, and a settable clock.

Also runnable as a process (`python -m tests.e2e.loop_runtime`) for the SIGKILL test: the same
bot, its clock read from a file the test writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.composition import rules_of, solver_of
from bot.jobs import NIGHTLY, install_cycle
from bot.serve import running_bot
from bot.settings import Settings
from core.domain import Invitation
from core.invitations import hash_invitation_code
from core.outbox import DispatchPolicy
from core.planning import Snapshot
from core.ports import UnitOfWorkFactory
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.uow import uow_factory as make_uow_factory
from tests.emulator import BotApiEmulator, EmulatedUser
from tests.unit.loop_agency import CHAT, NIGHT, seed_database

TOKEN = "515151:LOOP-e2e-token"


class EnginePlanner:
    """The real rebalancing engine (default policy), counting how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.solve = solver_of(rules_of(Settings(_env_file=None)))  # type: ignore[call-arg]

    def __call__(self, snapshot: Snapshot, time_limit: float) -> dict[str, Any]:
        self.calls += 1
        solution: dict[str, Any] = self.solve(snapshot, time_limit)
        return solution


class SettableClock:
    """A clock the test sets."""

    def __init__(self, now: dt.datetime) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        """The time the test set."""
        return self.current


class FileClock:
    """A clock read from a file on every call (the test process writes ISO timestamps)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        """The time in the file."""
        return dt.datetime.fromisoformat(self.path.read_text().strip())


def loop_settings(emulator_url: str, database_path: Path, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator and the test database."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "bot_api_url": emulator_url,
        "database_url": f"sqlite+aiosqlite:///{database_path}",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def build_loop_bot(
    settings: Settings,
    uows: UnitOfWorkFactory,
    dialogues: Any,
    clock: Any,
    planner: Any,
    *,
    rate_limit: bool = False,
    dispatch_interval: float = 0.2,
) -> Any:
    """The real Application with the loop installed (jobs, sender, planner)."""
    app = build_application(settings, uows, clock, dialogues=dialogues, rate_limit=rate_limit)
    install_cycle(
        app,
        solve_snapshot=planner,
        dispatch_interval=dispatch_interval,
        dispatch_policy=DispatchPolicy(),
    )
    return app


@dataclass
class LoopRuntime:
    """Emulator, database, clock; the bot can be started again over the same state."""

    emulator: BotApiEmulator
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    dialogues: SqlDialogueStore
    clock: SettableClock
    database_path: Path
    planner: EnginePlanner

    def settings(self, **overrides: Any) -> Settings:
        """The bot's settings."""
        return loop_settings(self.emulator.base_url, self.database_path, **overrides)

    @asynccontextmanager
    async def running(self, *, rate_limit: bool = False, **overrides: Any) -> AsyncIterator[Any]:
        """The bot polling the emulator with its jobs running, until the block ends."""
        app = build_loop_bot(
            self.settings(**overrides),
            self.uows,
            self.dialogues,
            self.clock,
            self.planner,
            rate_limit=rate_limit,
        )
        async with running_bot(app, poll_timeout=1) as running:
            yield running

    async def register(self, user: EmulatedUser, nip: str) -> None:
        """Invite NIP and open the link as USER."""
        code = f"loop{user.user_id}{nip[-6:]}"
        now = self.clock.now()
        async with self.uows() as uow:
            await uow.invitations.add(
                Invitation(hash_invitation_code(code), nip, now, now + dt.timedelta(days=14))
            )
            await uow.commit()
        await user.send_command("/start", code)
        await user.wait_for_message(contains="Pendaftaran berhasil")

    async def register_everyone(self) -> dict[str, EmulatedUser]:
        """Every person of the tiny agency, registered over HTTP; users by NIP."""
        users = {nip: self.emulator.user(chat, f"User{chat}") for nip, chat in CHAT.items()}
        for nip, user in users.items():
            await self.register(user, nip)
        return users


async def fire_nightly(app: Any) -> None:
    """Run the nightly job now, as its cron trigger would."""
    [job] = app.job_queue.get_jobs_by_name(NIGHTLY)
    await job.run(app)


@pytest.fixture(name="loop")
async def loop_fixture(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[LoopRuntime]:
    """The tiny agency (no Telegram accounts yet) in a migrated SQLite file, and the emulator."""
    path = tmp_path / "loop.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = session_factory(engine)
    uows = make_uow_factory(sessions)
    await seed_database(uows, accounts=False)
    async with BotApiEmulator(TOKEN, bot_username="mutasi_loop_bot") as emulator:
        try:
            yield LoopRuntime(
                emulator,
                engine,
                uows,
                SqlDialogueStore(sessions),
                SettableClock(NIGHT.astimezone(dt.UTC)),
                path,
                EnginePlanner(),
            )
        finally:
            await engine.dispose()


async def _serve_process() -> None:
    """The bot as its own process (SIGKILL test): env LOOP_API_URL, LOOP_DB, LOOP_CLOCK."""
    path = Path(os.environ["LOOP_DB"])
    settings = loop_settings(os.environ["LOOP_API_URL"], path)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    app = build_loop_bot(
        settings,
        make_uow_factory(sessions),
        SqlDialogueStore(sessions),
        FileClock(Path(os.environ["LOOP_CLOCK"])),
        EnginePlanner(),
        rate_limit=True,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with running_bot(app, poll_timeout=1):
        print("ready", flush=True)
        await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_serve_process())
