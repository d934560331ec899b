"""A committee member's presses read through core.views.committee_card: forged stages and
numbers, and people outside the committee."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.domain import ProposalState
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.test_committee import TEAM
from tests.handlers.test_phone import seed_move
from tests.support.handler_agency import KEPALA, SITI

KEPALA_ID, SITI_ID = 603, 601


@pytest.fixture
async def h(migrated_database_url: str) -> AsyncIterator[Harness]:
    """The whole bot with a committee at the first of two stages."""
    async with running_harness(migrated_database_url, **TEAM) as harness:
        yield harness


async def _pending(h: Harness, pid: int) -> bool:
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None
    return proposal.state == ProposalState.PENDING and proposal.stage == 0


async def test_an_outsider_pressing_a_members_buttons_gets_a_toast_and_nothing_changes(
    h: Harness,
) -> None:
    pid = await seed_move(h)
    await h.register(SITI_ID, SITI.nip)
    for data in (f"kom:yes:{pid}:0", f"kom:info:{pid}:0", f"kom:no:{pid}:0"):
        reply = await h.press(SITI_ID, data)
        assert reply.method == "answerCallbackQuery" and "anggota" in reply.text, reply.text
    assert await _pending(h, pid)


async def test_a_member_pressing_forged_stages_and_numbers_is_answered(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(KEPALA_ID, KEPALA.nip)
    for data in (
        f"kom:info:{pid}:1",
        f"kom:info:{pid}:7",
        f"kom:info:{pid}:-1",
        f"kom:yes:{pid}:1",
        f"kom:info:{pid + 999}:0",
        f"kom:less:{pid + 999}:0",
    ):
        h.request.forget()
        reply = await h.press(KEPALA_ID, data)
        assert reply.text, data
        assert "kesalahan di sistem" not in reply.text, (data, reply.text)
    assert await _pending(h, pid)


async def test_a_member_reads_the_details_with_the_tally_and_votes(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(KEPALA_ID, KEPALA.nip)
    voted = await h.press(KEPALA_ID, f"kom:yes:{pid}:0")
    assert "kesalahan" not in voted.text
    details = await h.press(KEPALA_ID, f"kom:info:{pid}:0")
    assert "Dr. Bambang Hartono" in details.text and "1" in details.text, details.text
