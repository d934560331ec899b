"""Benchmark: transfer notices to N ASN queued in the outbox and delivered through the Bot API
emulator at Telegram's flood limits (30 msg/s overall, 1/s per chat), while M other users keep
talking to the bot. Reports delivery time and the other users' reply latency (p50/p95/max).

    .venv/bin/python -m benchmarks.bench_notices --notices 10000 --others 20

With `--plan-moves N` it runs a whole plan instead (issue 10): N moves over 8 OPDs, the nightly
job stores the plan at working hours, every approver gets the summary and their digest, then
each OPD's approver opens their digest in the chat and approves every group in it (group page,
confirmation, "Ya, setujui" — the same presses a person makes), and the notices to the ASN and
the words to both supervisors go out, while the other users keep sending `/status`. It reports
the messages each approver received, whether each got the summary before the digest, flood
refusals (429), the other users' reply latency, where the event loop was blocked and how long
the full garbage collections took, and the machine's load average at the start and the end.
The bot sets its start-up heap aside from full collections once started, as `mutasi serve`
does (`bot.serve.settle_heap`).

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
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.loop_stalls import watching_loop
from bot.app import build_application
from bot.composition import approval_rules_of
from bot.jobs import NIGHTLY, install_cycle
from bot.serve import running_bot, settle_heap
from bot.settings import Settings
from core.domain import (
    Employee,
    OutboxStatus,
    Plan,
    ProposalState,
    Role,
    RoleGrant,
    ScopeKind,
    TelegramAccount,
    TransferProposal,
    Unit,
)
from core.domain.plan_document import PlanDocument
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rebalance.documents import ExplanationDocument, MoveDocument, SideDocument
from core.rebalance.model import SOLUTION_FORMAT, Explanation, Solution
from core.usecases.approval.cards import enqueue_notice
from core.usecases.outbox import DispatchPolicy
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.migrate import upgrade_async
from db.uow import uow_factory as make_uow_factory
from devtools.emulator import BotApiEmulator, EmulatedUser, RateLimits, SeenMessage

TOKEN = "616161:BENCH-token"
#: Tuesday 09:00 in Jakarta: working hours, so notices are due at once.
START = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
FIRST_CHAT = 5_000_000
OTHER_CHAT = 9_000_000
#: Rows written per transaction while seeding.
SEED_BATCH = 500


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


def other_nip(j: int) -> str:
    """The NIP of other user j (j < 1,000)."""
    return f"19800101200501{j % 2 + 1}{j:03d}"


async def add_person(
    uow: UnitOfWork,
    nip: str,
    name: str,
    unit: str,
    chat: int,
    *,
    jabatan: str = "Perawat Terampil",
    golongan: str = "III/a",
    since: dt.date = dt.date(2015, 1, 1),
    mover: bool = False,
) -> None:
    """An employee with a Telegram account (CHAT); a MOVER has the nurses' skills and a home."""
    extra: tuple[Any, ...] = (("keperawatan",), -7.95, 110.6) if mover else ()
    await uow.employees.upsert(
        Employee(nip, name, "PNS", unit, jabatan, golongan, since, 58, *extra)
    )
    await uow.accounts.save(TelegramAccount(chat, nip, chat_id=chat))


#: The stored document of the plan the notices belong to (its moves are not read).
PLAN_DOCUMENT = PlanDocument(
    format=SOLUTION_FORMAT, status="OPTIMAL", objective=1.0, bound=1.0, status_quo_objective=2.0
)


def _side(unit: str, required: float, before: int) -> SideDocument:
    """One end of a move as the engine explains it: the nurses' need and headcount."""
    after = before - 1 if required < before else before + 1
    return SideDocument(
        unit=unit,
        family="Perawat Terampil",
        required=required,
        staff_before=before,
        staff_after=after,
    )


def explanation(origin: str, destination: str) -> ExplanationDocument:
    """What the engine says about one move (the same numbers for every move)."""
    return ExplanationDocument(
        origin=_side(origin, 11.2, 14),
        destination=_side(destination, 9.6, 7),
        aspiration_rank=1,
        skills_matched=["keperawatan"],
        distance_km={"before": 12.3, "after": 8.1},
        objective_delta=-135.0,
        chain=[],
    )


async def add_movers(
    uows: UnitOfWorkFactory,
    count: int,
    route: Callable[[int], tuple[str, str]],
    each: Callable[[UnitOfWork, int, str, str, str], Any] | None = None,
) -> None:
    """COUNT movers (person i moves route(i) = (origin, destination)), SEED_BATCH per
    transaction; EACH(uow, i, nip, origin, destination) adds what else belongs to person i."""
    for start in range(0, count, SEED_BATCH):
        async with uows() as uow:
            for i in range(start, min(count, start + SEED_BATCH)):
                origin, destination = route(i)
                nip = nip_of(i)
                await add_person(uow, nip, f"Pegawai {i}", origin, FIRST_CHAT + i, mover=True)
                if each is not None:
                    await each(uow, i, nip, origin, destination)
            await uow.commit()


async def add_others(uow: UnitOfWork, others: int, unit: str) -> None:
    """M other users (the ones whose replies are timed)."""
    for j in range(others):
        await add_person(uow, other_nip(j), f"Pegawai Lain {j}", unit, OTHER_CHAT + j)


def percentile(values: list[float], share: float) -> float:
    """The share-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def latency_report(latencies: list[float]) -> dict[str, Any]:
    """p50 / p95 / max of the other users' replies (seconds)."""
    if not latencies:
        return {"other_replies": 0}
    return {
        "other_replies": len(latencies),
        "reply_p50_seconds": round(statistics.median(latencies), 3),
        "reply_p95_seconds": round(percentile(latencies, 0.95), 3),
        "reply_max_seconds": round(max(latencies), 3),
    }


async def chatter(
    emulator: BotApiEmulator,
    chat: int,
    stop: asyncio.Event,
    latencies: list[float],
    pause: float,
    command: str,
) -> None:
    """One other user: COMMAND, wait for the answer, pause, again."""
    user = emulator.user(chat, f"Other{chat}")
    while not stop.is_set():
        began = time.monotonic()
        await user.send_command(command)
        await user.wait_for_message(timeout=120)
        latencies.append(time.monotonic() - began)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


@dataclass
class Bench:
    """A fresh migrated SQLite database, the emulator at Telegram's limits, and settings."""

    engine: AsyncEngine
    uows: UnitOfWorkFactory
    sessions: Any
    emulator: BotApiEmulator
    settings: Settings
    clock: RunningClock

    def application(self) -> Any:
        """The real bot on this database, rate limited like `mutasi serve`."""
        return build_application(
            self.settings,
            self.uows,
            self.clock,
            dialogues=SqlDialogueStore(self.sessions),
            rate_limit=True,
            publish_menus=False,
        )

    async def pending(self) -> int:
        """Outbox rows still to send (one COUNT, not the rows: the bot shares this loop)."""
        async with self.engine.connect() as connection:
            result = await connection.execute(
                text("SELECT count(*) FROM outbox_messages WHERE status = :status"),
                {"status": OutboxStatus.PENDING.value},
            )
            return int(result.scalar_one())

    async def drained(self) -> None:
        """Return once nothing is left to send."""
        while True:
            await asyncio.sleep(2.0)
            if await self.pending() == 0:
                return


@contextlib.asynccontextmanager
async def bench(prefix: str) -> AsyncIterator[Bench]:
    """Database, emulator and settings for one run; everything closed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with BotApiEmulator(TOKEN, rate_limits=RateLimits()) as emulator:
            values: dict[str, Any] = {
                "bot_token": TOKEN,
                "bot_api_url": emulator.base_url,
                "database_url": url,
            }
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            yield Bench(
                engine, make_uow_factory(sessions), sessions, emulator, settings, RunningClock()
            )
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def others_talking(
    emulator: BotApiEmulator, others: int, pause: float, command: str
) -> AsyncIterator[list[float]]:
    """M other users keep sending COMMAND while the block runs; yields their reply times."""
    latencies: list[float] = []
    stop = asyncio.Event()
    talkers = [
        asyncio.create_task(chatter(emulator, OTHER_CHAT + j, stop, latencies, pause, command))
        for j in range(others)
    ]
    try:
        yield latencies
    finally:
        stop.set()
        await asyncio.gather(*talkers)


# --- notices ------------------------------------------------------------------------------------


async def seed_notices(b: Bench, notices: int, others: int) -> None:
    """Two units, N approved transfers whose notices wait in the outbox, M other users."""
    rules = approval_rules_of(b.settings)
    now = b.clock.now()
    async with b.uows() as uow:
        await uow.units.upsert(
            Unit("PKM-A", "Puskesmas Wonosari I", "Dinkes", -7.96, 110.60, ("keperawatan",))
        )
        await uow.units.upsert(
            Unit("PKM-B", "Puskesmas Playen", "Dinkes", -7.94, 110.55, ("keperawatan", "farmasi"))
        )
        plan = await uow.plans.add(
            Plan(None, START.date(), now, "awaiting_approval", 1.0, 2.0, 1.0, PLAN_DOCUMENT, False)
        )
        await add_others(uow, others, "PKM-A")
        await uow.commit()
    plan_id = plan.id
    assert plan_id is not None

    async def approved(uow: UnitOfWork, i: int, nip: str, origin: str, destination: str) -> None:
        proposal = await uow.proposals.add(
            TransferProposal(
                None,
                plan_id,
                nip,
                origin,
                destination,
                explanation=Explanation.from_dict(explanation(origin, destination)),
                state=ProposalState.APPROVED,
                tmt=dt.date(2027, 1, 1),
                decided_at=now,
            )
        )
        await enqueue_notice(uow, proposal, rules, now)

    await add_movers(b.uows, notices, lambda i: ("PKM-A", "PKM-B"), approved)


async def run(
    notices: int, others: int, concurrency: int, rate: float, pause: float, command: str
) -> dict[str, Any]:
    """Seed, start the bot, deliver everything, measure."""
    async with bench("bench-notices-") as b:
        seeding = time.monotonic()
        await seed_notices(b, notices, others)
        seeded = time.monotonic() - seeding
        for i in range(notices):
            b.emulator.user(FIRST_CHAT + i, f"Asn{i}")
        app = b.application()
        install_cycle(
            app,
            solve_snapshot=lambda s, t: Solution("OPTIMAL", 0.0, 0.0, 0.0, (), ()),
            dispatch_interval=0.5,
            dispatch_policy=DispatchPolicy(
                batch=200, concurrency=concurrency, max_per_second=rate or None
            ),
        )
        async with running_bot(app, poll_timeout=1), watching_loop() as stalls:
            settle_heap()  # as `mutasi serve` does once started
            began = time.monotonic()
            async with others_talking(b.emulator, others, pause, command) as latencies:
                await b.drained()
                delivered = time.monotonic() - began
        async with b.uows() as uow:
            sent = len(await uow.outbox.list(OutboxStatus.SENT.value))
    notice_calls = [
        c
        for c in b.emulator.calls_of("sendMessage")
        if c.chat_id and FIRST_CHAT <= c.chat_id < OTHER_CHAT
    ]
    ok_calls = [c for c in notice_calls if c.ok]
    return {
        "notices": notices,
        "others": others,
        "other_command": command,
        "dispatch_concurrency": concurrency,
        "dispatch_rate_cap": rate,
        "other_user_pause_seconds": pause,
        "seed_seconds": round(seeded, 1),
        "delivery_seconds": round(delivered, 1),
        "delivered_per_second": round(sent / delivered, 2) if delivered else None,
        "rows_sent": sent,
        "notice_messages_delivered": len(ok_calls),
        "flood_429_answers": sum(1 for c in b.emulator.calls if c.status == 429),
        "duplicates": len(ok_calls) - len({c.chat_id for c in ok_calls}),
        **latency_report(latencies),
        "event_loop": stalls.report(),
    }


# --- a whole plan -------------------------------------------------------------------------------

PLAN_OPDS = 8
UNITS_PER_OPD = 5
APPROVER_CHAT = 7_000_000
ADMIN_CHAT = APPROVER_CHAT + 99
SUPERVISOR_CHAT = 8_000_000


def unit_code(opd: int, unit: int) -> str:
    """Code of unit UNIT of OPD number OPD."""
    return f"U{opd:02d}{unit:02d}"


def plan_route(i: int) -> tuple[str, str]:
    """Person i moves from their unit to the next unit of the same OPD."""
    opd, unit = i % PLAN_OPDS, (i // PLAN_OPDS) % UNITS_PER_OPD
    return unit_code(opd, unit), unit_code(opd, (unit + 1) % UNITS_PER_OPD)


class PlanEngine:
    """The solver stand-in: returns the planned moves as the engine's solution."""

    def __init__(self, moves: list[MoveDocument]) -> None:
        self.moves = moves

    def __call__(self, snapshot: Any, time_limit: float) -> Solution:
        return Solution.from_dict(
            {
                "format": "mutasi-solution/1",
                "status": "OPTIMAL",
                "objective": 100.0,
                "bound": 100.0,
                "status_quo_objective": 400.0,
                "moves": self.moves,
                "not_granted": [],
                "stats": {},
            }
        )


async def seed_plan(b: Bench, moves: int, others: int) -> PlanEngine:
    """8 OPDs of 5 units, a supervisor per unit, an approver per OPD, an admin, N movers with
    Telegram accounts, and M other users."""
    async with b.uows() as uow:
        for opd in range(PLAN_OPDS):
            for unit in range(UNITS_PER_OPD):
                code = unit_code(opd, unit)
                await uow.units.upsert(
                    Unit(code, f"Unit {opd}-{unit}", f"OPD {opd}", -7.9, 110.6 + unit / 100)
                )
                boss = nip_of(11_000 + opd * UNITS_PER_OPD + unit)
                chat = SUPERVISOR_CHAT + opd * UNITS_PER_OPD + unit
                await add_person(uow, boss, f"Kepala {code}", code, chat, jabatan="Kepala")
                await uow.roles.grant(RoleGrant(boss, Role.SUPERVISOR, ScopeKind.UNIT, code))
            head = nip_of(11_900 + opd)
            await add_person(
                uow,
                head,
                f"Kepala OPD {opd}",
                unit_code(opd, 0),
                APPROVER_CHAT + opd,
                jabatan="Kepala Dinas",
                golongan="IV/c",
            )
            await uow.roles.grant(RoleGrant(head, Role.APPROVER, ScopeKind.OPD, f"OPD {opd}"))
        admin = nip_of(11_990)
        await add_person(uow, admin, "Operator", unit_code(0, 0), ADMIN_CHAT)
        await uow.roles.grant(RoleGrant(admin, Role.ADMIN))
        await add_others(uow, others, unit_code(0, 0))
        await uow.commit()
    await add_movers(b.uows, moves, plan_route)
    return PlanEngine(
        [
            {"employee": nip_of(i), "from": o, "to": d, "explanation": explanation(o, d)}
            for i in range(moves)
            for o, d in [plan_route(i)]
        ]
    )


async def approve_every_group(approver: EmulatedUser, digest: SeenMessage) -> int:
    """Open the digest's groups one after another and approve each whole group the way a
    person does (group page, "approve group", confirmation, back to the overview); returns how
    many moves were approved. Every page edits the digest message in place."""

    async def pressed(button: str, timeout: float = 120) -> SeenMessage:
        await approver.press(button, digest.message_id)
        return await approver.wait_for_message(
            lambda m: m.message_id == digest.message_id, timeout=timeout
        )

    approved = 0
    overview = digest
    for index in range(len([b for b in digest.button_texts if b.startswith("📂")])):
        page = await pressed([b for b in overview.button_texts if b.startswith("📂")][index])
        group_button = [b for b in page.button_texts if b.startswith("✅")]
        if group_button:
            confirm = await pressed(group_button[0])
            done = await pressed(next(b for b in confirm.button_texts if b.startswith("Ya")), 600)
            approved += int(done.body.split("✅", 1)[-1].split()[0])
            page = await pressed("⬅️ Kembali")  # back to the group page
        overview = await pressed("⬅️ Kembali")
    return approved


def approver_messages(b: Bench, chat: int) -> list[str]:
    """What reached one approver chat as new messages, in order: "summary" (the photo),
    "digest" (the digest's overview) or "other"."""
    seen: list[str] = []
    for call in b.emulator.calls:
        if call.chat_id != chat or not call.ok:
            continue
        method = call.method.lower()
        if method == "sendphoto":
            seen.append("summary")
        elif method == "sendmessage":
            seen.append("digest" if "Ikhtisar" in str(call.params.get("text", "")) else "other")
    return seen


async def run_plan(
    moves: int, others: int, pause: float, command: str, quiet: float
) -> dict[str, Any]:
    """An L-sized plan end to end: summaries and digests, group decisions, notices (after QUIET
    seconds of the other users alone, for comparison)."""
    async with bench("bench-plan-") as b:
        seeding = time.monotonic()
        solver = await seed_plan(b, moves, others)
        seeded = time.monotonic() - seeding
        for i in range(moves):
            b.emulator.user(FIRST_CHAT + i, f"Asn{i}")
        for chat in range(PLAN_OPDS * UNITS_PER_OPD):
            b.emulator.user(SUPERVISOR_CHAT + chat, f"Kepala{chat}")
        approvers = [b.emulator.user(APPROVER_CHAT + opd, f"Pejabat{opd}") for opd in range(8)]
        b.emulator.user(ADMIN_CHAT, "Operator")
        app = b.application()
        install_cycle(app, solve_snapshot=solver, dispatch_interval=0.5)
        async with running_bot(app, poll_timeout=1), watching_loop() as stalls:
            settle_heap()  # as `mutasi serve` does once started
            async with others_talking(b.emulator, others, pause, command) as latencies:
                # First the other users alone: this machine's reply times without a plan.
                await asyncio.sleep(quiet)
                quiet_replies = len(latencies)
                assert app.job_queue is not None
                [job] = app.job_queue.get_jobs_by_name(NIGHTLY)
                began = planning = time.monotonic()
                await job.run(app)
                planned_in = time.monotonic() - planning
                during_plan = len(latencies)
                # Each OPD's approver waits for the digest, then approves every group in it.
                deciding = time.monotonic()
                approved = 0
                for approver in approvers:
                    digest = await approver.wait_for_message(
                        contains="Ikhtisar", timeout=600, after=0
                    )
                    approved += await approve_every_group(approver, digest)
                decided_in = time.monotonic() - deciding
                during_decisions = len(latencies)
                await b.drained()
                delivered = time.monotonic() - began
            async with b.uows() as uow:
                plan = await uow.plans.latest()
                assert plan is not None and plan.id is not None
                states = [p.state for p in await uow.proposals.list_for_plan(plan.id)]
    sends = [
        c
        for c in b.emulator.calls
        if c.method.lower() in ("sendmessage", "sendphoto")
        and not OTHER_CHAT <= (c.chat_id or 0) < OTHER_CHAT + others
    ]
    per_approver = [approver_messages(b, APPROVER_CHAT + opd) for opd in range(PLAN_OPDS)]
    return {
        "plan_moves": moves,
        "others": others,
        "other_command": command,
        "seed_seconds": round(seeded, 1),
        "plan_stored_seconds": round(planned_in, 1),
        "group_decisions_seconds": round(decided_in, 1),
        "approved": approved,
        "approved_in_database": sum(s == ProposalState.APPROVED for s in states),
        "all_delivered_seconds": round(delivered, 1),
        "plan_messages_sent": sum(1 for c in sends if c.ok),
        "messages_per_approver": [len(m) for m in per_approver],
        "summary_before_digest": all(m[:2] == ["summary", "digest"] for m in per_approver),
        "flood_429_answers": sum(1 for c in b.emulator.calls if c.status == 429),
        **latency_report(latencies[quiet_replies:]),
        "before_the_plan": latency_report(latencies[:quiet_replies]),
        "during_plan": latency_report(latencies[quiet_replies:during_plan]),
        "during_decisions": latency_report(latencies[during_plan:during_decisions]),
        "during_delivery": latency_report(latencies[during_decisions:]),
        "event_loop": stalls.report(),
    }


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0, help="bulk cap msg/s (0: none)")
    parser.add_argument("--pause", type=float, default=2.0, help="other users' think time (s)")
    parser.add_argument("--command", default="/status", help="what the other users send")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--plan-moves", type=int, default=0, help="run a whole plan of N moves")
    parser.add_argument(
        "--quiet", type=float, default=20.0, help="seconds of other users alone before the plan"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    if args.plan_moves:
        result = asyncio.run(
            run_plan(args.plan_moves, args.others, args.pause, args.command, args.quiet)
        )
        ok = result["flood_429_answers"] == 0 and result["summary_before_digest"]
    else:
        result = asyncio.run(
            run(args.notices, args.others, args.concurrency, args.rate, args.pause, args.command)
        )
        ok = result["rows_sent"] == args.notices and result["duplicates"] == 0
    # The machine's load (1, 5 and 15 minute averages) when the run began and ended: on a
    # shared machine the reply times follow it.
    result["load_average_start"] = [round(x, 2) for x in load_before]
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    text_out = json.dumps(result, indent=2)
    print(text_out)
    if args.out:
        args.out.write_text(text_out + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
