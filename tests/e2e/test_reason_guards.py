"""Rejection and objection reasons: an approver out of scope is refused before being asked for a
reason; a reason over 1,000 characters is refused with its length and the limit (not cut), and
a shorter one then goes through."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from core.domain import ProposalState
from devtools.emulator import EmulatedUser
from tests.e2e.test_loop_e2e import card_of, state
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, JAKARTA, NURSE_A, OUTSIDER

pytestmark = pytest.mark.e2e


async def toast_of(user: EmulatedUser, timeout: float = 20) -> str:
    """The first toast (answerCallbackQuery text) USER was shown, waiting up to TIMEOUT s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [answer.text for answer in user.callback_answers() if answer.text]
        if texts:
            return texts[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user}: no press answered with a toast within {timeout}s")


async def test_an_outsider_is_refused_before_being_asked_for_a_reason(loop: E2E) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        approver, outsider = users[APPROVER], users[OUTSIDER]
        await approver.wait_for_message(contains="Siti Aminah", timeout=20)
        siti_id = (await state(loop))["proposals"][NURSE_A].id
        await outsider.press_data(outsider.last_message().message_id, f"apv:no:{siti_id}:0")
        # The refusal is a toast on the press (answerCallbackQuery), not a new message.
        refusal = await toast_of(outsider)
        assert "tidak sedang menunggu keputusan Anda" in refusal
        assert not [m for m in outsider.messages() if "alasan penolakan" in m.body]
        await outsider.send_text("alasan yang tidak pernah diminta")
        await outsider.wait_for_message(timeout=20)
    assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.PENDING


async def test_a_reason_that_is_too_long_is_refused_with_its_length_and_the_limit(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        approver = users[APPROVER]
        await approver.wait_for_message(contains="Siti Aminah", timeout=20)
        await approver.press("❌ Tolak", card_of(approver, "Siti Aminah"))
        await approver.wait_for_message(contains="alasan penolakan", timeout=20)
        await approver.send_text("x" * 1001)
        told = await approver.wait_for_message(contains="terlalu panjang", timeout=20)
        assert "1001 karakter, paling banyak 1000" in told.body
        assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.PENDING
        await approver.send_text("Puskesmas Wonosari I masih membutuhkan perawat")
        await approver.wait_for_message(contains="ditolak", timeout=20)
    now = await state(loop)
    assert now["proposals"][NURSE_A].state == ProposalState.REJECTED
