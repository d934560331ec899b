"""End to end over HTTP (issue 10 step 7 at scale): an L-sized plan whose first stage is the Tim
Penilai Kinerja reaches each member as the summary and ONE digest (not a card per move); a
member who approves nothing agrees to a whole group from the digest, which records exactly that
group's votes; a second member's group vote passes the stage for exactly those moves at the
quorum; the member's /usulan opens the digest; Telegram never refuses a send."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

import tests.e2e.test_approval_digest_e2e as big
import tests.e2e.test_committee_e2e as single
from core.domain import ProposalState, Role, RoleGrant, ScopeKind
from devtools.emulator import EmulatedUser, RateLimits, SeenMessage
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import CLERK, JAKARTA, OUTSIDER, SUP_A

pytestmark = pytest.mark.e2e

#: The team decides the first stage, the PPK (an all-scope approver) the second.
TEAM: dict[str, Any] = {**single.TEAM, "approval_chain": "tpk,ppk"}
MEMBERS = single.MEMBERS
#: The sample agency's L plan, with one small origin unit for the group vote.
L_MOVES = big.L_MOVES
SMALL_GROUP = 12


def plan_sends(loop: E2E, chat_id: int) -> list[str]:
    """The messages the bot sent to CHAT_ID (sendMessage / sendPhoto that succeeded), in order."""
    return [
        c.method.lower()
        for c in loop.emulator.calls[:]
        if c.chat_id == chat_id and c.ok and c.method.lower() in ("sendmessage", "sendphoto")
    ]


async def group_vote(user: EmulatedUser, digest: SeenMessage, count: int) -> str:
    """Open the small group on USER's digest, agree to all of it, confirm; the result text."""
    opener = next(b for b in digest.button_texts if b.startswith("📂 Puskesmas F"))
    await user.press(opener, digest)
    page = await user.wait_for_message(
        lambda m: m.message_id == digest.message_id and "menunggu suara Anda dari" in m.body,
        timeout=30,
    )
    assert f"{count} menunggu suara Anda dari {SMALL_GROUP} usulan" in page.body
    await user.press(f"✅ Setuju semua ({count})", page)
    confirm = await user.wait_for_message(
        lambda m: m.message_id == digest.message_id and "Beri suara" in m.body, timeout=30
    )
    assert f"Beri suara setuju atas {count} usulan dari Puskesmas F" in confirm.body
    assert "sebagai anggota Tim Penilai Kinerja" in confirm.body
    assert "Perawat 000" in confirm.body and "dan 2 lainnya" in confirm.body
    assert "tidak dapat diubah" in confirm.body
    await user.press(f"Ya, setuju {count}", confirm)
    done = await user.wait_for_message(
        lambda m: m.message_id == digest.message_id and "suara setuju Anda tercatat" in m.body,
        timeout=120,
    )
    return done.body


async def test_an_l_sized_plan_reaches_each_member_as_summary_and_digest_and_groups_vote(
    loop: E2E,
) -> None:
    emulator = loop.emulator
    emulator.rate_limits = RateLimits()  # Telegram's flood limits: 30/s overall, 1/s per chat
    await big.seed_big_plan(loop, L_MOVES, SMALL_GROUP)
    async with loop.uows() as uow:
        await uow.roles.grant(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
        await uow.commit()
    async with loop.running(rate_limit=True, **TEAM) as app:
        users = await loop.register_everyone()
        before = {nip: len(plan_sends(loop, users[nip].chat_id)) for nip in MEMBERS}
        marks = {nip: users[nip].mark() for nip in MEMBERS}
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        digests = {}
        for nip in MEMBERS:
            digests[nip] = await users[nip].wait_for_message(
                contains="Ikhtisar usulan mutasi", timeout=120, after=marks[nip]
            )
            body = digests[nip].body
            assert f"{L_MOVES} usulan menunggu suara Anda sebagai anggota" in body
            assert "lolos tahap tim bila 2 dari 3 anggota setuju" in body
        await asyncio.sleep(3)  # anything else queued for these chats would be on its way now
        # The summary with its chart, then the digest: two messages per member for 1,330 moves.
        for nip in MEMBERS:
            assert plan_sends(loop, users[nip].chat_id)[before[nip] :] == [
                "sendphoto",
                "sendmessage",
            ], nip
            assert not [m for m in users[nip].messages() if "Usulan mutasi #" in m.body]

        # Dewi Lestari approves nothing: her group vote records exactly that group's votes.
        result = await group_vote(users[CLERK], digests[CLERK], SMALL_GROUP)
        assert f"🗳 {SMALL_GROUP} suara setuju Anda tercatat." in result
        async with loop.uows() as uow:
            plan = await uow.plans.latest()
            assert plan is not None and plan.id is not None
            small = [
                p.id for p in await uow.proposals.list_for_plan(plan.id) if p.from_unit == "PKM-F"
            ]
            voted_on = set(await uow.committee_votes.acted_on(plan.id, CLERK))
            votes = [v for pid in small for v in await uow.committee_votes.list_for(pid or 0)]
        assert len(small) == SMALL_GROUP and voted_on == set(small)
        assert {(v.member_nip, v.approved) for v in votes} == {(CLERK, True)}

        # A second member agrees to the same group: the quorum (2 of 3) passes exactly those.
        result = await group_vote(users[SUP_A], digests[SUP_A], SMALL_GROUP)
        assert f"{SMALL_GROUP} usulan mencapai kuorum dan diteruskan" in result
        async with loop.uows() as uow:
            after = await uow.proposals.list_for_plan(plan.id)
        assert len(after) == L_MOVES
        passed = [p for p in after if p.stage == 1]
        assert {p.id for p in passed} == set(small)
        assert {p.state for p in after} == {ProposalState.PENDING}

        # Pages and votes edited the digests in place: still the same two messages each.
        for nip in (CLERK, SUP_A):
            assert plan_sends(loop, users[nip].chat_id)[before[nip] :] == [
                "sendphoto",
                "sendmessage",
            ]

        # The member who approves nothing finds the digest again with /usulan.
        await users[CLERK].send_command("/usulan")
        again = await users[CLERK].wait_for_message(contains="Ikhtisar usulan mutasi", timeout=30)
        assert again.message_id != digests[CLERK].message_id
        waiting = L_MOVES - SMALL_GROUP
        assert f"{waiting} usulan menunggu suara Anda sebagai anggota" in again.body
    refused = [(c.method, c.chat_id) for c in emulator.calls if c.status == 429]
    assert refused == []  # no flood refusal while the plan's messages went out
