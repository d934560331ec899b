"""The committee stage in the chat (issue 10 step 7): members vote on their card, the pressed card
shows the vote and the tally, a second tap or a late tap gets a toast, outsiders are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.usecases.approval.cards import card_payload, content_of
from handlers.approval import render_card
from handlers.commands import publish_role_menus
from handlers.i18n import translator
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.test_phone import seed_move
from tests.support.handler_agency import DEWI, KEPALA, RINA, SITI

SITI_ID, DEWI_ID, KEPALA_ID, RINA_ID = 601, 602, 603, 604
MEMBERS = (KEPALA.nip, RINA.nip, DEWI.nip)


#: A chain `tpk,ppk` whose first stage is a committee of three (two agree).
TEAM: dict[str, Any] = {
    "approval_chain": "tpk,ppk",
    "committee_stage": "tpk",
    "committee_members": ",".join(MEMBERS),
    "committee_quorum": 2,
}


@pytest.fixture
async def h(migrated_database_url: str) -> AsyncIterator[Harness]:
    """The whole bot with the TEAM's chain."""
    async with running_harness(migrated_database_url, **TEAM) as harness:
        yield harness


async def test_members_vote_on_the_card_until_the_quorum_agrees(h: Harness) -> None:
    pid = await seed_move(h)
    for user_id, person, language in (
        (KEPALA_ID, KEPALA, "id"),
        (RINA_ID, RINA, "id"),
        (DEWI_ID, DEWI, "en"),
        (SITI_ID, SITI, "id"),
    ):
        await h.register(user_id, person.nip, language)
    rules = h.app.bot_data.services.rules.approval
    # The card as a member receives it: the stage, the team and its quorum, the vote buttons.
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
        assert proposal is not None
        payload = card_payload(
            proposal, rules, await content_of(uow, proposal, rules, h.clock.now())
        )
    text, markup = render_card(translator("id"), payload)
    assert "tahap 1/2" in text and "Tim Penilai Kinerja" in text
    assert "lolos bila 2 dari 3 anggota setuju" in text
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels == ["✅ Setuju", "❌ Tidak setuju", "ℹ️ Rincian"]

    # Someone outside the team is refused and nothing is recorded.
    toast = await h.press(SITI_ID, f"kom:yes:{pid}:0")
    assert "bukan anggota" in toast.params["text"]

    # The first member agrees: the pressed card shows the vote and the tally; a toast says so.
    h.request.forget()
    await h.press(KEPALA_ID, f"kom:yes:{pid}:0")
    [edit] = [c for c in h.request.calls if c.method == "editMessageText"]
    assert "Suara Anda: ✅ setuju" in edit.text
    assert "1 setuju, 0 tidak setuju (perlu 2 dari 3 setuju)" in edit.text
    assert [label for label, _ in edit.buttons] == ["ℹ️ Rincian"]
    assert "1 dari 2 suara setuju" in h.request.last_toast()

    # A second tap by the same member: a toast, nothing changes.
    again = await h.press(KEPALA_ID, f"kom:no:{pid}:0")
    assert "sudah memberi suara" in again.params["text"] and "setuju" in again.params["text"]

    # The second member disagrees: asked for the reason first, then the vote is kept.
    asked = await h.press(RINA_ID, f"kom:no:{pid}:0")
    assert "mengapa Anda tidak setuju" in asked.text
    done = await h.command(RINA_ID, "Formasi unit tujuan sudah penuh")
    assert "tercatat" in done.text

    # The third (in English) agrees: the quorum is reached and the stage goes on.
    h.request.forget()
    await h.press(DEWI_ID, f"kom:yes:{pid}:0")
    assert "quorum reached; forwarded to stage 2" in h.request.last_toast()
    [edit] = [c for c in h.request.calls if c.method == "editMessageText"]
    assert "Stage 1/2 approved by Tim Penilai Kinerja, forwarded to stage 2 (ppk)" in edit.text
    async with h.uows() as uow:
        stored = await uow.proposals.get(pid)
        votes = await uow.committee_votes.list_for(pid)
        events = [e.action for e in await uow.audit.list(f"proposal:{pid}")]
    assert stored is not None and stored.stage == 1
    assert [(v.member_nip, v.approved) for v in votes] == [
        (KEPALA.nip, True),
        (RINA.nip, False),
        (DEWI.nip, True),
    ]
    assert votes[1].reason == "Formasi unit tujuan sudah penuh"
    assert events.count("committee.vote") == 3

    # A tap after the stage decided says which stage decided and who decides now.
    late = await h.press(RINA_ID, f"kom:yes:{pid}:0")
    assert "tahap 1/2 sudah disetujui oleh Tim Penilai Kinerja" in late.params["text"]

    # ℹ️ Rincian lists every vote with its time and the dissent's reason.
    details = await h.press(KEPALA_ID, f"kom:info:{pid}:0")
    assert "✅ Dr. Bambang Hartono setuju" in details.text
    assert "❌ Rina Kartika tidak setuju" in details.text
    assert "Formasi unit tujuan sudah penuh" in details.text


def published_menu(h: Harness, chat_id: int) -> list[str]:
    """The commands of the last menu the bot set for CHAT_ID (setMyCommands, chat scope)."""
    menus = [
        c.params
        for c in h.request.calls
        if c.method == "setMyCommands"
        and c.params.get("scope") == {"type": "chat", "chat_id": chat_id}
    ]
    assert menus, f"no menu was set for chat {chat_id}"
    commands = menus[-1]["commands"]
    return [
        c["command"] for c in (json.loads(commands) if isinstance(commands, str) else commands)
    ]


async def test_a_member_with_no_other_role_finds_usulan_in_their_menu(h: Harness) -> None:
    await h.register(RINA_ID, RINA.nip)  # a nurse and a member of the team, nothing else
    await h.register(SITI_ID, SITI.nip)  # a nurse, not a member
    rina = published_menu(h, RINA_ID)
    assert "usulan" in rina
    assert "rencana" not in rina and "wakil" not in rina  # the approvers' own commands
    assert "usulan" not in published_menu(h, SITI_ID)
    helped = await h.command(RINA_ID, "/bantuan")
    assert "/usulan" in helped.text
    assert "/usulan" not in (await h.command(SITI_ID, "/bantuan")).text
    # Her language changes: the menu published again keeps /usulan.
    h.request.forget()
    await h.press(RINA_ID, "lang:set:en")
    assert "usulan" in published_menu(h, RINA_ID)


async def test_the_menus_published_at_start_include_the_members(h: Harness) -> None:
    await h.register(DEWI_ID, DEWI.nip)  # a member with no role
    h.request.forget()
    services = h.app.bot_data.services
    assert services is not None
    committee = services.rules.approval.committee
    assert committee is not None
    count = await publish_role_menus(h.app.bot, services.commands, h.uows, "id", committee.members)
    assert count >= 1
    assert "usulan" in published_menu(h, DEWI_ID)
