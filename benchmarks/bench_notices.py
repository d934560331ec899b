"""Benchmark: transfer notices to N ASN queued in the outbox and delivered through the Bot API
emulator at Telegram's flood limits (30 msg/s overall, 1/s per chat), while M other users keep
talking to the bot. Reports delivery time and the other users' reply latency (p50/p95/max).

    .venv/bin/python -m benchmarks.bench_notices --notices 10000 --others 20

With `--plan-moves N` it runs a whole plan instead (issue 10): N moves over 8 OPDs, the nightly
job stores the plan at working hours, every approver gets the summary and their digest, then
each OPD's approver approves all their moves (group decisions) and the notices to the ASN and
the words to both supervisors go out, while the other users talk to the bot. It reports the
most messages any approver received, flood refusals and the other users' reply latency.

    .venv/bin/python -m benchmarks.bench_notices --plan-moves 1330 --others 10

The real bot (build_application + install_cycle, PTB's AIORateLimiter) polls the emulator over
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
from bot.composition import approval_rules_of
from bot.jobs import install_cycle
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
        install_cycle(
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


PLAN_OPDS = 8
UNITS_PER_OPD = 5
APPROVER_CHAT = 7_000_000
SUPERVISOR_CHAT = 8_000_000


def unit_code(opd: int, unit: int) -> str:
    """Code of unit UNIT of OPD number OPD."""
    return f"U{opd:02d}{unit:02d}"


class PlanEngine:
    """The solver stand-in: moves person i from their unit to the next unit of the same OPD."""

    def __init__(self, moves: list[dict[str, Any]]) -> None:
        self.moves = moves

    def __call__(self, snapshot: Any, time_limit: float) -> dict[str, Any]:
        return {
            "format": "mutasi-solution/1",
            "status": "OPTIMAL",
            "objective": 100.0,
            "bound": 100.0,
            "status_quo_objective": 400.0,
            "moves": self.moves,
            "not_granted": [],
            "stats": {},
        }


async def seed_plan(uows: Any, moves: int, others: int, clock: RunningClock) -> PlanEngine:
    """8 OPDs of 5 units, a supervisor per unit, an approver per OPD, an admin, N movers with
    Telegram accounts, and M other users."""
    from core.domain import Role, RoleGrant, ScopeKind

    planned: list[dict[str, Any]] = []
    async with uows() as uow:
        for opd in range(PLAN_OPDS):
            for unit in range(UNITS_PER_OPD):
                code = unit_code(opd, unit)
                await uow.units.upsert(
                    Unit(code, f"Unit {opd}-{unit}", f"OPD {opd}", -7.9, 110.6 + unit / 100)
                )
                boss = nip_of(11_000 + opd * UNITS_PER_OPD + unit)
                await uow.employees.upsert(
                    Employee(
                        boss,
                        f"Kepala {code}",
                        "PNS",
                        code,
                        "Kepala",
                        "IV/a",
                        dt.date(2015, 1, 1),
                        58,
                    )
                )
                chat = SUPERVISOR_CHAT + opd * UNITS_PER_OPD + unit
                await uow.accounts.save(TelegramAccount(chat, boss, chat_id=chat))
                await uow.roles.grant(RoleGrant(boss, Role.SUPERVISOR, ScopeKind.UNIT, code))
            head = nip_of(11_900 + opd)
            await uow.employees.upsert(
                Employee(
                    head,
                    f"Kepala OPD {opd}",
                    "PNS",
                    unit_code(opd, 0),
                    "Kepala Dinas",
                    "IV/c",
                    dt.date(2015, 1, 1),
                    60,
                )
            )
            await uow.accounts.save(
                TelegramAccount(APPROVER_CHAT + opd, head, chat_id=APPROVER_CHAT + opd)
            )
            await uow.roles.grant(RoleGrant(head, Role.APPROVER, ScopeKind.OPD, f"OPD {opd}"))
        admin = nip_of(11_990)
        await uow.employees.upsert(
            Employee(
                admin,
                "Operator",
                "PNS",
                unit_code(0, 0),
                "Pranata Komputer",
                "III/a",
                dt.date(2015, 1, 1),
                58,
            )
        )
        await uow.accounts.save(
            TelegramAccount(APPROVER_CHAT + 99, admin, chat_id=APPROVER_CHAT + 99)
        )
        await uow.roles.grant(RoleGrant(admin, Role.ADMIN))
        for j in range(others):
            nip = f"19800101200501{j % 2 + 1}{j:03d}"
            await uow.employees.upsert(
                Employee(
                    nip,
                    f"Pegawai Lain {j}",
                    "PNS",
                    unit_code(0, 0),
                    "Perawat Terampil",
                    "III/a",
                    dt.date(2015, 1, 1),
                    58,
                )
            )
            await uow.accounts.save(TelegramAccount(OTHER_CHAT + j, nip, chat_id=OTHER_CHAT + j))
        await uow.commit()
    batch = 500
    for start in range(0, moves, batch):
        async with uows() as uow:
            for i in range(start, min(moves, start + batch)):
                opd, unit = i % PLAN_OPDS, (i // PLAN_OPDS) % UNITS_PER_OPD
                origin, destination = unit_code(opd, unit), unit_code(opd, (unit + 1) % 5)
                nip = nip_of(i)
                await uow.employees.upsert(
                    Employee(
                        nip,
                        f"Pegawai {i}",
                        "PNS",
                        origin,
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
                planned.append(
                    {
                        "employee": nip,
                        "from": origin,
                        "to": destination,
                        "explanation": {
                            "origin": {
                                "unit": origin,
                                "family": "Perawat Terampil",
                                "required": 11.2,
                                "staff_before": 14,
                                "staff_after": 13,
                            },
                            "destination": {
                                "unit": destination,
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
                        },
                    }
                )
            await uow.commit()
    return PlanEngine(planned)


async def run_plan(moves: int, others: int, pause: float) -> dict[str, Any]:
    """An L-sized plan end to end: summaries and digests, group decisions, notices."""
    from bot.jobs import NIGHTLY
    from core.approval import approve_many
    from core.digest import digest_view
    from core.domain import Role

    workdir = Path(tempfile.mkdtemp(prefix="bench-plan-"))
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
        solver = await seed_plan(uows, moves, others, clock)
        seeded = time.monotonic() - seeding
        for i in range(moves):
            emulator.user(FIRST_CHAT + i, f"Asn{i}")
        for chat in range(PLAN_OPDS * UNITS_PER_OPD):
            emulator.user(SUPERVISOR_CHAT + chat, f"Kepala{chat}")
        for opd in (*range(PLAN_OPDS), 99):
            emulator.user(APPROVER_CHAT + opd, f"Pejabat{opd}")
        app = build_application(
            settings,
            uows,
            clock,
            dialogues=SqlDialogueStore(sessions),
            rate_limit=True,
            publish_menus=False,
        )
        install_cycle(app, solve_snapshot=solver, dispatch_interval=0.5)
        rules = approval_rules_of(settings)
        latencies: list[float] = []
        stop = asyncio.Event()
        async with running_bot(app, poll_timeout=1):
            began = time.monotonic()
            talkers = [
                asyncio.create_task(chatter(emulator, OTHER_CHAT + j, stop, latencies, pause))
                for j in range(others)
            ]
            [job] = app.job_queue.get_jobs_by_name(NIGHTLY)
            planning = time.monotonic()
            await job.run(app)
            planned_in = time.monotonic() - planning
            # Each OPD's approver opens their digest and approves every group in it.
            deciding = time.monotonic()
            async with uows() as uow:
                plan = await uow.plans.latest()
                heads = [g for g in await uow.roles.list_by_role(Role.APPROVER.value)]
            assert plan is not None and plan.id is not None
            approved = 0
            for head in heads:
                async with uows() as uow:
                    view = await digest_view(uow, plan.id, [head.nip], rules)
                for group in view.groups:
                    ids = [e.proposal.id for e in group.waiting if e.proposal.id is not None]
                    result = await approve_many(
                        uows, clock, rules, proposal_ids=ids, approver_nip=head.nip
                    )
                    approved += result.approved
            decided_in = time.monotonic() - deciding
            while True:
                await asyncio.sleep(2.0)
                async with uows() as uow:
                    waiting = len(await uow.outbox.list(OutboxStatus.PENDING.value))
                if waiting == 0:
                    break
            delivered = time.monotonic() - began
            stop.set()
            await asyncio.gather(*talkers)
        await engine.dispose()
    sends = [c for c in emulator.calls if c.method.lower() in ("sendmessage", "sendphoto")]
    approver_chats = {APPROVER_CHAT + opd for opd in range(PLAN_OPDS)}
    per_approver = [
        sum(1 for c in sends if c.chat_id == chat and c.ok) for chat in sorted(approver_chats)
    ]
    return {
        "plan_moves": moves,
        "others": others,
        "seed_seconds": round(seeded, 1),
        "plan_stored_seconds": round(planned_in, 1),
        "group_decisions_seconds": round(decided_in, 1),
        "approved": approved,
        "all_delivered_seconds": round(delivered, 1),
        "messages_sent": sum(1 for c in sends if c.ok),
        "most_messages_to_one_approver": max(per_approver),
        "flood_429_answers": sum(1 for c in emulator.calls if c.status == 429),
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
    parser.add_argument("--plan-moves", type=int, default=0, help="run a whole plan of N moves")
    args = parser.parse_args()
    if args.plan_moves:
        plan_result = asyncio.run(run_plan(args.plan_moves, args.others, args.pause))
        print(json.dumps(plan_result, indent=2))
        if args.out:
            args.out.write_text(json.dumps(plan_result, indent=2) + "\n")
        sys.exit(0 if plan_result["flood_429_answers"] == 0 else 1)
    result = asyncio.run(run(args.notices, args.others, args.concurrency, args.rate, args.pause))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    sys.exit(0 if result["rows_sent"] == args.notices and result["duplicates"] == 0 else 1)


if __name__ == "__main__":
    main()
