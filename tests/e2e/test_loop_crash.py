"""The bot process killed with SIGKILL while a notice is on its way: after a restart the notice
arrives exactly once (the outbox row was committed with the approval; the restart takes back
the dead process's claim at once)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.domain import OutboxStatus, ProposalState
from core.usecases.planning import propose_plan
from db.engine import create_engine, session_factory
from db.uow import uow_factory as make_uow_factory
from devtools.emulator import BotApiEmulator
from devtools.emulator.params import ApiError
from tests.support.clock import FakeClock
from tests.support.e2e import LOOP_TOKEN, EnginePlanner
from tests.support.loop_agency import APPROVER, CHAT, JAKARTA, LOOP_AGENCY, NURSE_A, rules

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m tests.support.e2e` with the clock in a file this test writes."""

    def __init__(self, api_url: str, database: Path, clock_file: Path) -> None:
        self.env = {
            **os.environ,
            "LOOP_API_URL": api_url,
            "LOOP_DB": str(database),
            "LOOP_CLOCK": str(clock_file),
        }
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.e2e"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        assert line.strip() == b"ready", line

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
async def world(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    path = tmp_path / "crash.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    uows = make_uow_factory(session_factory(engine))
    await LOOP_AGENCY.write_to(uows)
    clock_file = tmp_path / "now.txt"
    async with BotApiEmulator(LOOP_TOKEN, bot_username="mutasi_loop_bot") as emulator:
        users = {nip: emulator.user(chat, f"User{chat}") for nip, chat in CHAT.items()}
        bot = BotProcess(emulator.base_url, path, clock_file)
        try:
            yield {
                "uows": uows,
                "emulator": emulator,
                "users": users,
                "bot": bot,
                "clock_file": clock_file,
            }
        finally:
            bot.stop()
            await engine.dispose()


def set_clock(clock_file: Path, now: dt.datetime) -> None:
    clock_file.write_text(now.astimezone(dt.UTC).isoformat())


async def test_notice_arrives_exactly_once_after_sigkill_mid_send(world: dict[str, Any]) -> None:
    uows, emulator, users, bot = world["uows"], world["emulator"], world["users"], world["bot"]
    morning = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)
    set_clock(world["clock_file"], morning)
    outcome = await propose_plan(uows, FakeClock(morning), rules(), EnginePlanner())
    siti = next(p for p in outcome.proposals if p.nip == NURSE_A)
    nurse, approver = users[NURSE_A], users[APPROVER]

    # The emulator holds the notice's sendMessage and never carries it out: the process dies
    # with the request in flight, before Telegram delivered anything.
    real_send = emulator._methods["sendmessage"]
    in_flight = asyncio.Event()

    async def hold_notice(params: Any) -> Any:
        text = params.string("text") or ""
        if params.string("chat_id") == str(nurse.chat_id) and "Pemberitahuan mutasi" in text:
            in_flight.set()
            await asyncio.sleep(3600)
            raise ApiError(500, "never reached")
        return await real_send(params)

    emulator._methods["sendmessage"] = hold_notice
    await bot.start()
    card = await approver.wait_for_message(contains="Siti Aminah", timeout=20)
    await approver.press("✅ Setujui", card)
    await asyncio.wait_for(in_flight.wait(), timeout=20)
    async with uows() as uow:
        assert (await uow.proposals.get(siti.id)).state == ProposalState.APPROVED
        [notice_row] = [m for m in await uow.outbox.list() if m.kind == "notice"]
    # Marked "sending" by this process; the crash will not count as a delivery attempt.
    assert notice_row.status == OutboxStatus.SENDING and notice_row.attempts == 0
    bot.kill()
    emulator._methods["sendmessage"] = real_send
    assert not [m for m in nurse.messages() if "Pemberitahuan mutasi" in m.body]

    # Restarted at the same moment (no lease to wait for): the notice goes out once.
    await bot.start()
    await nurse.wait_for_message(contains="Pemberitahuan mutasi", timeout=20)
    # Let several dispatcher passes run; nothing more may arrive.
    await approver.send_command("/usulan")
    await approver.wait_for_message(timeout=10)
    bot.stop()
    notices = [m for m in nurse.messages() if "Pemberitahuan mutasi" in m.body]
    assert len(notices) == 1
    async with uows() as uow:
        [notice_row] = [m for m in await uow.outbox.list() if m.kind == "notice"]
    assert notice_row.status == OutboxStatus.SENT
    assert notice_row.telegram_message_id == notices[0].message_id


async def test_notice_committed_with_the_approval_survives_a_kill_before_any_send(
    world: dict[str, Any],
) -> None:
    uows, users, bot = world["uows"], world["users"], world["bot"]
    evening = dt.datetime(2026, 11, 24, 15, 59, tzinfo=JAKARTA)
    set_clock(world["clock_file"], evening)
    await propose_plan(uows, FakeClock(evening), rules(), EnginePlanner())
    nurse, approver = users[NURSE_A], users[APPROVER]
    await bot.start()
    card = await approver.wait_for_message(contains="Siti Aminah", timeout=20)
    set_clock(world["clock_file"], evening + dt.timedelta(minutes=2))  # 16:01: hours are over
    await approver.press("✅ Setujui", card)
    await approver.wait_for_message(contains="Disetujui oleh", timeout=10)
    bot.kill()  # right after the approval's commit; the notice waits for the morning
    async with uows() as uow:
        [row] = [m for m in await uow.outbox.list() if m.kind == "notice"]
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    set_clock(world["clock_file"], dt.datetime(2026, 11, 25, 7, 30, tzinfo=JAKARTA))
    await bot.start()
    await nurse.wait_for_message(contains="Pemberitahuan mutasi", timeout=20)
    await approver.send_command("/usulan")
    await approver.wait_for_message(timeout=10)
    bot.stop()
    assert len([m for m in nurse.messages() if "Pemberitahuan mutasi" in m.body]) == 1
