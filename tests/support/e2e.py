"""The one end-to-end harness: the real bot (build_application, and with `loop` its jobs and the
real rebalancing engine) polling the Bot API emulator over HTTP, a migrated SQLite file holding
a test agency, and the test's clock. The bot can be stopped and started again over the same
state, as after a process restart.

Fixtures (registered in tests/conftest.py): `runtime` — the handler agency, no jobs;
`loop` — the loop's tiny agency (nobody registered yet) with the nightly, dispatch and daily
jobs.

Also runnable as a process (`python -m tests.support.e2e`) for the SIGKILL test: the loop's bot,
its clock read from a file the test writes (env LOOP_API_URL, LOOP_DB, LOOP_CLOCK).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.composition import rules_of, solver_of
from bot.jobs import NIGHTLY, install_cycle
from bot.serve import WebhookConfig, running_bot
from bot.settings import Settings
from core.domain import Invitation
from core.ports import Clock, DialogueStore, UnitOfWorkFactory
from core.rebalance.model import Solution
from core.usecases.invitations import hash_invitation_code
from core.usecases.outbox import DispatchPolicy
from core.usecases.planning import Snapshot
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.uow import uow_factory as make_uow_factory
from devtools.emulator import BotApiEmulator, EmulatedUser
from tests.support.agency import Agency
from tests.support.clock import FakeClock, FileClock
from tests.support.handler_agency import HANDLER_AGENCY, START
from tests.support.loop_agency import CHAT, LOOP_AGENCY, NIGHT

#: The bot's token in the `runtime` fixture and in the loop's (`loop`, the SIGKILL process).
TOKEN = "424242:E2E-token"
LOOP_TOKEN = "515151:LOOP-e2e-token"


class EnginePlanner:
    """The real rebalancing engine (default policy), counting how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.solve = solver_of(rules_of(Settings(_env_file=None)))  # type: ignore[call-arg]

    def __call__(self, snapshot: Snapshot, time_limit: float) -> Solution:
        self.calls += 1
        return self.solve(snapshot, time_limit)


def bot_settings(token: str, api_url: str, database_path: Path, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator and the test's SQLite file."""
    values: dict[str, Any] = {
        "bot_token": token,
        "bot_api_url": api_url,
        "database_url": f"sqlite+aiosqlite:///{database_path}",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def build_bot(
    settings: Settings,
    uows: UnitOfWorkFactory,
    dialogues: DialogueStore,
    clock: Clock,
    planner: EnginePlanner | None,
    *,
    extra_features: Sequence[str] = (),
    rate_limit: bool = False,
) -> Any:
    """The real Application; with a PLANNER, the loop installed too (jobs, sender, planner)."""
    app = build_application(
        settings,
        uows,
        clock,
        dialogues=dialogues,
        extra_features=extra_features,
        rate_limit=rate_limit,
    )
    if planner is not None:
        install_cycle(
            app, solve_snapshot=planner, dispatch_interval=0.2, dispatch_policy=DispatchPolicy()
        )
    return app


@dataclass
class E2E:
    """Emulator, database, clock; the bot can be started again over the same state."""

    emulator: BotApiEmulator
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    dialogues: SqlDialogueStore
    clock: FakeClock
    database_path: Path
    token: str
    #: The real engine behind the nightly job; None: the bot runs without the loop's jobs.
    planner: EnginePlanner | None = None
    #: Chat id by NIP of the agency's people who use Telegram (`register_everyone`).
    chats: Mapping[str, int] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> Settings:
        """The bot's settings (MUTASI_BOT_API_URL is the emulator)."""
        return bot_settings(self.token, self.emulator.base_url, self.database_path, **overrides)

    def build(
        self, extra_features: Sequence[str] = (), *, rate_limit: bool = False, **overrides: Any
    ) -> Any:
        """A fresh Application over the same database (as after a process restart)."""
        return build_bot(
            self.settings(**overrides),
            self.uows,
            self.dialogues,
            self.clock,
            self.planner,
            extra_features=extra_features,
            rate_limit=rate_limit,
        )

    @asynccontextmanager
    async def running(
        self,
        webhook: WebhookConfig | None = None,
        extra_features: Sequence[str] = (),
        *,
        rate_limit: bool = False,
        **overrides: Any,
    ) -> AsyncIterator[Any]:
        """The bot receiving updates (polling by default) until the block ends."""
        app = self.build(extra_features, rate_limit=rate_limit, **overrides)
        async with running_bot(app, webhook=webhook, poll_timeout=1) as running:
            yield running

    async def invite(self, nip: str, code: str, days: int = 14) -> None:
        """Store a one-time invitation CODE for NIP, issued at the clock's now."""
        now = self.clock.now()
        async with self.uows() as uow:
            await uow.invitations.add(
                Invitation(hash_invitation_code(code), nip, now, now + dt.timedelta(days=days))
            )
            await uow.commit()

    async def register(self, user: EmulatedUser, nip: str) -> None:
        """Invite NIP and open the link as USER."""
        code = f"loop{user.user_id}{nip[-6:]}"
        await self.invite(nip, code)
        await user.send_command("/start", code)
        await user.wait_for_message(contains="Pendaftaran berhasil")

    async def register_everyone(self) -> dict[str, EmulatedUser]:
        """Everyone in `chats` registered over HTTP; users by NIP."""
        users = {nip: self.emulator.user(chat, f"User{chat}") for nip, chat in self.chats.items()}
        for nip, user in users.items():
            await self.register(user, nip)
        return users


async def fire_nightly(app: Any) -> None:
    """Run the nightly job now, as its cron trigger would."""
    [job] = app.job_queue.get_jobs_by_name(NIGHTLY)
    await job.run(app)


@asynccontextmanager
async def harness(
    template: Path,
    path: Path,
    agency: Agency,
    now: dt.datetime,
    *,
    token: str,
    bot_username: str,
    planner: EnginePlanner | None = None,
    chats: Mapping[str, int] | None = None,
) -> AsyncIterator[E2E]:
    """A copy of the migrated TEMPLATE at PATH holding AGENCY, the emulator, the clock at NOW."""
    shutil.copyfile(template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = session_factory(engine)
    uows = make_uow_factory(sessions)
    await agency.write_to(uows)
    async with BotApiEmulator(token, bot_username=bot_username) as emulator:
        try:
            yield E2E(
                emulator,
                engine,
                uows,
                SqlDialogueStore(sessions),
                FakeClock(now),
                path,
                token,
                planner,
                dict(chats or {}),
            )
        finally:
            await engine.dispose()


@pytest.fixture(name="runtime")
async def runtime_fixture(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[E2E]:
    """The handler agency in a migrated SQLite file, the emulator, the clock at START; no jobs."""
    async with harness(
        sqlite_template,
        tmp_path / "e2e.sqlite3",
        HANDLER_AGENCY,
        START,
        token=TOKEN,
        bot_username="mutasi_test_bot",
    ) as e2e:
        yield e2e


@pytest.fixture(name="loop")
async def loop_fixture(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[E2E]:
    """The loop's tiny agency (no Telegram accounts yet), the emulator, the clock at NIGHT, and
    the loop's jobs with the real engine."""
    async with harness(
        sqlite_template,
        tmp_path / "loop.sqlite3",
        LOOP_AGENCY.without_accounts(),
        NIGHT.astimezone(dt.UTC),
        token=LOOP_TOKEN,
        bot_username="mutasi_loop_bot",
        planner=EnginePlanner(),
        chats=CHAT,
    ) as e2e:
        yield e2e


async def _serve_process() -> None:
    """The loop's bot as its own process (SIGKILL test): env LOOP_API_URL, LOOP_DB, LOOP_CLOCK."""
    path = Path(os.environ["LOOP_DB"])
    settings = bot_settings(LOOP_TOKEN, os.environ["LOOP_API_URL"], path)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    app = build_bot(
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
