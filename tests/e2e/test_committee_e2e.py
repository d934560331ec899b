"""End to end over HTTP (issue 10 step 7): after the Kepala OPD approves, the three members of the
Tim Penilai Kinerja get the card; they vote (one dissent with its reason), a second tap is
refused with a toast, the stage passes at its quorum of two, every member's copy is edited and
the PPK gets the card."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.domain import Role, RoleGrant, ScopeKind
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, CLERK, JAKARTA, NURSE_A, OUTSIDER, SUP_A, SUP_B

pytestmark = pytest.mark.e2e

MEMBERS = (SUP_A, SUP_B, CLERK)
TEAM: dict[str, Any] = {
    "approval_chain": "kepala_opd:opd,tpk,ppk",
    "committee_stage": "tpk",
    "committee_members": ",".join(MEMBERS),
    "committee_quorum": 2,
}


def about_siti(stage: int) -> object:
    return lambda m: "Siti Aminah" in m.body and f"tahap {stage}/3" in m.body and m.buttons


async def test_the_team_votes_on_its_cards_and_the_stage_passes_at_its_quorum(
    loop: E2E,
) -> None:
    async with loop.uows() as uow:
        await uow.roles.grant(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
        await uow.commit()
    async with loop.running(**TEAM) as app:
        users = await loop.register_everyone()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        head = users[APPROVER]
        card = await head.wait_for_message(about_siti(1), timeout=20)  # type: ignore[arg-type]
        await head.press("✅ Setujui", card)

        cards = {}
        for nip in MEMBERS:
            cards[nip] = await users[nip].wait_for_message(about_siti(2), timeout=20)  # type: ignore[arg-type]
            assert "Tim Penilai Kinerja" in cards[nip].body
            assert "lolos bila 2 dari 3 anggota setuju" in cards[nip].body
            assert cards[nip].button_texts == ["✅ Setuju", "❌ Tidak setuju", "ℹ️ Rincian"]
        async with loop.uows() as uow:
            [siti] = await uow.proposals.list_for_nip(NURSE_A)
        pid = siti.id
        assert not [m for m in users[OUTSIDER].messages() if "Siti Aminah" in m.body]

        first = users[SUP_A]
        query = await first.press("✅ Setuju", cards[SUP_A])
        answer = await first.wait_for_callback_answer(query, timeout=20)
        assert "1 dari 2 suara setuju" in (answer.text or "")
        voted = await first.wait_for_message(
            lambda m: m.message_id == cards[SUP_A].message_id and "Suara Anda" in m.body,
            timeout=10,
        )
        assert voted.button_texts == ["ℹ️ Rincian"]
        # Every other member's copy is edited with the tally and keeps its vote buttons.
        for nip in (SUP_B, CLERK):
            tallied = await users[nip].wait_for_message(
                lambda m, n=nip: (
                    m.message_id == cards[n].message_id  # type: ignore[misc]
                    and "Suara sejauh ini: 1 setuju, 0 tidak setuju" in m.body
                ),
                timeout=15,
                after=0,
            )
            assert "Suara Anda" not in tallied.body
            assert tallied.button_texts == ["✅ Setuju", "❌ Tidak setuju", "ℹ️ Rincian"]
        again = await first.press_data(cards[SUP_A].message_id, f"kom:no:{pid}:1")
        refused = await first.wait_for_callback_answer(again, timeout=20)
        assert "sudah memberi suara" in (refused.text or "")

        second = users[SUP_B]
        await second.press("❌ Tidak setuju", cards[SUP_B])
        await second.wait_for_message(contains="mengapa Anda tidak setuju", timeout=10)
        await second.send_text("Unit asal kehilangan perawat IGD")
        await second.wait_for_message(contains="tercatat", timeout=10)
        # The third member's copy now shows both votes, still with the buttons.
        await users[CLERK].wait_for_message(
            lambda m: (
                m.message_id == cards[CLERK].message_id
                and "Suara sejauh ini: 1 setuju, 1 tidak setuju" in m.body
                and "✅ Setuju" in m.button_texts
            ),
            timeout=15,
            after=0,
        )

        third = users[CLERK]
        query = await third.press("✅ Setuju", cards[CLERK])
        passed = await third.wait_for_callback_answer(query, timeout=20)
        assert "kuorum tercapai" in (passed.text or "")

        # Every member's copy says what the team decided; the PPK gets the card of stage 3.
        for nip in MEMBERS:
            await users[nip].wait_for_message(
                lambda m, n=nip: (
                    m.message_id == cards[n].message_id  # type: ignore[misc]
                    and "disetujui oleh Tim Penilai Kinerja" in m.body
                ),
                timeout=15,
                after=0,
            )
        await users[OUTSIDER].wait_for_message(about_siti(3), timeout=20)  # type: ignore[arg-type]
        async with loop.uows() as uow:
            votes = await uow.committee_votes.list_for(pid or 0)
            stored = await uow.proposals.get(pid or 0)
        assert [(v.member_nip, v.approved) for v in votes] == [
            (SUP_A, True),
            (SUP_B, False),
            (CLERK, True),
        ]
        assert stored is not None and stored.stage == 2
