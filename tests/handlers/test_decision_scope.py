"""Who may open a card matches who may decide it: an admin deciding a card raised to the admins
at the last stage sees the decided card and its details (not "out of scope"); a committee member
who also approves elsewhere opens every card their member digest lists."""

from __future__ import annotations

import dataclasses

from core.domain import AuditEvent, ProposalState, Role, RoleGrant, ScopeKind
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.test_committee import TEAM
from tests.handlers.test_phone import seed_move
from tests.support.handler_agency import ADMIN, RINA

ADMIN_ID, RINA_ID = 701, 702


async def _raised_to_the_admins(h: Harness) -> int:
    """A move (SITI, PKM-A to PKM-B) waiting at the last (only) stage, raised to the admins;
    ADMIN is only an admin, RINA approves everywhere and let it wait."""
    pid = await seed_move(h)
    async with h.uows() as uow:
        await uow.roles.revoke(RoleGrant(ADMIN.nip, Role.APPROVER, ScopeKind.ALL, None))
        await uow.roles.grant(RoleGrant(RINA.nip, Role.APPROVER, ScopeKind.ALL, None))
        await uow.audit.add(
            AuditEvent(
                "system",
                "proposal.escalate",
                f"proposal:{pid}",
                h.clock.now(),
                {"stage": 0},
                {"stage": 0},
            )
        )
        await uow.commit()
        assert all(g.role != Role.APPROVER for g in await uow.roles.list_for(ADMIN.nip))
    await h.register(ADMIN_ID, ADMIN.nip)
    h.request.forget()
    return pid


async def _state(h: Harness, pid: int) -> ProposalState | None:
    """The stored state of proposal PID (None when there is no such proposal)."""
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    return None if proposal is None else proposal.state


async def test_an_admin_approving_a_card_raised_to_the_admins_sees_it_decided(
    h: Harness,
) -> None:
    pid = await _raised_to_the_admins(h)
    details = await h.press(ADMIN_ID, f"apv:info:{pid}:0")
    assert details.method == "editMessageText", details.text
    assert "Dasar hukum" in details.text and "Status: menunggu keputusan" in details.text
    assert [label for label, _ in details.buttons] == ["✅ Setujui", "❌ Tolak", "🔼 Ringkas"]

    h.request.forget()
    toast = await h.press(ADMIN_ID, f"apv:ok:{pid}:0")
    assert "di luar kewenangan" not in toast.text
    assert toast.method == "answerCallbackQuery" and f"Usulan #{pid} disetujui" in toast.text
    assert "sendMessage" not in h.request.methods()
    [edit] = [
        c
        for c in h.request.calls
        if c.method == "editMessageText" and int(c.params["chat_id"]) == ADMIN_ID
    ]
    assert "Disetujui oleh Andi Operator" in edit.text and edit.buttons == []
    assert await _state(h, pid) == ProposalState.APPROVED


async def test_an_admin_rejecting_a_card_raised_to_the_admins_sees_it_rejected(
    h: Harness,
) -> None:
    pid = await _raised_to_the_admins(h)
    ask = await h.press(ADMIN_ID, f"apv:no:{pid}:0")
    assert "alasan penolakan" in ask.text
    h.request.forget()
    done = await h.command(ADMIN_ID, "Unit asal masih kekurangan perawat")
    assert "di luar kewenangan" not in done.text and "ditolak" in done.text
    [edit] = [
        c
        for c in h.request.calls
        if c.method == "editMessageText" and int(c.params["chat_id"]) == ADMIN_ID
    ]
    assert int(edit.params["message_id"]) == 999
    assert "Ditolak oleh Andi Operator" in edit.text and "masih kekurangan perawat" in edit.text
    assert await _state(h, pid) == ProposalState.REJECTED


async def test_an_admin_opens_no_card_that_was_not_raised_to_them(h: Harness) -> None:
    pid = await seed_move(h)
    async with h.uows() as uow:
        await uow.roles.revoke(RoleGrant(ADMIN.nip, Role.APPROVER, ScopeKind.ALL, None))
        await uow.commit()
    await h.register(ADMIN_ID, ADMIN.nip)
    h.request.forget()
    refused = await h.press(ADMIN_ID, f"apv:info:{pid}:0")
    assert "di luar kewenangan" in refused.text and "Dasar hukum" not in refused.text


async def test_a_member_who_approves_elsewhere_opens_a_card_listed_in_their_digest(
    migrated_database_url: str,
) -> None:
    async with running_harness(migrated_database_url, **TEAM) as h:
        pid = await seed_move(h)  # SITI, PKM-A to PKM-B
        async with h.uows() as uow:
            waiting = await uow.proposals.get(pid)
            assert waiting is not None
            # past the committee stage (waiting at the second stage, ppk); RINA, a member,
            # also approves Puskesmas Cempaka, which the move does not touch
            await uow.proposals.update(dataclasses.replace(waiting, stage=1))
            await uow.roles.grant(RoleGrant(RINA.nip, Role.APPROVER, ScopeKind.UNIT, "PKM-C"))
            await uow.commit()
        await h.register(RINA_ID, RINA.nip)
        h.request.forget()
        page = await h.press(RINA_ID, f"dg:g:{waiting.plan_id}:0:0")
        assert f"dg:c:{pid}" in [data for _, data in page.buttons]
        card = await h.press(RINA_ID, f"dg:c:{pid}")
        assert "di luar kewenangan" not in card.text
        assert card.method == "sendMessage" and "Usulan mutasi #" in card.text
        assert "tahap 2" in card.text.lower(), card.text
