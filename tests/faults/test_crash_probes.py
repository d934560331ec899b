"""Fault probes: the real `mutasi serve` SIGKILLed at random moments, on SQLite and PostgreSQL.

* sending: a queue of notices for 16 people, 10 kills while they go out (each Bot API call
  takes 50-150 ms, as over a real network): 0 lost, at most 1 repeated per kill (the one whose
  call was in flight, i.e. "sending" in the outbox at the kill).
* approvals: an approver taps "approve" on 16 cards while the bot is killed 10 times (taps made
  while it is down wait at Telegram): every card decided exactly once, every notice delivered,
  at most 1 repeated per kill.
* queued updates: 16 people send /status three times each while the bot is killed 10 times:
  0 lost (every command answered).

Each probe prints its figures; with MUTASI_FAULTS_RESULTS=FILE they are also merged into FILE
(README.md and docs/reliability.md quote such a run).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.app import SystemClock
from core.domain.messages import AdminAlert
from core.usecases.outbox import enqueue
from core.usecases.planning import propose_plan
from db.engine import create_engine
from db.migrate import upgrade
from db.uow import uow_factory as make_uow_factory
from devtools.emulator import BotApiEmulator
from tests.faults.harness import (
    APPROVER_CHAT,
    FAULTS_AGENCY,
    NURSES,
    TOKEN,
    ServeProcess,
    Tally,
    kill_at_random,
    moves,
    nurse_chat,
    planning_rules,
    slow_sends,
)
from tests.support.fakes import stored_id
from tests.support.loop_agency import ScriptedEngine

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

KILLS = 10
PROBE = re.compile(r"NIP (m\d{3}) ")


@pytest.fixture
async def world(database_url: str, database_backend: str, tmp_path: Path) -> Any:
    upgrade(database_url)
    engine = create_engine(database_url)
    uows = make_uow_factory(engine)
    await FAULTS_AGENCY.write_to(uows)
    async with BotApiEmulator(TOKEN, bot_username="mutasi_faults_bot") as emulator:
        serve = ServeProcess(emulator, database_url, tmp_path / "serve.log")
        try:
            yield {"uows": uows, "emulator": emulator, "serve": serve, "backend": database_backend}
        finally:
            await serve.stop()
            await engine.dispose()


async def wait_until(condition: Any, timeout: float, what: str, uows: Any = None) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{await diagnosis(uows)}")
        await asyncio.sleep(0.2)


async def diagnosis(uows: Any) -> str:
    """What the database holds when a probe times out."""
    if uows is None:
        return ""
    async with uows() as uow:
        rows = await uow.outbox.list()
        unhandled = await uow.inbox.unhandled()
        plan = await uow.plans.latest()
        proposals = await uow.proposals.list_for_plan(plan.id) if plan and plan.id else []
    outbox = Counter((m.kind, m.status.value, m.attempts) for m in rows)
    states = Counter(p.state.value for p in proposals)
    return f"outbox {dict(outbox)}; proposals {dict(states)}; unhandled updates {len(unhandled)}"


def show(tally: Tally, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the probe's figures in the test run's output."""
    figures = tally.record()
    with capsys.disabled():
        print(f"\n[faults] {tally.scenario}[{tally.backend}]: {json.dumps(figures)}")


async def test_kills_while_sending_lose_nothing_and_repeat_at_most_one_per_kill(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    uows, emulator, serve = world["uows"], world["emulator"], world["serve"]
    users = [emulator.user(nurse_chat(i), f"N{i}") for i in range(NURSES)]
    slow_sends(emulator, (0.05, 0.15), seed=1)
    ids: dict[str, int] = {}
    now = dt.datetime.now(dt.UTC)
    async with uows() as uow:
        for round_ in range(8):
            for i in range(NURSES):
                token = f"m{round_ * NURSES + i:03d}"
                row = await enqueue(
                    uow,
                    nurse_chat(i),
                    AdminAlert(alert="failed", nips=(token,), kind="probe"),
                    now=now,
                    dedupe_key=f"probe:{token}",
                )
                assert row is not None  # queued (not `once`): a taken key would raise
                ids[token] = row.id or 0
        await uow.commit()
    tally = Tally("sending", world["backend"], items=len(ids))
    in_flight: list[set[int]] = []
    await kill_at_random(serve, uows, tally, KILLS, (0.3, 1.2), seed=2, in_flight=in_flight)

    def delivered() -> Counter[str]:
        seen: Counter[str] = Counter()
        for user in users:
            for message in user.messages():
                found = PROBE.search(message.body)
                if found:
                    seen[found.group(1)] += 1
        return seen

    await serve.start()
    await wait_until(lambda: len(delivered()) == len(ids), 120, "every probe message", uows)
    await asyncio.sleep(2.5)  # another dispatcher pass: nothing more may arrive
    await serve.stop()
    seen = delivered()
    tally.lost = len(ids) - len(seen)
    repeated = {ids[token] for token, count in seen.items() if count > 1}
    tally.repeats = sum(count - 1 for count in seen.values())
    tally.repeats_per_kill = [len(rows & repeated) for rows in in_flight]
    show(tally, capsys)
    assert tally.lost == 0
    assert max(tally.in_flight_at_kill) <= 1  # one Bot API call in flight at a time
    assert repeated <= set().union(*in_flight)  # only a message in flight at a kill repeats
    assert tally.repeats <= tally.kills and max(tally.repeats_per_kill) <= 1


async def test_kills_during_approvals_decide_each_card_once_and_lose_no_notice(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    uows, emulator, serve = world["uows"], world["emulator"], world["serve"]
    approver = emulator.user(APPROVER_CHAT, "Approver")
    nurses = [emulator.user(nurse_chat(i), f"N{i}") for i in range(NURSES)]
    slow_sends(emulator, (0.05, 0.15), seed=3)
    outcome = await propose_plan(uows, SystemClock(), planning_rules(), ScriptedEngine(moves()))
    assert len(outcome.proposals) == NURSES

    def cards() -> list[Any]:
        return [m for m in approver.messages() if "✅ Setujui" in m.button_texts]

    await serve.start()
    await wait_until(lambda: len(cards()) == NURSES, 120, "every card", uows)
    tally = Tally("approvals", world["backend"], items=NURSES)
    in_flight: list[set[int]] = []
    chance = random.Random(4)

    async def tap_all() -> None:
        for card in cards():
            await approver.press("✅ Setujui", card)
            await asyncio.sleep(chance.uniform(0.1, 0.5))

    await serve.kill()  # the first kill: right after the cards arrived
    tally.kills += 1
    tapping = asyncio.create_task(tap_all())
    await kill_at_random(serve, uows, tally, KILLS - 1, (0.3, 1.2), seed=5, in_flight=in_flight)
    await tapping

    def notices() -> Counter[int]:
        return Counter(
            user.chat_id
            for user in nurses
            for m in user.messages()
            if "Pemberitahuan mutasi" in m.body
        )

    await serve.start()
    await wait_until(lambda: len(notices()) == NURSES, 120, "every notice", uows)
    await asyncio.sleep(2.5)
    await serve.stop()
    seen = notices()
    async with uows() as uow:
        stored = await uow.proposals.list_for_plan(stored_id(outcome.plan))
        states = {p.state.value for p in stored}
        approvals = [e for e in await uow.audit.list() if e.action == "proposal.approve"]
        notice_rows = [m for m in await uow.outbox.list() if m.kind == "notice"]
    by_chat = {m.chat_id: m.id for m in notice_rows}
    repeated = {by_chat[chat] for chat, count in seen.items() if count > 1}
    tally.lost = NURSES - len(seen)
    tally.repeats = sum(count - 1 for count in seen.values())
    tally.repeats_per_kill = [len(rows & repeated) for rows in in_flight]
    tally.notes["decisions"] = len(approvals)
    show(tally, capsys)
    assert states == {"approved"} and len(approvals) == NURSES  # each card decided once
    assert len(notice_rows) == NURSES
    assert tally.lost == 0
    assert repeated <= set().union(*in_flight) if in_flight else not repeated
    assert tally.repeats <= tally.kills and max(tally.repeats_per_kill, default=0) <= 1


async def test_kills_with_updates_queued_lose_none(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, serve, uows = world["emulator"], world["serve"], world["uows"]
    nurses = [emulator.user(nurse_chat(i), f"N{i}") for i in range(NURSES)]
    slow_sends(emulator, (0.1, 0.3), seed=6)
    rounds = 3
    tally = Tally("queued_updates", world["backend"], items=NURSES * rounds)
    in_flight: list[set[int]] = []
    chance = random.Random(7)

    async def write() -> None:
        for _ in range(rounds):
            for user in nurses:
                await user.send_command("/status")
            await asyncio.sleep(chance.uniform(0.5, 2.0))

    writing = asyncio.create_task(write())
    await kill_at_random(serve, uows, tally, KILLS, (0.3, 1.0), seed=8, in_flight=in_flight)
    await writing

    def answered() -> dict[int, int]:
        return {
            user.chat_id: len([m for m in user.messages() if "Puskesmas Wonosari I" in m.body])
            for user in nurses
        }

    await serve.start()
    await wait_until(
        lambda: all(count >= rounds for count in answered().values()), 120, "every answer"
    )
    await asyncio.sleep(1.0)
    await serve.stop()
    counts = answered()
    tally.lost = sum(max(0, rounds - count) for count in counts.values())
    tally.repeats = sum(max(0, count - rounds) for count in counts.values())
    tally.notes["unconfirmed_at_telegram_after"] = emulator.pending_update_count
    show(tally, capsys)
    assert tally.lost == 0
    async with uows() as uow:
        assert await uow.inbox.unhandled() == []
