"""The fault probes' harness: the real `mutasi serve` process against the Bot API emulator,
killed with SIGKILL at random moments and started again over the same database.

Everything is counted from what the emulated people received, and from the database right
after each kill (which outbox rows were "sending" then: the only messages a kill may repeat).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import signal
import sys
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.domain import Activity, OutboxStatus, Role, RoleGrant, ScopeKind, TelegramAccount, Unit
from core.domain.working_time import WorkingTime
from core.ports import UnitOfWorkFactory
from core.rebalance.documents import MoveDocument
from core.usecases.approval.chain import ApprovalRules, parse_chain
from core.usecases.planning import PlanningRules
from devtools.emulator import BotApiEmulator
from tests.support.agency import Agency
from tests.support.loop_agency import employee, move

MUTASI = str(Path(sys.executable).with_name("mutasi"))
TOKEN = "626262:FAULTS-token"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
#: Messages may go out at any hour in the probes (the real clock runs in `mutasi serve`).
ALWAYS = WorkingTime(JAKARTA, dt.time(0, 0), dt.time(23, 59, 59), frozenset(range(1, 8)))
#: Where the figures go when MUTASI_FAULTS_RESULTS names a file (docs/reliability.md quotes them).
RESULTS_ENV = "MUTASI_FAULTS_RESULTS"


def serve_env(api_url: str, database_url: str) -> dict[str, str]:
    """The environment of `mutasi serve` in the probes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
    env.update(
        MUTASI_BOT_TOKEN=TOKEN,
        MUTASI_BOT_API_URL=api_url,
        MUTASI_DATABASE_URL=database_url,
        MUTASI_WORK_HOURS_START="00:00",
        MUTASI_WORK_HOURS_END="23:59:59",
        MUTASI_WORK_DAYS="1-7",
        MUTASI_APPROVAL_CARDS_MAX="16",
    )
    return env


class ServeProcess:
    """One `mutasi serve` at a time; started, killed, started again."""

    def __init__(self, emulator: BotApiEmulator, database_url: str, log: Path) -> None:
        self.emulator = emulator
        self.env = serve_env(emulator.base_url, database_url)
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        """Start and wait until it polls (its inbox replay and dispatcher are running)."""
        polls = len(self.emulator.calls_of("getUpdates"))
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                MUTASI, "serve", env=self.env, stdout=log, stderr=log
            )
        self.starts += 1
        polling = asyncio.ensure_future(
            self.emulator.wait_for_call("getUpdates", count=polls + 1, timeout=90)
        )
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        if polling not in done:
            polling.cancel()
            tail = self.log.read_text(errors="replace").splitlines()[-15:]
            raise AssertionError("mutasi serve exited at start:\n" + "\n".join(tail))
        exited.cancel()
        polling.result()

    async def kill(self) -> None:
        """SIGKILL: no cleanup of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM and wait."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def slow_sends(emulator: BotApiEmulator, seconds: tuple[float, float], seed: int) -> None:
    """Every sendMessage/editMessageText takes a while, as over a real network, so that kills
    land while calls are in flight."""
    chance = random.Random(seed)
    for name in ("sendmessage", "editmessagetext"):
        real = emulator._methods[name]

        async def delayed(params: Any, real: Any = real) -> Any:
            await asyncio.sleep(chance.uniform(*seconds))
            return await real(params)

        emulator._methods[name] = delayed


async def sending_rows(uows: UnitOfWorkFactory) -> list[int]:
    """Outbox ids marked "sending" right now (after a kill: the ones that may repeat)."""
    async with uows() as uow:
        return [m.id or 0 for m in await uow.outbox.list(OutboxStatus.SENDING.value)]


@dataclass
class Tally:
    """What one probe counted."""

    scenario: str
    backend: str
    kills: int = 0
    items: int = 0
    lost: int = 0
    repeats: int = 0
    repeats_per_kill: list[int] = field(default_factory=list)
    in_flight_at_kill: list[int] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The figures; merged into the JSON file named by MUTASI_FAULTS_RESULTS, if set."""
        figures = {
            "kills": self.kills,
            "items": self.items,
            "lost": self.lost,
            "repeats": self.repeats,
            "max_repeats_per_kill": max(self.repeats_per_kill, default=0),
            "max_in_flight_at_kill": max(self.in_flight_at_kill, default=0),
            **self.notes,
        }
        target = os.environ.get(RESULTS_ENV)
        if target:
            path = Path(target)
            data: dict[str, Any] = {}
            if path.exists():
                try:
                    data = json.loads(path.read_text())
                except ValueError:
                    data = {}
            data[f"{self.scenario}[{self.backend}]"] = figures
            path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return figures


# --------------------------------------------------------------------- agency


NURSES = 16
SOURCE, TARGET = "PKM-A", "PKM-B"
APPROVER_NIP = "197001012000031001"
APPROVER_CHAT = 201
ADMIN_NIP = "198001012005011006"


def nurse_nip(index: int) -> str:
    """An 18-digit NIP for nurse INDEX (born 1990, TMT 2015, male)."""
    return f"19900101201503{1000 + index:04d}"


def nurse_chat(index: int) -> int:
    """The nurse's chat id."""
    return 1000 + index


#: Two puskesmas, NURSES nurses bound to Telegram in the first, one approver, one admin.
FAULTS_AGENCY = Agency(
    units=(
        Unit(SOURCE, "Puskesmas Wonosari I", "Dinkes", -7.96, 110.60, ("keperawatan",)),
        Unit(TARGET, "Puskesmas Playen", "Dinkes", -7.94, 110.55, ("keperawatan",)),
    ),
    people=(
        *(employee(nurse_nip(i), f"Perawat {i:02d}", SOURCE) for i in range(NURSES)),
        employee(APPROVER_NIP, "Kepala Dinkes", SOURCE),
        employee(ADMIN_NIP, "Operator", SOURCE),
    ),
    activities=tuple(
        Activity(unit, "Perawat Terampil", "Asuhan keperawatan", "pasien", 60.0, volume)
        for unit, volume in ((SOURCE, 1_300.0), (TARGET, 30_000.0))
    ),
    grants=(
        RoleGrant(APPROVER_NIP, Role.APPROVER, ScopeKind.OPD, "Dinkes"),
        RoleGrant(ADMIN_NIP, Role.ADMIN),
    ),
    accounts=(
        *(
            TelegramAccount(nurse_chat(i), nurse_nip(i), chat_id=nurse_chat(i))
            for i in range(NURSES)
        ),
        TelegramAccount(APPROVER_CHAT, APPROVER_NIP, chat_id=APPROVER_CHAT),
        TelegramAccount(401, ADMIN_NIP, chat_id=401),
    ),
)


def planning_rules() -> PlanningRules:
    """One approval stage; a card per move (not a digest), due at once."""
    return PlanningRules(
        ApprovalRules(parse_chain("approver"), ALWAYS, cards_max=NURSES), time_limit_seconds=5
    )


def moves() -> list[MoveDocument]:
    """Every nurse moves from SOURCE to TARGET."""
    return [move(nurse_nip(i), SOURCE, TARGET) for i in range(NURSES)]


async def kill_at_random(
    serve: ServeProcess,
    uows: UnitOfWorkFactory,
    tally: Tally,
    kills: int,
    gap: tuple[float, float],
    seed: int,
    in_flight: list[set[int]],
) -> None:
    """Start, let it run a random while, SIGKILL, note what was "sending"; KILLS times."""
    chance = random.Random(seed)
    for _ in range(kills):
        await serve.start()
        await asyncio.sleep(chance.uniform(*gap))
        await serve.kill()
        tally.kills += 1
        rows = await sending_rows(uows)
        tally.in_flight_at_kill.append(len(rows))
        in_flight.append(set(rows))
