"""Blocking the bot is not unbinding: the 403 marks the chat undeliverable only; when the person
writes again their held notice arrives once, and /status and their own invitation code work."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import OutboxStatus
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import ADMIN, APPROVER, JAKARTA, NURSE_A

pytestmark = pytest.mark.e2e


async def test_a_person_who_blocked_the_bot_gets_the_notice_once_after_unblocking(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver, nurse, admin = users[APPROVER], users[NURSE_A], users[ADMIN]
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        card = await approver.wait_for_message(contains="Siti Aminah", timeout=20)
        nurse.block_bot()
        await approver.press("✅ Setujui", card)
        await approver.wait_for_message(contains="Disetujui oleh")  # the card, edited
        alert = await admin.wait_for_message(contains="memblokir bot", timeout=20)
        assert NURSE_A in alert.body
        async with loop.uows() as uow:
            [account] = await uow.accounts.list_for_nip(NURSE_A)
            [notice] = [m for m in await uow.outbox.list() if m.kind == "notice"]
        assert account.undeliverable and not account.blocked
        assert notice.status == OutboxStatus.UNDELIVERABLE
        assert not [m for m in nurse.messages() if "Pemberitahuan mutasi" in m.body]

        # Writing to the bot again (the emulator unblocks a chat that writes) clears the mark.
        await nurse.send_command("/status")
        status = await nurse.wait_for_message(timeout=20)
        assert "belum terdaftar" not in status.body and "Puskesmas Wonosari I" in status.body
        await nurse.wait_for_message(contains="Pemberitahuan mutasi", timeout=20)
        # Their own invitation link still says they are registered, not "already used".
        await nurse.send_command("/start", f"loop{nurse.user_id}{NURSE_A[-6:]}")
        again = await nurse.wait_for_message(timeout=20)
        assert "Anda sudah terdaftar sebagai" in again.body
        await approver.send_command("/usulan")  # let more dispatcher passes run
        await approver.wait_for_message(timeout=20)
    notices = [m for m in nurse.messages() if "Pemberitahuan mutasi" in m.body]
    assert len(notices) == 1
    async with loop.uows() as uow:
        [account] = await uow.accounts.list_for_nip(NURSE_A)
        [notice] = [m for m in await uow.outbox.list() if m.kind == "notice"]
    assert not account.undeliverable and notice.status == OutboxStatus.SENT
