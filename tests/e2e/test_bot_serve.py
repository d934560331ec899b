"""`mutasi serve` for real: polling and webhook (with its secret), menus per role and language,
a clear one-line exit without a token or with a rejected one, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.serve import ServeError, WebhookConfig, running_bot
from core.domain import TelegramAccount
from devtools.emulator.ptb_app import free_port
from tests.support.e2e import E2E, TOKEN
from tests.support.handler_agency import KEPALA, SITI
from tests.support.outbox_samples import sample

pytestmark = pytest.mark.e2e
MUTASI = str(Path(sys.executable).with_name("mutasi"))


async def test_webhook_mode_answers_only_updates_carrying_the_secret(runtime: E2E) -> None:
    port = free_port()
    hook = WebhookConfig(f"http://127.0.0.1:{port}/telegram", "s3cret-token", "127.0.0.1", port)
    guest = runtime.emulator.user(2001, "Guest")
    async with runtime.running(webhook=hook):
        assert runtime.emulator.webhook_url == hook.url
        await guest.send_command("/start")
        await guest.wait_for_message(contains="belum terdaftar")
        answered = len(guest.messages())
        runtime.emulator.webhook_secret_override = "forged"
        await guest.send_command("/bantuan")
        delivery = await runtime.emulator.wait_for_webhook_delivery(
            lambda d: d.secret_token_sent == "forged"
        )
        assert delivery.status == 403
        assert len(guest.messages()) == answered


async def test_start_publishes_menus_per_role_and_language(runtime: E2E) -> None:
    async with runtime.uows() as uow:
        await uow.accounts.save(TelegramAccount(3001, KEPALA.nip, "en", 3001))
        await uow.commit()
    async with runtime.running():
        default = dict(runtime.emulator.commands({"type": "default"}))
        english = dict(runtime.emulator.commands({"type": "default"}, "en"))
        supervisor = dict(runtime.emulator.commands({"type": "chat", "chat_id": 3001}))
    assert "aspirasi" in default and "bebankerja" not in default
    assert default["bahasa"] == "Bahasa Indonesia / English"
    assert english["dataku"] == "Download your data"
    assert supervisor["bebankerja"] == "Report your unit's workload"
    assert "undang" not in supervisor


async def test_a_token_telegram_rejects_is_one_clear_error(runtime: E2E) -> None:
    application = runtime.build(bot_token="999:NOT-THE-TOKEN")
    with pytest.raises(ServeError, match="Telegram rejected MUTASI_BOT_TOKEN"):
        async with running_bot(application):
            pass


def _env(runtime: E2E, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
    env.update(
        MUTASI_BOT_API_URL=runtime.emulator.base_url,
        MUTASI_DATABASE_URL=f"sqlite:///{runtime.database_path}",
        **values,
    )
    return env


async def _run(runtime: E2E, **values: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        MUTASI,
        "serve",
        env=_env(runtime, **values),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_serve_without_a_token_exits_non_zero_with_one_line(runtime: E2E) -> None:
    code, err = await _run(runtime)
    assert code != 0
    assert err.strip().splitlines() == [
        "galat: MUTASI_BOT_TOKEN belum diisi: isi dengan token bot dari BotFather"
    ]


async def test_serve_with_a_rejected_token_exits_non_zero_with_one_line(
    runtime: E2E,
) -> None:
    code, err = await _run(runtime, MUTASI_BOT_TOKEN="999:REJECTED")
    assert code != 0
    lines = [line for line in err.strip().splitlines() if line.startswith("galat:")]
    assert len(lines) == 1 and "Telegram menolak MUTASI_BOT_TOKEN" in lines[0]
    assert "REJECTED" not in err


async def test_serve_polls_answers_and_stops_cleanly_on_sigterm(runtime: E2E) -> None:
    process = await asyncio.create_subprocess_exec(
        MUTASI,
        "serve",
        env=_env(runtime, MUTASI_BOT_TOKEN=TOKEN),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await runtime.emulator.wait_for_call("getUpdates", timeout=60)
        guest = runtime.emulator.user(2002, "Guest")
        await guest.send_command("/start")
        await guest.wait_for_message(contains="belum terdaftar", timeout=30)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0


async def _start_serve(runtime: E2E) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        MUTASI,
        "serve",
        env=_env(runtime, MUTASI_BOT_TOKEN=TOKEN),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return process


async def _stop(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> None:
    if process.returncode is None:
        process.send_signal(sig)
        await asyncio.wait_for(process.wait(), timeout=30)


async def test_a_dialogue_survives_killing_the_serve_process(runtime: E2E) -> None:

    runtime.clock.current = dt.datetime.now(dt.UTC)  # the serve process uses the real clock
    await runtime.invite(SITI.nip, "processrestart")
    siti = runtime.emulator.user(1001, "Siti")
    first = await _start_serve(runtime)
    try:
        await siti.send_command("/start", "processrestart")
        await siti.wait_for_message(contains="Pendaftaran berhasil", timeout=30)
        await siti.send_command("/aspirasi")
        await siti.wait_for_message(contains="Pilihan ke-1", timeout=10)
        await siti.press("Puskesmas Cempaka (PKM-C)")
        await siti.wait_for_message(contains="Tambah pilihan ke-2", timeout=10)
    finally:
        await _stop(first, signal.SIGKILL)
    second = await _start_serve(runtime)
    try:
        await siti.press("✅ Cukup")
        await siti.wait_for_message(contains="Pekerjaan apa", timeout=30)
        for button, answer in (
            ("Sama: Perawat Terampil", "alasan utama"),
            ("Kesehatan", "Ceritakan alasan"),
            ("Lewati", "Seberapa bersedia"),
            ("Bersedia", "Periksa aspirasi"),
            ("📨 Kirim", "Aspirasi tersimpan"),
        ):
            await siti.press(button)
            await siti.wait_for_message(contains=answer, timeout=10)
    finally:
        await _stop(second)
    assert second.returncode == 0
    async with runtime.uows() as uow:
        wish = await uow.aspirations.current_for(SITI.nip)
    assert wish is not None and wish.wish.choices == ("PKM-C",)


async def test_webhook_mode_serves_the_health_report_at_healthz(runtime: E2E) -> None:
    import aiohttp

    from core.domain import OutboxMessage

    port = free_port()
    hook = WebhookConfig(f"http://127.0.0.1:{port}/telegram", "s3cret-token", "127.0.0.1", port)
    async with runtime.running(webhook=hook), aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            healthy = (response.status, await response.json())
        async with runtime.uows() as uow:
            overdue = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
            await uow.outbox.add(OutboxMessage(None, 1001, sample("reminder"), overdue))
            await uow.commit()
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            unhealthy = (response.status, await response.json())
        async with http.get(f"http://127.0.0.1:{port}/telegram") as response:
            wrong_method = response.status
    assert healthy[0] == 200 and healthy[1]["status"] == "ok"
    assert set(healthy[1]["checks"]) == {
        "database", "schema", "agency", "outbox", "plan", "telegram",
    }  # fmt: skip
    assert "@mutasi_test_bot" in healthy[1]["checks"]["telegram"]["detail"]
    assert unhealthy[0] == 503 and unhealthy[1]["status"] == "unhealthy"
    assert unhealthy[1]["checks"]["outbox"]["ok"] is False
    assert wrong_method == 405
