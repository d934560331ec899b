"""End to end over HTTP (issue 15, after approval): the objection window starts at the notice's
delivery, an objection the approvers let wait is reminded and raised to the admins, and an admin
rules on it with the same buttons."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.domain import ProposalState
from tests.e2e.test_loop_e2e import card_of, run_daily, state
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import ADMIN, APPROVER, JAKARTA, NURSE_A

pytestmark = pytest.mark.e2e


async def delivered_at(loop: E2E) -> dt.datetime:
    """When the outbox recorded the notice as sent (it records just after Telegram answers)."""
    for _ in range(50):
        proposal = (await state(loop))["proposals"][NURSE_A]
        if proposal.notice_delivered_at is not None:
            return proposal.notice_delivered_at  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    raise AssertionError("the notice's delivery was never recorded")


def morning(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 8, 0, tzinfo=JAKARTA)


async def test_an_objection_left_waiting_is_reminded_escalated_and_ruled_by_an_admin(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver, nurse, admin = users[APPROVER], users[NURSE_A], users[ADMIN]
        await fire_nightly(app)
        loop.clock.current = morning(24)  # Tuesday
        await approver.wait_for_message(contains="Budi Santoso", timeout=10)
        await approver.press("✅ Setujui", card_of(approver, "Siti Aminah"))
        notice = await nurse.wait_for_message(contains="Pemberitahuan mutasi", timeout=10)
        assert "sejak pemberitahuan ini Anda terima" in notice.body
        # The route after the SK is one tap away (ℹ️ Rincian edits the same message).
        await nurse.press("ℹ️ Rincian", notice)
        details = await nurse.wait_for_message(
            lambda m: m.message_id == notice.message_id and "PP 79/2021" in m.body
        )
        assert "PPK" in details.body
        # The window's start is the delivery the emulator acknowledged, not the approval.
        delivered = await delivered_at(loop)
        assert delivered == loop.clock.current

        await nurse.press("📝 Ajukan keberatan", notice)
        await nurse.wait_for_message(contains="alasan keberatan")
        await nurse.send_text("Anak saya bersekolah di Wonosari")
        sent = await nurse.wait_for_message(contains="Keberatan Anda telah dikirim")
        assert "10 hari kerja" in sent.body
        card = await approver.wait_for_message(contains="Keberatan atas usulan", timeout=10)
        assert "Putuskan paling lambat 8 Desember 2026" in card.body

        # Two working days on: the approvers are reminded.
        loop.clock.current = morning(26)
        await run_daily(app)
        await approver.wait_for_message(contains="Pengingat: keberatan", timeout=10)
        assert not [m for m in admin.messages() if "Dinaikkan ke admin" in m.body]

        # Five working days on: the admins get the card, and one of them rules.
        loop.clock.current = morning(1, 12)
        await run_daily(app)
        raised = await admin.wait_for_message(contains="Dinaikkan ke admin", timeout=10)
        assert raised.button_texts == ["➡️ Tetap dimutasi", "🚫 Batalkan mutasi"]
        query = await admin.press("➡️ Tetap dimutasi", raised)
        ruled = await admin.wait_for_callback_answer(query)  # a toast; the card is edited
        assert "mutasi dipertahankan" in (ruled.text or "")
        await admin.wait_for_message(lambda m: m.message_id == raised.message_id and not m.buttons)
        await nurse.wait_for_message(contains="mutasi tetap berlaku", timeout=10)
        after = (await state(loop))["proposals"][NURSE_A]
        assert after.state == ProposalState.APPROVED
        assert "objection.upheld" in (await state(loop))["audit"]
