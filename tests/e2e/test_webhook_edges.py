"""Webhook edges: a secret Telegram would refuse stops `mutasi serve` with one line; a body that
is not an update gets 400 and changes nothing; the same update posted twice is handled once."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.serve import WebhookConfig
from devtools.emulator.ptb_app import free_port
from tests.e2e.test_bot_serve import _run
from tests.support.e2e import E2E, TOKEN

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("secret", ["has spaces!", "ä" * 3, "x" * 257])
async def test_a_webhook_secret_telegram_refuses_is_a_one_line_start_up_error(
    runtime: E2E, secret: str
) -> None:
    code, err = await _run(
        runtime,
        MUTASI_BOT_TOKEN=TOKEN,
        MUTASI_WEBHOOK_URL="https://bot.example.org/telegram",
        MUTASI_WEBHOOK_SECRET=secret,
    )
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("galat: MUTASI_WEBHOOK_SECRET: Telegram hanya menerima A-Z")
    assert secret not in lines[0]


async def test_a_malformed_body_is_400_and_a_repeated_update_is_handled_once(
    runtime: E2E,
) -> None:
    port = free_port()
    hook = WebhookConfig(f"http://127.0.0.1:{port}/telegram", "right-secret", "127.0.0.1", port)
    headers = {"X-Telegram-Bot-Api-Secret-Token": "right-secret"}
    update = {
        "update_id": 424242,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 3003, "type": "private"},
            "from": {"id": 3003, "is_bot": False, "first_name": "Guest"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    guest = runtime.emulator.user(3003, "Guest")
    async with runtime.running(webhook=hook), aiohttp.ClientSession() as http:
        statuses = []
        for body in (b"{not json", b"[1, 2]", b'{"message": {}}', b"\xff\xfe"):
            async with http.post(hook.url, data=body, headers=headers) as response:
                statuses.append(response.status)
        assert statuses == [400, 400, 400, 400]
        async with http.post(hook.url, data=json.dumps(update), headers={}) as response:
            assert response.status == 403  # no secret
        for _ in range(2):
            async with http.post(hook.url, data=json.dumps(update), headers=headers) as response:
                assert response.status == 200
        await guest.wait_for_message(contains="belum terdaftar", timeout=10)
        await guest.send_command("/bantuan")  # a later update: the repeat had its chance first
        await guest.wait_for_message(timeout=10)
    replies = [m for m in guest.messages() if "belum terdaftar" in m.body]
    assert len(replies) == 1
    async with runtime.uows() as uow:
        assert await uow.inbox.is_handled(424242)
