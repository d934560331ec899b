"""End to end over HTTP (issue 10): a plan of hundreds of moves reaches an approver as the
summary and then ONE digest, the digest pages in place, a group decision approves exactly that
group, a card opened from the digest decides one move, and Telegram never refuses a send."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import pytest

from core.domain import ProposalState, Unit
from devtools.emulator import RateLimits, SeenMessage
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, APPROVER_2, JAKARTA, OUTSIDER, ScriptedEngine, move
from tests.support.loop_agency import employee as make_employee

pytestmark = pytest.mark.e2e

#: 300 moves: "hundreds of proposals" (the sample agency's L plan has about 1,330; the digest
#: and the pacing do not depend on the count, and the benchmark runs the full L size).
ORIGINS = ("PKM-C", "PKM-D", "PKM-E")
PER_ORIGIN = 100


def shows(message_id: int, button: str) -> Callable[[SeenMessage], bool]:
    """A predicate for the message MESSAGE_ID once it shows BUTTON."""
    return lambda m: m.message_id == message_id and button in m.button_texts


def nip_of(i: int) -> str:
    return f"1991{i // 1000 + 1:02d}10201503{1 + i % 2}{i % 1000:03d}"


async def seed_big_plan(
    loop: E2E, count: int = PER_ORIGIN * len(ORIGINS), small_group: int = 0
) -> None:
    """COUNT nurses of Dinkes units proposed to move to PKM-B: spread over ORIGINS, except the
    first SMALL_GROUP, who all come from PKM-F."""
    moves = []
    async with loop.uows() as uow:
        for index, code in enumerate((*ORIGINS, "PKM-F")):
            await uow.units.upsert(
                Unit(code, f"Puskesmas {code[-1]}", "Dinkes", -7.9 - index / 100, 110.6)
            )
        for i in range(count):
            origin = "PKM-F" if i < small_group else ORIGINS[i % len(ORIGINS)]
            await uow.employees.upsert(make_employee(nip_of(i), f"Perawat {i:03d}", origin))
            moves.append(move(nip_of(i), origin, "PKM-B"))
        await uow.commit()
    loop.planner = ScriptedEngine(moves)  # type: ignore[assignment]


async def test_hundreds_of_moves_reach_an_approver_as_summary_and_one_digest(
    loop: E2E,
) -> None:
    emulator = loop.emulator
    emulator.rate_limits = RateLimits()  # Telegram's flood limits: 30/s overall, 1/s per chat
    await seed_big_plan(loop)
    async with loop.running(rate_limit=True) as app:
        users = await loop.register_everyone()
        approver, approver_2 = users[APPROVER], users[APPROVER_2]
        mark = approver.mark()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        digest = await approver.wait_for_message(
            contains="Ikhtisar usulan mutasi", timeout=30, after=mark
        )
        assert "300 usulan menunggu keputusan Anda" in digest.body
        await asyncio.sleep(3)  # anything else queued for this chat would be on its way now
        received = [m for m in approver.messages() if m.message_id > 0 and m.date > 0]
        after_plan = [
            c
            for c in emulator.calls
            if c.chat_id == approver.chat_id
            and c.method.lower() in ("sendmessage", "sendphoto")
            and c.ok
        ]
        plan_messages = after_plan[-2:]
        # Summary (with the chart) first, then the digest; nothing else: not 300 cards.
        assert [c.method.lower() for c in plan_messages] == ["sendphoto", "sendmessage"]
        assert len([m for m in received if "Usulan mutasi #" in m.body]) == 0
        summary = next(m for m in approver.messages() if m.photo is not None)
        assert summary.message_id < digest.message_id
        assert "300 usulan mutasi. 300 menunggu keputusan Anda." in summary.body
        assert [b for b in digest.button_texts if b.startswith("📂")] == [
            "📂 Puskesmas C (100)",
            "📂 Puskesmas D (100)",
            "📂 Puskesmas E (100)",
        ]
        assert not [m for m in users[OUTSIDER].messages() if "Ikhtisar" in m.body]

        # Open a group: the same message is edited to its first page of entries.
        await approver.press("📂 Puskesmas C (100)", digest)
        page = await approver.wait_for_message(
            lambda m: m.message_id == digest.message_id and "Halaman 1/13" in m.body
        )
        assert "Dinkes › Puskesmas C" in page.body and "100 menunggu keputusan Anda" in page.body
        assert "ABK: asal +2,8, tujuan −2,6 pegawai; aspirasi ke-1" in page.body
        await approver.press("Berikutnya ›", page)
        second = await approver.wait_for_message(
            lambda m: m.message_id == digest.message_id and "Halaman 2/13" in m.body
        )
        # Approve the whole group behind a confirmation that says how many and which.
        await approver.press("✅ Setujui kelompok (100)", second)
        confirm = await approver.wait_for_message(
            lambda m: m.message_id == digest.message_id and "Setujui 100 usulan" in m.body
        )
        assert "Perawat 000" in confirm.body and "dan 90 lainnya" in confirm.body
        async with loop.uows() as uow:
            plan = await uow.plans.latest()
            assert plan is not None and plan.id is not None
            before = await uow.proposals.list_for_plan(plan.id)
        assert {p.state for p in before} == {ProposalState.PENDING}
        await approver.press("Ya, setujui 100", confirm)
        await approver.wait_for_message(
            lambda m: m.message_id == digest.message_id and "100 usulan disetujui" in m.body,
            timeout=120,
        )
        async with loop.uows() as uow:
            after = await uow.proposals.list_for_plan(plan.id)
        approved = {p.from_unit for p in after if p.state == ProposalState.APPROVED}
        assert approved == {"PKM-C"}
        assert sum(p.state == ProposalState.APPROVED for p in after) == 100
        assert sum(p.state == ProposalState.PENDING for p in after) == 200

        # The second approver opens the same digest with /usulan, opens one move's card and
        # approves it with one tap; that card copy is edited with the outcome.
        await approver_2.send_command("/usulan")
        theirs = await approver_2.wait_for_message(contains="Ikhtisar usulan mutasi")
        assert "200 usulan menunggu keputusan Anda" in theirs.body
        await approver_2.press("📂 Puskesmas D (100)", theirs)
        group = await approver_2.wait_for_message(
            lambda m: (
                m.message_id == theirs.message_id
                and "Puskesmas D" in m.body
                and "Halaman 1/" in m.body
            )
        )
        # Pick two entries, then approve just those (the confirmation names them).
        picks = [b for b in group.button_texts if b.startswith("☐")][:2]
        for pick in picks:
            await approver_2.press(pick, theirs.message_id)
            await approver_2.wait_for_message(shows(theirs.message_id, pick.replace("☐", "☑")))
        await approver_2.press("✅ Setujui pilihan (2)", theirs.message_id)
        chosen = await approver_2.wait_for_message(
            lambda m: m.message_id == theirs.message_id and "Setujui 2 usulan" in m.body
        )
        for pick in picks:
            assert pick.removeprefix("☐ ") in chosen.body
        await approver_2.press("Ya, setujui 2", chosen)
        await approver_2.wait_for_message(
            lambda m: m.message_id == theirs.message_id and "2 usulan disetujui" in m.body,
            timeout=30,
        )
        await approver_2.press("⬅️ Kembali", theirs.message_id)
        group = await approver_2.wait_for_message(
            lambda m: m.message_id == theirs.message_id and "98 menunggu" in m.body
        )
        waiting_id = next(b for b in group.button_texts if b.startswith("☐")).split()[1]
        await approver_2.press(f"📄 Kartu {waiting_id}", group)
        card = await approver_2.wait_for_message(contains="Usulan mutasi #")
        assert card.button_texts == ["✅ Setujui", "❌ Tolak", "ℹ️ Rincian"]
        await approver_2.press("✅ Setujui", card)
        await approver_2.wait_for_message(
            lambda m: m.message_id == card.message_id and "Disetujui oleh" in m.body, timeout=15
        )
        async with loop.uows() as uow:
            final = await uow.proposals.list_for_plan(plan.id)
        assert sum(p.state == ProposalState.APPROVED for p in final) == 103
    refused = [(c.method, c.chat_id) for c in emulator.calls if c.status == 429]
    assert refused == []  # no flood refusal while the plan's messages went out


#: The sample agency's L plan: 1,330 moves. Three big origin units and one small one, so the
#: group decision below stays short while the plan is L-sized.
L_MOVES = 1_330
SMALL_GROUP = 30


async def test_an_l_sized_plan_reaches_the_approver_as_two_messages_and_a_group_decision(
    loop: E2E,
) -> None:
    emulator = loop.emulator
    emulator.rate_limits = RateLimits()  # Telegram's flood limits: 30/s overall, 1/s per chat
    await seed_big_plan(loop, L_MOVES, SMALL_GROUP)
    async with loop.running(rate_limit=True) as app:
        users = await loop.register_everyone()
        approver = users[APPROVER]
        sent_before = len([c for c in emulator.calls if c.chat_id == approver.chat_id and c.ok])
        mark = approver.mark()
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        digest = await approver.wait_for_message(
            contains="Ikhtisar usulan mutasi", timeout=120, after=mark
        )
        assert f"{L_MOVES} usulan menunggu keputusan Anda" in digest.body
        await asyncio.sleep(3)  # anything else queued for this chat would be on its way now

        def new_messages() -> list[str]:
            return [
                c.method.lower()
                for c in emulator.calls[:]
                if c.chat_id == approver.chat_id
                and c.ok
                and c.method.lower() in ("sendmessage", "sendphoto")
            ]

        plan_messages = new_messages()[sent_before:]
        # The summary with its chart first, then the digest: two messages for 1,330 moves.
        assert plan_messages == ["sendphoto", "sendmessage"]

        # Decide the small group from the digest: exactly its 30 moves are approved.
        opener = next(b for b in digest.button_texts if b.startswith("📂 Puskesmas F"))
        await approver.press(opener, digest)
        page = await approver.wait_for_message(lambda m: m.message_id == digest.message_id)
        await approver.press(f"✅ Setujui kelompok ({SMALL_GROUP})", page)
        confirm = await approver.wait_for_message(lambda m: m.message_id == digest.message_id)
        await approver.press(f"Ya, setujui {SMALL_GROUP}", confirm)
        await approver.wait_for_message(
            lambda m: (
                m.message_id == digest.message_id and f"{SMALL_GROUP} usulan disetujui" in m.body
            ),
            timeout=120,
        )
        async with loop.uows() as uow:
            plan = await uow.plans.latest()
            assert plan is not None and plan.id is not None
            after = await uow.proposals.list_for_plan(plan.id)
        assert len(after) == L_MOVES
        approved = [p for p in after if p.state == ProposalState.APPROVED]
        assert {p.from_unit for p in approved} == {"PKM-F"}
        assert len(approved) == SMALL_GROUP
        # Pages and decisions edit the digest in place: still the same two messages.
        assert new_messages()[sent_before:] == ["sendphoto", "sendmessage"]
    refused = [(c.method, c.chat_id) for c in emulator.calls if c.status == 429]
    assert refused == []  # no flood refusal while the plan's messages went out
