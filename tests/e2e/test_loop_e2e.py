"""End to end over HTTP: nightly plan -> summary, chart and cards -> one-tap approval, a rejection
with a reason, a stale tap -> the explained notice -> an objection -> the approver cancels.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from core.domain import OutboxStatus, ProposalState
from devtools.emulator import EmulatedUser
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    APPROVER_2,
    JAKARTA,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    SUP_A,
    SUP_B,
)

pytestmark = pytest.mark.e2e


async def state(loop: E2E) -> dict[str, Any]:
    """Plans, proposals by NIP, outbox by status and kind, audit actions."""
    async with loop.uows() as uow:
        plan = await uow.plans.latest()
        proposals = await uow.proposals.list_for_plan(plan.id) if plan and plan.id else []
        outbox = await uow.outbox.list()
        audit = [e.action for e in await uow.audit.list()]
    return {
        "plan": plan,
        "proposals": {p.nip: p for p in proposals},
        "outbox": {(m.kind, m.status) for m in outbox},
        "pending_kinds": sorted(m.kind for m in outbox if m.status == OutboxStatus.PENDING),
        "audit": audit,
    }


def card_of(user: EmulatedUser, name: str) -> Any:
    """The approval card about NAME in USER's chat."""
    return next(m for m in user.messages() if "Usulan mutasi #" in m.body and name in m.body)


async def test_the_loop_from_nightly_plan_to_cancelled_objection(loop: E2E) -> None:
    emulator = loop.emulator
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver, approver_2 = users[APPROVER], users[APPROVER_2]
        nurse_a, nurse_b = users[NURSE_A], users[NURSE_B]

        # 01:00 Tuesday in Jakarta: the nightly job fires. The cron trigger is in the zone.
        [job] = app.job_queue.get_jobs_by_name("nightly-plan")
        assert str(job.job.trigger) == "cron[hour='1', minute='0']"
        assert str(job.job.trigger.timezone) == "Asia/Jakarta"
        # Two firings at the same moment (a misfire catch-up racing the schedule): one plan.
        await asyncio.gather(fire_nightly(app), fire_nightly(app))
        now = await state(loop)
        assert now["plan"] is not None and now["plan"].status == "awaiting_approval"
        assert {p.state for p in now["proposals"].values()} == {ProposalState.PENDING}
        # Two cards to each of the two Dinkes approvers, their summaries, and the admin's
        # report of who got what.
        assert (
            now["pending_kinds"] == ["approval_card"] * 4 + ["plan_report"] + ["plan_summary"] * 2
        )
        assert "plan.create" in now["audit"]
        assert loop.planner is not None  # the loop fixture runs the real engine
        solves = loop.planner.calls
        await fire_nightly(app)  # a later firing the same night does not even solve
        assert (await state(loop))["plan"].id == now["plan"].id
        assert loop.planner.calls == solves
        assert emulator.calls_of("sendPhoto") == []  # night: everything waits in the outbox

        # 07:30: working hours open; the dispatcher sends the summary, chart and cards.
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        summary = await approver.wait_for_message(lambda m: m.photo is not None, timeout=10)
        assert "Rencana mutasi" in summary.body and "2 usulan" in summary.body
        assert summary.photo is not None and summary.photo.data.startswith(b"\x89PNG")
        assert "✅ Setujui semua" in summary.button_texts
        await approver.wait_for_message(contains="Budi Santoso", timeout=10)
        await approver_2.wait_for_message(contains="Budi Santoso", timeout=10)
        card = card_of(approver, "Siti Aminah")
        assert card.button_texts == ["✅ Setujui", "❌ Tolak", "ℹ️ Rincian"]
        assert "Puskesmas Wonosari I" in card.body and "Puskesmas Playen" in card.body
        # Dindik's approver is not asked about Dinkes' transfers.
        assert not [m for m in users[OUTSIDER].messages() if "Usulan mutasi #" in m.body]

        # ℹ️ Rincian: the same card, edited to show the numbers, training and legal basis.
        await approver.press("ℹ️ Rincian", card)
        details = await approver.wait_for_message(
            lambda m: m.message_id == card.message_id and "Dasar hukum" in m.body
        )
        assert "Pelatihan yang disarankan" in details.body
        assert details.button_texts == ["✅ Setujui", "❌ Tolak", "🔼 Ringkas"]

        # An approver out of scope forging a press on Siti's card changes nothing and is told.
        outsider = users[OUTSIDER]
        siti_id = (await state(loop))["proposals"][NURSE_A].id
        query = await outsider.press_data(
            outsider.last_message().message_id, f"apv:ok:{siti_id}:0"
        )
        toast = (await outsider.wait_for_callback_answer(query)).text or ""
        assert "tidak sedang menunggu keputusan Anda" in toast
        assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.PENDING
        # Nor may that approver read the details of a transfer outside their scope.
        query = await outsider.press_data(
            outsider.last_message().message_id, f"apv:info:{siti_id}"
        )
        toast = (await outsider.wait_for_callback_answer(query)).text or ""
        assert "di luar kewenangan Anda" in toast
        assert not [m for m in outsider.messages() if "Dasar hukum" in m.body]

        # One tap approves Siti's move; every approver's copy of the card shows the outcome.
        query = await approver.press("✅ Setujui", card)
        assert "disetujui" in ((await approver.wait_for_callback_answer(query)).text or "")
        await approver.wait_for_message(
            lambda m: m.message_id == card.message_id and "Disetujui oleh" in m.body
        )
        assert len([m for m in approver.messages() if "Usulan mutasi #" in m.body]) == 2
        edited = await approver_2.wait_for_message(
            lambda m: "Disetujui oleh Kepala Dinkes" in m.body, timeout=10
        )
        assert edited.buttons == []
        assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.APPROVED

        # Another approver rejects Budi's move, with a reason.
        await approver_2.press("❌ Tolak", card_of(approver_2, "Budi Santoso"))
        await approver_2.wait_for_message(contains="alasan penolakan")
        await approver_2.send_text("Puskesmas Wonosari I masih membutuhkan perawat")
        await approver_2.wait_for_message(contains="ditolak")
        now = await state(loop)
        assert now["proposals"][NURSE_B].state == ProposalState.REJECTED
        assert "proposal.reject" in now["audit"]

        # A third tap, on Siti's card that was already approved, changes nothing and says so.
        decisions_before = now["audit"].count("proposal.approve")
        stale_card = card_of(approver_2, "Siti Aminah")
        query = await approver_2.press_data(
            stale_card.message_id, f"apv:ok:{now['proposals'][NURSE_A].id}:0"
        )
        answer = (await approver_2.wait_for_callback_answer(query)).text or ""
        assert "ketukan Anda tidak mengubah" in answer and "sudah disetujui" in answer
        assert (await state(loop))["audit"].count("proposal.approve") == decisions_before

        # The approved ASN receives a one-screen notice naming origin, destination, TMT and
        # the main reason; the numbers and legal basis are one tap away, in the same message.
        notice = await nurse_a.wait_for_message(contains="Pemberitahuan mutasi", timeout=10)
        for words in ("Puskesmas Wonosari I", "Puskesmas Playen", "TMT", "butuh", "7 hari"):
            assert words in notice.body, words
        assert len(notice.body) <= 600 and "Dasar hukum" not in notice.body
        assert notice.button_texts == ["✅ Terima", "📝 Ajukan keberatan", "ℹ️ Rincian"]
        await nurse_a.press("ℹ️ Rincian", notice)
        notice = await nurse_a.wait_for_message(
            lambda m: m.message_id == notice.message_id and "Dasar hukum" in m.body
        )
        for words in ("Jarak garis lurus dari rumah", "farmasi", "setelah mutasi ini"):
            assert words in notice.body, words
        assert not [m for m in nurse_b.messages() if "Pemberitahuan mutasi" in m.body]
        for supervisor in (users[SUP_A], users[SUP_B]):
            await supervisor.wait_for_message(contains="Siti Aminah", timeout=10)

        # The ASN objects with a reason; the approvers are asked; one cancels the transfer.
        await nurse_a.press("📝 Ajukan keberatan", notice)
        await nurse_a.wait_for_message(contains="alasan keberatan")
        await nurse_a.send_text("Saya merawat orang tua di dekat Wonosari")
        await nurse_a.wait_for_message(contains="Keberatan Anda telah dikirim")
        assert (await state(loop))["proposals"][NURSE_A].state == ProposalState.OBJECTED
        objection = await approver.wait_for_message(contains="Keberatan atas usulan", timeout=10)
        assert "merawat orang tua" in objection.body
        query = await approver.press("🚫 Batalkan mutasi", objection)
        assert "mutasi dibatalkan" in ((await approver.wait_for_callback_answer(query)).text or "")
        await approver.wait_for_message(
            lambda m: m.message_id == objection.message_id and "dibatalkan oleh" in m.body
        )
        await nurse_a.wait_for_message(contains="mutasi dibatalkan", timeout=10)
        await approver_2.wait_for_message(lambda m: "dibatalkan oleh" in m.body, timeout=10)

        final = await state(loop)
        assert final["proposals"][NURSE_A].state == ProposalState.CANCELLED
        assert [a for a in final["audit"] if a.startswith(("proposal.", "objection."))] == [
            "proposal.approve",
            "proposal.reject",
            "proposal.object",
            "objection.cancelled",
        ]
        await _until_outbox_drained(loop)
    sends = [c for c in emulator.calls if c.method.lower() in ("sendmessage", "sendphoto")]
    notices = [
        c for c in sends if c.chat_id == nurse_a.chat_id and "Pemberitahuan mutasi" in str(c)
    ]
    assert len(notices) == 1


async def _until_outbox_drained(loop: E2E) -> None:
    for _ in range(100):
        if not (await state(loop))["pending_kinds"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"outbox still pending: {(await state(loop))['pending_kinds']}")


async def unit_of(loop: E2E, nip: str) -> str | None:
    """The employee's unit as stored now."""
    async with loop.uows() as uow:
        person = await uow.employees.get(nip)
    return person.unit_code if person else None


async def run_daily(app: Any) -> None:
    """Run the daily chores job now (reminders, expiry, TMT effect, evaluation requests)."""
    [job] = app.job_queue.get_jobs_by_name("daily-chores")
    await job.run(app)


async def test_spmt_tap_moves_the_nurse_and_ratings_after_ninety_days_reach_the_plan_report(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver, nurse_a, new_boss = users[APPROVER], users[NURSE_A], users[SUP_B]
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 8, 0, tzinfo=JAKARTA)
        await approver.wait_for_message(contains="Budi Santoso", timeout=10)
        await approver.press("✅ Setujui", card_of(approver, "Siti Aminah"))
        notice = await nurse_a.wait_for_message(contains="Pemberitahuan mutasi", timeout=10)
        await nurse_a.press("✅ Terima", notice)
        await nurse_a.wait_for_message(contains="menerima mutasi")
        assert "1 Januari 2027" in notice.body  # TMT: first day of the month after next

        # Reminders for Budi's undecided card after two working days.
        loop.clock.current = dt.datetime(2026, 11, 26, 8, 0, tzinfo=JAKARTA)
        await run_daily(app)
        await approver.wait_for_message(contains="Pengingat", timeout=10)

        # The nurse's notice says a new SIP comes before the move (first screen); the head's
        # SPMT is one tap away, still there after she accepted.
        assert "Perlu SIP baru" in notice.body
        answered = next(m for m in nurse_a.messages() if m.message_id == notice.message_id)
        assert answered.button_texts == ["ℹ️ Rincian"]
        await nurse_a.press("ℹ️ Rincian", answered)
        details = await nurse_a.wait_for_message(
            lambda m: m.message_id == notice.message_id and "SPMT" in m.body
        )
        assert "Anda menerima mutasi ini" in details.body
        assert details.button_texts == ["🔼 Ringkas"]

        # On the TMT the calendar alone changes nothing: the destination head is asked for
        # the SPMT, with the new SIP, by one button.
        loop.clock.current = dt.datetime(2027, 1, 1, 7, 30, tzinfo=JAKARTA)
        await run_daily(app)
        request = await new_boss.wait_for_message(contains="SPMT usulan", timeout=10)
        assert "SIP baru untuk Puskesmas Playen" in request.body
        assert request.button_texts == ["✅ Sudah bertugas + SIP baru ada"]
        assert await unit_of(loop, NURSE_A) == "PKM-A"
        # The origin head cannot confirm it (a forged press changes nothing).
        siti_id = (await state(loop))["proposals"][NURSE_A].id
        old_boss = users[SUP_A]
        query = await old_boss.press_data(old_boss.last_message().message_id, f"arr:ok:{siti_id}")
        refusal = await old_boss.wait_for_callback_answer(query)  # a toast, not a message
        assert "Hanya kepala unit tujuan" in (refusal.text or "")
        # A working day after the TMT, still in the old unit.
        loop.clock.current = dt.datetime(2027, 1, 4, 7, 30, tzinfo=JAKARTA)
        await run_daily(app)
        assert await unit_of(loop, NURSE_A) == "PKM-A"
        assert not [m for m in nurse_a.messages() if "tercatat di Puskesmas Playen" in m.body]
        await nurse_a.send_command("/status")
        mine = await nurse_a.wait_for_message(contains="mengonfirmasi SPMT dan SIP baru Anda")
        assert "1 Januari 2027" in mine.body

        # The head taps: the SPMT and the SIP are recorded and the move takes effect.
        await new_boss.press("✅ Sudah bertugas + SIP baru ada", request)
        await new_boss.wait_for_message(contains="kini tercatat di Puskesmas Playen")
        await nurse_a.wait_for_message(contains="tercatat di Puskesmas Playen", timeout=10)
        async with loop.uows() as uow:
            moved = await uow.employees.get(NURSE_A)
            siti = await uow.proposals.get(siti_id)
            budi = [p for p in await uow.proposals.list_for_nip(NURSE_B)]
            audit = [(e.action, e.actor) for e in await uow.audit.list(f"proposal:{siti_id}")]
        assert moved is not None and moved.unit_code == "PKM-B"
        assert moved.tmt_unit == dt.date(2027, 1, 1)
        assert siti is not None and siti.state == ProposalState.EFFECTIVE
        assert siti.arrival_confirmed_by == SUP_B and siti.butuh_sip
        assert ("proposal.spmt", SUP_B) in audit
        assert [p.state for p in budi] == [ProposalState.EXPIRED]  # 10 working days passed

        # 90 days later the new supervisor and the ASN are asked for 1-5 ratings.
        loop.clock.current = dt.datetime(2027, 4, 1, 8, 0, tzinfo=JAKARTA)
        await run_daily(app)
        question = await new_boss.wait_for_message(contains="kinerjanya", timeout=10)
        await new_boss.press("4", question)
        await new_boss.wait_for_message(contains="nilai 4 dicatat")
        mine = await nurse_a.wait_for_message(contains="penilaian Anda atas mutasi", timeout=10)
        five = {b.text: b.callback_data for b in mine.buttons}
        await nurse_a.press("5", mine)
        rated = await nurse_a.wait_for_message(contains="nilai 5 dicatat")
        assert rated.message_id == mine.message_id and rated.buttons == []  # edited in place
        # a second rating from a stale screen changes nothing, and says so in a toast
        query = await nurse_a.press_data(mine.message_id, str(five["1"]))
        assert "sudah diberikan" in ((await nurse_a.wait_for_callback_answer(query)).text or "")

        await approver.send_command("/rencana")
        report = await approver.wait_for_message(contains="Penilaian 90 hari")
        assert "kinerja 4,0" in report.body and "mutasi 5,0" in report.body


async def test_admin_simulates_then_runs_a_plan_once(loop: E2E) -> None:
    async with loop.running():
        users = await loop.register_everyone()
        admin = users[ADMIN]
        loop.clock.current = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA)
        await admin.send_command("/simulasi")
        result = await admin.wait_for_message(contains="mutasi; skor", timeout=20)
        assert "2 mutasi" in result.body and "Siti Aminah" in result.body
        await admin.wait_for_message(lambda m: m.photo is not None, timeout=10)
        assert (await state(loop))["plan"] is None  # what-if: nothing stored
        await admin.send_command("/jalankan")
        created = await admin.wait_for_message(contains="dibuat", timeout=20)
        assert "Rencana #" in created.body
        await admin.send_command("/jalankan")
        again = await admin.wait_for_message(contains="sudah ada", timeout=20)
        assert "Tidak dibuat ulang" in again.body
        await users[APPROVER].wait_for_message(contains="Budi Santoso", timeout=10)
        await users[NURSE_A].send_command("/jalankan")  # not an admin
        await users[NURSE_A].wait_for_message()
        assert len([p for p in (await state(loop))["proposals"].values()]) == 2


async def test_approve_all_needs_a_confirmation_and_decides_every_card_once(
    loop: E2E,
) -> None:
    async with loop.running() as app:
        users = await loop.register_everyone()
        approver = users[APPROVER]
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 7, 30, tzinfo=JAKARTA)
        summary = await approver.wait_for_message(lambda m: m.photo is not None, timeout=10)
        await approver.send_command("/usulan")
        await approver.wait_for_message(contains="2 usulan menunggu keputusan Anda")
        await approver.wait_for_message(contains="Budi Santoso")
        await approver.press("✅ Setujui semua", summary)
        confirm = await approver.wait_for_message(contains="Setujui semua usulan")
        assert (await state(loop))["audit"].count("proposal.approve") == 0
        await approver.press("Ya, setujui semua", confirm)
        # The confirmation is edited to the result; its buttons are gone.
        done = await approver.wait_for_message(contains="usulan disetujui")
        assert done.message_id == confirm.message_id and done.buttons == []
        assert done.body == "✅ 2 usulan disetujui."
        yes = {b.text: b.callback_data for b in confirm.buttons}
        # a client still showing the old button presses it again: nothing left to decide
        await approver.press_data(confirm.message_id, str(yes["Ya, setujui semua"]))
        await approver.wait_for_message(contains="Tidak ada usulan yang menunggu keputusan Anda")
        now = await state(loop)
        assert {p.state for p in now["proposals"].values()} == {ProposalState.APPROVED}
        assert now["audit"].count("proposal.approve") == 2
