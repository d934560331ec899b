"""A tap stored in the inbox by a process that died is handled at the next start, although its
callback query is by then too old for Telegram to accept an answer: the decision is made."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import JsonValue, ProposalState
from tests.e2e.test_loop_e2e import card_of, state
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, CHAT, JAKARTA, NURSE_A

pytestmark = pytest.mark.e2e


async def test_a_replayed_tap_decides_even_when_its_query_is_too_old_to_answer(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        approver = users[APPROVER]
        await approver.wait_for_message(contains="Siti Aminah", timeout=20)
        card = card_of(approver, "Siti Aminah")
    siti_id = (await state(loop))["proposals"][NURSE_A].id
    chat = CHAT[APPROVER]
    tap: dict[str, JsonValue] = {
        "update_id": 990_000_001,
        "callback_query": {
            "id": "query-the-emulator-never-issued",
            "from": {"id": chat, "is_bot": False, "first_name": "Approver"},
            "chat_instance": str(chat),
            "data": f"apv:ok:{siti_id}:0",
            "message": {
                "message_id": card.message_id,
                "date": 1_790_000_000,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": loop.emulator.bot_id, "is_bot": True, "first_name": "Mutasi"},
                "text": "…",
            },
        },
    }
    async with loop.uows() as uow:  # what the killed process left: stored, not handled
        await uow.inbox.store(990_000_001, tap, loop.clock.now())
        await uow.commit()
    async with loop.running():
        # The decision edits its card (no toast can be shown: the query is too old).
        decided = await approver.wait_for_message(
            predicate=lambda m: m.message_id == card.message_id and "isetujui" in m.body,
            timeout=20,
        )
        assert decided.button_texts == []
    assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.APPROVED
    assert [c for c in loop.emulator.calls_of("answerCallbackQuery") if c.status == 400]
    async with loop.uows() as uow:
        assert await uow.inbox.is_handled(990_000_001)
