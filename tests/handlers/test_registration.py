"""Flow 1 through the handlers: invitations bind accounts; anything else is refused politely."""

from __future__ import annotations

import datetime as dt

from tests.handlers.conftest import Harness
from tests.support.handler_agency import DEWI, SITI


async def test_invited_asn_registers_and_sees_her_menu(h: Harness) -> None:
    await h.invite(SITI.nip, "goodcode123")
    reply = await h.command(501, "/start goodcode123")
    assert "Pendaftaran berhasil" in reply.text
    assert "/aspirasi" in reply.text and "/bebankerja" not in reply.text
    async with h.uows() as uow:
        account = await uow.accounts.get_by_telegram(501)
        events = await uow.audit.list(f"employee:{SITI.nip}")
    assert account is not None and account.nip == SITI.nip
    assert [e.action for e in events] == ["account.bind"]


async def test_used_invitation_is_refused_and_binds_nobody(h: Harness) -> None:
    await h.invite(SITI.nip, "onceonly")
    await h.command(501, "/start onceonly")
    reply = await h.command(502, "/start onceonly")
    assert "sudah pernah dipakai" in reply.text
    async with h.uows() as uow:
        assert await uow.accounts.get_by_telegram(502) is None


async def test_expired_invitation_is_refused(h: Harness) -> None:
    await h.invite(DEWI.nip, "oldcode", days=14)
    h.clock.advance(dt.timedelta(days=15))
    reply = await h.command(503, "/start oldcode")
    assert "kedaluwarsa" in reply.text
    async with h.uows() as uow:
        assert await uow.accounts.get_by_telegram(503) is None


async def test_random_code_is_refused_in_english_for_an_english_client(h: Harness) -> None:
    reply = await h.command(504, "/start notarealcode", language="en")
    assert "invitation code is not known" in reply.text


async def test_second_telegram_account_for_an_employee_needs_an_admin(h: Harness) -> None:
    await h.register(501, SITI.nip)
    await h.invite(SITI.nip, "secondcode")
    reply = await h.command(505, "/start secondcode")
    assert "admin" in reply.text
    async with h.uows() as uow:
        assert await uow.accounts.get_by_telegram(505) is None


async def test_unregistered_user_is_refused_everything_but_the_public_commands(
    h: Harness,
) -> None:
    for command in ("/aspirasi", "/status", "/bebankerja", "/dataku", "/undang"):
        reply = await h.command(600, command)
        assert "belum terdaftar" in reply.text, command
    assert "/start" in (await h.command(600, "/bantuan")).text
    assert "Pemberitahuan privasi" in (await h.command(600, "/privasi")).text


async def test_registration_publishes_the_callers_own_menu(h: Harness) -> None:
    await h.register(501, SITI.nip)
    menus = [c for c in h.request.calls if c.method == "setMyCommands"]
    scopes = [c.params.get("scope") for c in menus]
    assert {"type": "chat", "chat_id": 501} in scopes, scopes
