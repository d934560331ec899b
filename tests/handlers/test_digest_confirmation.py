"""The digest's group yes-button decides exactly the moves its confirmation named, or nothing;
a press naming an action the digest does not have is answered as a stale button."""

from __future__ import annotations

import dataclasses
import html

from core.domain import ProposalState, TransferProposal
from tests.handlers.conftest import Harness
from tests.handlers.test_phone import seed_move
from tests.support.handler_agency import ADMIN, RINA

ADMIN_ID = 701


async def one_move_for_the_admin(h: Harness) -> tuple[int, TransferProposal]:
    """Siti's move PKM-A -> PKM-B (its id and itself), waiting for ADMIN, who is registered."""
    first_id = await seed_move(h)
    async with h.uows() as uow:
        first = await uow.proposals.get(first_id)
    assert first is not None
    await h.register(ADMIN_ID, ADMIN.nip)
    return first_id, first


async def test_group_yes_decides_only_the_moves_its_confirmation_named(h: Harness) -> None:
    first_id, first = await one_move_for_the_admin(h)
    confirm = await h.press(ADMIN_ID, f"dg:ag:{first.plan_id}:0")
    assert "Setujui 1 usulan" in html.unescape(confirm.text).replace("<b>", "")
    (yes_label, yes_data), _ = confirm.buttons
    assert yes_label == "Ya, setujui 1"
    assert len(yes_data.encode()) <= 64

    # Before the press, a second move joins the same group (forwarded from an earlier stage,
    # or a delegation starting).
    async with h.uows() as uow:
        second = await uow.proposals.add(dataclasses.replace(first, id=None, nip=RINA.nip))
        await uow.commit()
    assert second.id is not None

    refused = await h.press(ADMIN_ID, yes_data)
    assert "Kelompok ini berubah sejak konfirmasi ditampilkan" in refused.text
    assert "tidak ada yang diputuskan" in refused.text
    assert "disetujui" not in refused.text
    async with h.uows() as uow:
        states = {i: await uow.proposals.get(i) for i in (first_id, second.id)}
    assert all(p is not None and p.state == ProposalState.PENDING for p in states.values())

    # The fresh confirmation names both; its yes-button decides both.
    assert "Setujui 2 usulan" in html.unescape(refused.text).replace("<b>", "")
    assert f"#{first_id} " in refused.text and f"#{second.id} " in refused.text
    (fresh_label, fresh_data), _ = refused.buttons
    assert fresh_label == "Ya, setujui 2" and fresh_data != yes_data
    done = await h.press(ADMIN_ID, fresh_data)
    assert "2 usulan disetujui" in done.text
    async with h.uows() as uow:
        states = {i: await uow.proposals.get(i) for i in (first_id, second.id)}
    assert all(p is not None and p.state == ProposalState.APPROVED for p in states.values())


async def test_group_yes_without_its_fingerprint_decides_nothing(h: Harness) -> None:
    # A yes-button of an older bot (no fingerprint) cannot say what it named: ask again.
    first_id, first = await one_move_for_the_admin(h)
    again = await h.press(ADMIN_ID, f"dg:yg:{first.plan_id}:0")
    assert "Kelompok ini berubah" in again.text
    async with h.uows() as uow:
        stored = await uow.proposals.get(first_id)
    assert stored is not None and stored.state == ProposalState.PENDING


async def test_a_press_naming_an_unknown_digest_action_is_a_stale_button(h: Harness) -> None:
    first_id, first = await one_move_for_the_admin(h)
    h.request.forget()
    answer = await h.press(ADMIN_ID, f"dg:zz:{first.plan_id}:0")
    assert answer.text == "Tombol ini sudah tidak berlaku. Mulai lagi dari perintahnya."
    async with h.uows() as uow:
        stored = await uow.proposals.get(first_id)
    assert stored is not None and stored.state == ProposalState.PENDING
