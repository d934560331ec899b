"""`mutasi health`: one line per check, exit 0 when all is well and 1 when not (a message
overdue in the outbox, the Bot API not answering, an old schema)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from core.domain import OutboxMessage
from devtools.emulator.ptb_app import free_port
from tests.support.e2e import E2E, TOKEN
from tests.support.outbox_samples import sample

pytestmark = pytest.mark.e2e
MUTASI = str(Path(sys.executable).with_name("mutasi"))


async def _health(runtime: E2E, *args: str, **env: str) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
    values = {
        "MUTASI_BOT_TOKEN": TOKEN,
        "MUTASI_BOT_API_URL": runtime.emulator.base_url,
        "MUTASI_DATABASE_URL": f"sqlite:///{runtime.database_path}",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        MUTASI,
        *args,
        "health",
        env={**clean, **values},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_healthy_bot_reports_every_check_ok_and_exits_zero(runtime: E2E) -> None:
    code, out, err = await _health(runtime)
    assert code == 0, out + err
    names = [line.split()[1] for line in out.splitlines()]
    assert names == ["database", "schema", "agency", "outbox", "plan", "telegram"]
    assert all(line.startswith("ok") for line in out.splitlines())
    assert "@mutasi_test_bot" in out and "(terbaru)" in out


async def test_an_overdue_message_makes_the_bot_unhealthy(runtime: E2E) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    async with runtime.uows() as uow:
        await uow.outbox.add(OutboxMessage(None, 1001, sample("reminder"), long_ago))
        await uow.commit()
    code, out, _ = await _health(runtime, "--lang", "en")
    assert code == 1
    outbox = next(line for line in out.splitlines() if line.split()[1] == "outbox")
    assert outbox.startswith("FAILED") and "1 message waiting" in outbox


async def test_a_bot_api_that_does_not_answer_makes_the_bot_unhealthy(
    runtime: E2E,
) -> None:
    code, out, _ = await _health(runtime, MUTASI_BOT_API_URL=f"http://127.0.0.1:{free_port()}/bot")
    assert code == 1
    telegram = out.splitlines()[-1]
    assert telegram.startswith("GAGAL") and "Bot API tidak dapat dihubungi" in telegram
    assert TOKEN not in out


async def test_a_rejected_token_is_named_without_showing_it(runtime: E2E) -> None:
    code, out, _ = await _health(runtime, MUTASI_BOT_TOKEN="999:WRONG-token")
    assert code == 1
    assert "Telegram menolak MUTASI_BOT_TOKEN" in out and "WRONG" not in out
