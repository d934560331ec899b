"""End to end over HTTP: /wakil names a deputy (both told), bad input changes nothing, the
deputy receives the approver's cards and decides in their name, /wakil selesai ends it."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import ProposalState
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, JAKARTA, NURSE_A, OUTSIDER, SUP_A

pytestmark = pytest.mark.e2e


async def test_wakil_hands_the_cards_to_a_deputy_who_decides_in_the_approvers_name(
    loop: E2E,
) -> None:
    loop.clock.current = dt.datetime(2026, 11, 23, 10, 0, tzinfo=JAKARTA)  # Monday
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver, deputy = users[APPROVER], users[SUP_A]

        await approver.send_command("/wakil", SUP_A, "31-02-2026")
        await approver.wait_for_message(contains="Tanggal tidak dikenali")
        await approver.send_command("/wakil", OUTSIDER, "27-11-2026")
        refused = await approver.wait_for_message(contains="tidak dapat menjadi wakil")
        assert OUTSIDER in refused.body
        async with loop.uows() as uow:
            assert await uow.delegations.list_all() == []

        await approver.send_command("/wakil", SUP_A, "27-11-2026")
        done = await approver.wait_for_message(contains="mewakili Anda")
        assert "Kapus Wonosari" in done.body and "27 November 2026" in done.body
        told = await deputy.wait_for_message(contains="Anda mewakili Kepala Dinkes", timeout=10)
        assert "27 November 2026" in told.body
        await approver.send_command("/wakil")
        await approver.wait_for_message(contains="Wakil Anda: Kapus Wonosari")

        # Tonight's plan: the approver's cards go to the deputy, who approves one.
        loop.clock.current = dt.datetime(2026, 11, 24, 1, 0, tzinfo=JAKARTA)
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        card = await deputy.wait_for_message(
            lambda m: "Usulan mutasi #" in m.body and "Siti Aminah" in m.body, timeout=15
        )
        assert not [m for m in approver.messages() if "Usulan mutasi #" in m.body]
        await deputy.press("✅ Setujui", card)
        await deputy.wait_for_message(contains="Disetujui oleh")  # the card, edited in place
        async with loop.uows() as uow:
            [siti] = [p for p in await uow.proposals.list_for_nip(NURSE_A)]
            decisions = await uow.decisions.list_for(siti.id or 0)
            audit = [e for e in await uow.audit.list() if e.action == "proposal.approve"]
        assert siti.state == ProposalState.APPROVED
        assert [d.approver_nip for d in decisions] == [APPROVER]
        assert audit[0].actor == SUP_A and (audit[0].after or {})["on_behalf_of"] == APPROVER
        edited = await deputy.wait_for_message(
            lambda m: m.message_id == card.message_id and "Disetujui oleh" in m.body, timeout=10
        )
        assert "Kapus Wonosari a.n. Kepala Dinkes" in edited.body

        await approver.send_command("/wakil", "selesai")
        await approver.wait_for_message(contains="diakhiri")
        await deputy.wait_for_message(contains="tidak lagi mewakili", timeout=10)
