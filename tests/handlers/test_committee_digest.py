"""The committee's members in the digest (issue 10 step 7): a member who approves nothing opens
the digest with /usulan, a group's "✅ Setuju semua" asks first (how many, which, that each is a
vote), then records exactly that group's votes; a second member's group vote passes the stage
for exactly those moves; a card opened from the digest carries the votes so far."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import AsyncIterator

import pytest

from core.domain import Plan, ProposalState, Role, RoleGrant, ScopeKind, TransferProposal
from core.rebalance.model import Explanation
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.test_committee import TEAM
from tests.handlers.test_phone import EXPLANATION
from tests.support.agency import person
from tests.support.handler_agency import (
    ADMIN,
    DEWI,
    HANDLER_AGENCY,
    KEPALA,
    NURSE,
    RINA,
    SITI,
    START,
)
from tests.support.plan_documents import plan_document

SITI_ID, DEWI_ID, KEPALA_ID, RINA_ID = 701, 702, 703, 704
#: Ten moves out of Puskesmas Cempaka, two out of Puskesmas Sukajaya (more than the eight a
#: member gets as cards).
FROM_CEMPAKA, FROM_SUKAJAYA = 10, 2
NURSES = [
    person(f"19910{i % 9 + 1}0120150320{i:02d}", f"Perawat {i:02d}", "PKM-C", NURSE)
    for i in range(FROM_CEMPAKA)
] + [
    person(f"19920{i % 9 + 1}0120160320{i:02d}", f"Bidan {i:02d}", "PKM-B", NURSE)
    for i in range(FROM_SUKAJAYA)
]


@pytest.fixture
async def h(migrated_database_url: str) -> AsyncIterator[Harness]:
    """The whole bot with the chain `tpk,ppk` whose first stage is a committee of three (two
    agree); ADMIN approves the second stage."""
    agency = dataclasses.replace(
        HANDLER_AGENCY,
        people=(*HANDLER_AGENCY.people, *NURSES),
        grants=(
            *HANDLER_AGENCY.grants,
            RoleGrant(ADMIN.nip, Role.APPROVER, ScopeKind.ALL, "ppk"),
        ),
    )
    async with running_harness(migrated_database_url, agency, **TEAM) as harness:
        yield harness


async def seed_plan(h: Harness) -> tuple[int, list[int], list[int]]:
    """A plan moving every nurse of NURSES to PKM-A; the plan id and the proposal ids out of
    Cempaka and out of Sukajaya."""
    async with h.uows() as uow:
        plan = await uow.plans.add(
            Plan(None, START.date(), START, "optimal", 10.0, 20.0, 9.0, solution=plan_document())
        )
        assert plan.id is not None
        ids: dict[str, list[int]] = {"PKM-C": [], "PKM-B": []}
        for nurse in NURSES:
            stored = await uow.proposals.add(
                TransferProposal(
                    None,
                    plan.id,
                    nurse.nip,
                    nurse.unit_code,
                    "PKM-A",
                    explanation=Explanation.from_dict(EXPLANATION),
                    tmt=dt.date(2027, 1, 1),
                )
            )
            assert stored.id is not None
            ids[nurse.unit_code].append(stored.id)
        await uow.commit()
    return plan.id, ids["PKM-C"], ids["PKM-B"]


def labels(call: object) -> list[str]:
    return [label for label, _ in call.buttons]  # type: ignore[attr-defined]


async def test_a_member_votes_on_a_whole_group_from_the_digest(h: Harness) -> None:
    plan_id, cempaka, sukajaya = await seed_plan(h)
    for user_id, who, language in (
        (RINA_ID, RINA, "id"),
        (DEWI_ID, DEWI, "en"),
        (KEPALA_ID, KEPALA, "id"),
        (SITI_ID, SITI, "id"),
    ):
        await h.register(user_id, who.nip, language)

    # Someone who neither approves nor sits on the team has no /usulan.
    refused = await h.command(SITI_ID, "/usulan")
    assert "Usulan mutasi" not in refused.text and "Ikhtisar" not in refused.text

    # Rina approves nothing but is a member: /usulan opens ONE digest of the twelve moves.
    h.request.forget()
    digest = await h.command(RINA_ID, "/usulan")
    assert len(h.request.sent(RINA_ID)) == 1
    assert "Ikhtisar usulan mutasi" in digest.text
    assert "12 usulan menunggu suara Anda sebagai anggota <b>Tim Penilai Kinerja</b>" in (
        digest.text
    )
    assert "lolos tahap tim bila 2 dari 3 anggota setuju" in digest.text
    assert "menunggu keputusan Anda" not in digest.text
    assert labels(digest)[:2] == ["📂 Puskesmas Cempaka (10)", "📂 Puskesmas Sukajaya (2)"]

    # The group page speaks of votes; its button agrees to the whole group.
    page = await h.press(RINA_ID, f"dg:g:{plan_id}:0:0")
    assert "Puskesmas Cempaka</b>: 10 menunggu suara Anda dari 10 usulan" in page.text
    assert "✅ Setuju semua (10)" in labels(page)

    # It asks first: how many, which, that each is this member's vote and cannot be changed.
    confirm = await h.press(RINA_ID, f"dg:ag:{plan_id}:0")
    text = html.unescape(confirm.text)
    assert "Beri suara setuju atas 10 usulan dari Puskesmas Cempaka" in text.replace(
        "<b>", ""
    ).replace("</b>", "")
    assert "sebagai anggota Tim Penilai Kinerja" in text
    assert f"#{cempaka[0]} Perawat 00" in text
    assert "tidak dapat diubah" in text and "2 dari 3 anggota setuju" in text
    assert labels(confirm) == ["Ya, setuju 10", "Batal"]
    async with h.uows() as uow:
        assert [v for i in cempaka for v in await uow.committee_votes.list_for(i)] == []

    yes_data = confirm.buttons[0][1]
    done = await h.press(RINA_ID, yes_data)
    assert "🗳 10 suara setuju Anda tercatat." in done.text
    async with h.uows() as uow:
        votes = {i: await uow.committee_votes.list_for(i) for i in [*cempaka, *sukajaya]}
    assert {i for i, v in votes.items() if v} == set(cempaka)
    assert {(v.member_nip, v.approved, v.stage) for vs in votes.values() for v in vs} == {
        (RINA.nip, True, 0)
    }

    # The page now shows her vote and the tally on each move; nothing waits for her there.
    again = await h.press(RINA_ID, f"dg:g:{plan_id}:0:0")
    assert "0 menunggu suara Anda dari 10 usulan" in again.text
    assert "suara Anda: setuju; 1 dari 3 anggota setuju" in again.text
    assert not [label for label in labels(again) if label.startswith("✅")]

    # Someone else pressing the same confirmation is refused; nothing is recorded.
    await h.press(SITI_ID, yes_data)
    async with h.uows() as uow:
        assert len(await uow.committee_votes.list_for(cempaka[0])) == 1

    # Dewi (in English) agrees to the same group: the quorum passes exactly those ten moves.
    await h.press(DEWI_ID, f"dg:g:{plan_id}:0:0")
    confirm_en = await h.press(DEWI_ID, f"dg:ag:{plan_id}:0")
    assert "Vote <b>agree</b> on 10 proposals from Puskesmas Cempaka" in confirm_en.text
    passed = await h.press(DEWI_ID, confirm_en.buttons[0][1])
    assert "🗳 10 agreeing votes of yours recorded." in passed.text
    assert "10 proposals reached the quorum and went on to the next stage." in passed.text
    async with h.uows() as uow:
        stored = {i: await uow.proposals.get(i) for i in [*cempaka, *sukajaya]}
    assert {i for i, p in stored.items() if p is not None and p.stage == 1} == set(cempaka)
    assert all(p is not None and p.state == ProposalState.PENDING for p in stored.values())

    # A card opened from the digest: the team's card with the votes so far and its buttons.
    h.request.forget()
    card = await h.press(KEPALA_ID, f"dg:c:{sukajaya[0]}")
    assert card.method == "sendMessage"
    assert "Tim Penilai Kinerja" in card.text and "tahap 1/2" in card.text
    assert "Suara sejauh ini: 0 setuju, 0 tidak setuju (perlu 2 dari 3 setuju)" in card.text
    assert labels(card) == ["✅ Setuju", "❌ Tidak setuju", "ℹ️ Rincian"]
    # With few moves left, /usulan gives the member their cards instead.
    h.request.forget()
    await h.command(KEPALA_ID, "/usulan")
    sent = h.request.sent(KEPALA_ID)
    assert "2 usulan menunggu keputusan Anda" in sent[0].text
    assert [labels(c) for c in sent[1:]] == [["✅ Setuju", "❌ Tidak setuju", "ℹ️ Rincian"]] * 2


async def test_a_group_vote_records_only_the_votes_its_confirmation_named(h: Harness) -> None:
    # Review: a move joining the group between the confirmation and "Ya, setuju" got a vote the
    # member never saw named. Now the press records nothing and shows the fresh confirmation.
    plan_id, cempaka, _ = await seed_plan(h)
    await h.register(RINA_ID, RINA.nip)
    confirm = await h.press(RINA_ID, f"dg:ag:{plan_id}:0")
    assert labels(confirm)[0] == "Ya, setuju 10"
    async with h.uows() as uow:
        first = await uow.proposals.get(cempaka[0])
        assert first is not None
        joined = await uow.proposals.add(dataclasses.replace(first, id=None, nip=KEPALA.nip))
        await uow.commit()
    assert joined.id is not None

    refused = await h.press(RINA_ID, confirm.buttons[0][1])
    assert "Kelompok ini berubah sejak konfirmasi ditampilkan" in refused.text
    assert "suara setuju Anda tercatat" not in refused.text
    async with h.uows() as uow:
        assert [
            v for i in [*cempaka, joined.id] for v in await uow.committee_votes.list_for(i)
        ] == []
    assert labels(refused)[0] == "Ya, setuju 11" and f"#{cempaka[0]} " in refused.text

    done = await h.press(RINA_ID, refused.buttons[0][1])
    assert "🗳 11 suara setuju Anda tercatat." in done.text
    async with h.uows() as uow:
        voted = {i for i in [*cempaka, joined.id] if await uow.committee_votes.list_for(i)}
    assert voted == {*cempaka, joined.id}
