"""Benchmark: transfer notices to N ASN queued in the outbox and delivered through the Bot API
emulator at Telegram's flood limits (30 msg/s overall, 1/s per chat), while M other users keep
talking to the bot. Reports delivery time and the other users' reply latency (p50/p95/max).

    .venv/bin/python -m benchmarks.bench_notices --notices 10000 --others 20

The real bot (build_application + install_loop, PTB's AIORateLimiter) polls the emulator over
HTTP; the database is a fresh migrated SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.jobs import install_loop
from bot.serve import running_bot
from bot.settings import Settings
from core.approval import enqueue_notice
from core.domain import (
    Employee,
    OutboxStatus,
    Plan,
    ProposalState,
    TelegramAccount,
    TransferProposal,
    Unit,
)
from core.outbox import DispatchPolicy
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.migrate import upgrade_async
from db.uow import uow_factory as make_uow_factory
from handlers.approval import approval_rules_of
from tests.emulator import BotApiEmulator, RateLimits

TOKEN = "616161:BENCH-token"
#: Tuesday 09:00 in Jakarta: working hours, so notices are due at once.
START = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
FIRST_CHAT = 5_000_000
OTHER_CHAT = 9_000_000


class RunningClock:
    """Agency time that starts at START and runs at real speed (backoff needs time to pass)."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def now(self) -> dt.datetime:
        """START plus the real time elapsed."""
        return START + dt.timedelta(seconds=time.monotonic() - self.began)


def nip_of(i: int) -> str:
    """A well-formed, unique 18-digit NIP for person i (i < 12,000)."""
    return f"1991{i // 1000 + 1:02d}10" + "201503" + "1" + f"{i % 1000:03d}"


async def seed(
    uows: Any, notices: int, others: int, clock: RunningClock, settings: Settings
) -> None:
    """Two units, N approved transfers whose notices wait in the outbox, M other users."""
    a = Unit("PKM-A", "Puskesmas Wonosari I", "Dinkes", -7.96, 110.60, ("keperawatan",))
    b = Unit("PKM-B", "Puskesmas Playen", "Dinkes", -7.94, 110.55, ("keperawatan", "farmasi"))
    rules = approval_rules_of(settings)
    now = clock.now()
    async with uows() as uow:
        await uow.units.upsert(a)
        await uow.units.upsert(b)
        plan = await uow.plans.add(
            Plan(None, START.date(), now, "awaiting_approval", 1.0, 2.0, 1.0, {}, False)
        )
        for j in range(others):
            nip = f"19800101200501{j % 2 + 1}{j:03d}"
            await uow.employees.upsert(
                Employee(
                    nip,
                    f"Pegawai Lain {j}",
                    "PNS",
                    "PKM-A",
                    "Perawat Terampil",
                    "III/a",
                    dt.date(2015, 1, 1),
                    58,
                )
            )
            await uow.accounts.save(TelegramAccount(OTHER_CHAT + j, nip, chat_id=OTHER_CHAT + j))
        await uow.commit()
    assert plan.id is not None
    batch = 500
    for start in range(0, notices, batch):
        async with uows() as uow:
            for i in range(start, min(notices, start + batch)):
                nip = nip_of(i)
                await uow.employees.upsert(
                    Employee(
                        nip,
                        f"Pegawai {i}",
                        "PNS",
                        "PKM-A",
                        "Perawat Terampil",
                        "III/a",
                        dt.date(2018, 1, 1),
                        58,
                        ("keperawatan",),
                        -7.95,
                        110.6,
                    )
                )
                await uow.accounts.save(
                    TelegramAccount(FIRST_CHAT + i, nip, chat_id=FIRST_CHAT + i)
                )
                explanation = {
                    "origin": {
                        "unit": "PKM-A",
                        "family": "Perawat Terampil",
                        "required": 11.2,
                        "staff_before": 14,
                        "staff_after": 13,
                    },
                    "destination": {
                        "unit": "PKM-B",
                        "family": "Perawat Terampil",
                        "required": 9.6,
                        "staff_before": 7,
                        "staff_after": 8,
                    },
                    "aspiration_rank": 1,
                    "skills_matched": ["keperawatan"],
                    "distance_km": {"before": 12.3, "after": 8.1},
                    "objective_delta": -135.0,
                    "chain": [],
                }
                proposal = await uow.proposals.add(
                    TransferProposal(
                        None,
                        plan.id,
                        nip,
                        "PKM-A",
                        "PKM-B",
                        explanation,
                        state=ProposalState.APPROVED,
                        tmt=dt.date(2027, 1, 1),
                        decided_at=now,
                    )
                )
                await enqueue_notice(uow, proposal, rules, now)
            await uow.commit()


def percentile(values: list[float], share: float) -> float:
    """The share-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def chatter(
    emulator: BotApiEmulator, chat: int, stop: asyncio.Event, latencies: list[float], pause: float
) -> None:
    """One other user: /bantuan, wait for the answer, pause, again."""
    user = emulator.user(chat, f"Other{chat}")
    while not stop.is_set():
        began = time.monotonic()
        await user.send_command("/bantuan")
        await user.wait_for_message(timeout=120)
        latencies.append(time.monotonic() - began)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


async def run(
    notices: int, others: int, concurrency: int, rate: float, pause: float
) -> dict[str, Any]:
    """Seed, start the bot, deliver everything, measure."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-notices-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    uows = make_uow_factory(sessions)
    clock = RunningClock()
    async with BotApiEmulator(TOKEN, rate_limits=RateLimits()) as emulator:
        values: dict[str, Any] = {
            "bot_token": TOKEN,
            "bot_api_url": emulator.base_url,
            "database_url": url,
        }
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        seeding = time.monotonic()
        await seed(uows, notices, others, clock, settings)
        seeded = time.monotonic() - seeding
        for i in range(notices):
            emulator.user(FIRST_CHAT + i, f"Asn{i}")
        app = build_application(
            settings,
            uows,
            clock,
            dialogues=SqlDialogueStore(sessions),
            rate_limit=True,
            publish_menus=False,
        )
        install_loop(
            app,
            solve_snapshot=lambda s, t: {},
            dispatch_interval=0.5,
            dispatch_policy=DispatchPolicy(
                batch=200, concurrency=concurrency, max_per_second=rate or None
            ),
        )
        latencies: list[float] = []
        stop = asyncio.Event()
        async with running_bot(app, poll_timeout=1):
            began = time.monotonic()
            talkers = [
                asyncio.create_task(chatter(emulator, OTHER_CHAT + j, stop, latencies, pause))
                for j in range(others)
            ]
            while True:
                await asyncio.sleep(2.0)
                async with uows() as uow:
                    waiting = len(await uow.outbox.list(OutboxStatus.PENDING.value))
                if waiting == 0:
                    break
            delivered = time.monotonic() - began
            stop.set()
            await asyncio.gather(*talkers)
        async with uows() as uow:
            rows = await uow.outbox.list()
        await engine.dispose()
    sent = sum(1 for r in rows if r.status == OutboxStatus.SENT)
    notice_calls = [
        c
        for c in emulator.calls_of("sendMessage")
        if c.chat_id and FIRST_CHAT <= c.chat_id < OTHER_CHAT
    ]
    ok_calls = [c for c in notice_calls if c.ok]
    return {
        "notices": notices,
        "others": others,
        "dispatch_concurrency": concurrency,
        "dispatch_rate_cap": rate,
        "other_user_pause_seconds": pause,
        "seed_seconds": round(seeded, 1),
        "delivery_seconds": round(delivered, 1),
        "delivered_per_second": round(sent / delivered, 2) if delivered else None,
        "rows_sent": sent,
        "notice_messages_delivered": len(ok_calls),
        "flood_429_answers": sum(1 for c in notice_calls if c.status == 429),
        "duplicates": len(ok_calls) - len({c.chat_id for c in ok_calls}),
        "other_replies": len(latencies),
        "reply_p50_seconds": round(statistics.median(latencies), 3) if latencies else None,
        "reply_p95_seconds": round(percentile(latencies, 0.95), 3) if latencies else None,
        "reply_max_seconds": round(max(latencies), 3) if latencies else None,
    }


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0, help="bulk cap msg/s (0: none)")
    parser.add_argument("--pause", type=float, default=2.0, help="other users' think time (s)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = asyncio.run(run(args.notices, args.others, args.concurrency, args.rate, args.pause))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    sys.exit(0 if result["rows_sent"] == args.notices and result["duplicates"] == 0 else 1)


if __name__ == "__main__":
    main()
