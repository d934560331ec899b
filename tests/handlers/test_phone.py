"""Issue 11: messages read on a phone and a chat that edits instead of piling up.

Notices and cards in two layers, toasts, edits in place, the fallback answer for unknown
presses, best-effort answers, edited and non-text messages in a dialogue, /status without an
aspiration, plural forms, /dataku as XLSX, /privasi and /koreksi, the bot's profile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from core.domain import (
    Aspiration,
    AspirationWish,
    Plan,
    ProposalState,
    ReasonCategory,
    Role,
    RoleGrant,
    ScopeKind,
    TransferProposal,
)
from core.domain.messages import ApprovalCard, CorrectionRequest, Notice, WorkloadReminder
from core.domain.notices import TransferContent, transfer_content
from core.ports import UnitOfWorkFactory
from core.rebalance.documents import ExplanationDocument
from core.rebalance.model import Explanation
from handlers.approval import render_card
from handlers.commands import publish_profile
from handlers.i18n import translator
from handlers.notice import render_notice
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import RecordingRequest
from tests.support.handler_agency import ADMIN, DEWI, KEPALA, RINA, SITI, START
from tests.support.outbox_samples import payload_of
from tests.support.plan_documents import plan_document

SITI_ID, DEWI_ID, ADMIN_ID, KEPALA_ID, RINA_ID = 601, 602, 609, 603, 604
FIRST_SCREEN = 600

#: The plan moves two people out of PKM-A (staff_after 12) but a card counts only this move.
EXPLANATION: ExplanationDocument = {
    "origin": {
        "unit": "PKM-A",
        "family": "Perawat Terampil",
        "required": 9.6,
        "staff_before": 14,
        "staff_after": 12,
    },
    "destination": {
        "unit": "PKM-B",
        "family": "Perawat Terampil",
        "required": 8.4,
        "staff_before": 6,
        "staff_after": 8,
    },
    "skills_matched": [],
    "distance_km": {"before": 0.0, "after": 12.0},
    "objective_delta": -506.5,
    "chain": [],
    "alternative": {"unit": "PKM-C", "objective_delta": 40.0},
}


def visible(text: str) -> str:
    """What the phone shows: HTML tags dropped, entities unescaped."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", text))


async def seed_move(
    h: Harness, nip: str = SITI.nip, *, state: ProposalState = ProposalState.PENDING
) -> int:
    """A plan with one move of NIP from PKM-A to PKM-B; ADMIN approves everywhere."""
    return await seed_move_in(h.uows, nip, state=state)


async def seed_move_in(
    uows: UnitOfWorkFactory, nip: str = SITI.nip, *, state: ProposalState = ProposalState.PENDING
) -> int:
    """`seed_move` over any unit-of-work factory (the e2e runtime's too)."""
    _, [proposal_id] = await seed_moves_in(uows, [nip], state=state)
    return proposal_id


async def seed_moves_in(
    uows: UnitOfWorkFactory,
    nips: Sequence[str],
    *,
    state: ProposalState = ProposalState.PENDING,
    plan_day: dt.date | None = None,
) -> tuple[int, list[int]]:
    """A plan of PLAN_DAY (default START's day) moving each of NIPS from PKM-A to PKM-B, every
    move in STATE; ADMIN approves everywhere. Returns the plan id and the proposal ids, in the
    order of NIPS."""
    async with uows() as uow:
        plan = await uow.plans.add(
            Plan(
                None,
                START.date() if plan_day is None else plan_day,
                START,
                "optimal",
                10.0,
                20.0,
                9.0,
                solution=plan_document(
                    [
                        {
                            "employee": nip,
                            "from": "PKM-A",
                            "to": "PKM-B",
                            "explanation": EXPLANATION,
                        }
                        for nip in nips
                    ],
                    objective=10.0,
                    bound=9.0,
                    status_quo_objective=20.0,
                ),
            )
        )
        assert plan.id is not None
        ids: list[int] = []
        for nip in nips:
            proposal = await uow.proposals.add(
                TransferProposal(
                    None,
                    plan.id,
                    nip,
                    "PKM-A",
                    "PKM-B",
                    explanation=Explanation.from_dict(EXPLANATION),
                    state=state,
                    tmt=dt.date(2027, 1, 1),
                    decided_at=START if state != ProposalState.PENDING else None,
                )
            )
            assert proposal.id is not None
            ids.append(proposal.id)
        await uow.roles.grant(RoleGrant(ADMIN.nip, Role.APPROVER, ScopeKind.ALL, None))
        await uow.commit()
    return plan.id, ids


async def content_payload(h: Harness, proposal_id: int) -> TransferContent:
    async with h.uows() as uow:
        proposal = await uow.proposals.get(proposal_id)
        assert proposal is not None
        employee = await uow.employees.get(proposal.nip)
        units = {u.code: u for u in await uow.units.list()}
    return transfer_content(proposal, employee, units, today=START.date())


def as_notice(content: TransferContent) -> Notice:
    return Notice(proposal_id=content.proposal_id, content=content, objection_days=7)


def as_card(content: TransferContent) -> ApprovalCard:
    return ApprovalCard(proposal_id=content.proposal_id, content=content, stage=0, stage_count=1)


def long_names(content: TransferContent, **changes: Any) -> TransferContent:
    """The same content with the longest names an agency is likely to have."""
    content = dataclasses.replace(content, **changes)
    return dataclasses.replace(
        content,
        name="Dr. Raden Ayu Siti Nurhaliza Kusumawardhani, S.Kep., Ns., M.Kep.",
        jabatan="Perawat Ahli Muda pada Unit Pelayanan Kesehatan Masyarakat",
        origin=dataclasses.replace(
            content.origin,
            unit_name="UPT Puskesmas Wonosari II Kecamatan Wonosari Kabupaten Gunungkidul",
        ),
        destination=dataclasses.replace(
            content.destination,
            unit_name="UPT Puskesmas Tanjungsari Kecamatan Tanjungsari Kabupaten Gunungkidul",
        ),
    )


# --- item 1: two layers -------------------------------------------------------------------------


async def test_the_notice_fits_one_phone_screen_and_says_what_to_do(h: Harness) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)
    payload = await content_payload(h, pid)
    # the longest first screens: a chain reason, a freeze warning, an asked-for move
    even = dataclasses.replace(payload.origin, staff_before=10)
    worst = (
        long_names(payload),
        long_names(payload, origin=even, chain_size=3, freeze_note=True),
        long_names(payload, aspiration_rank=3, freeze_note=True),
    )
    for language in ("id", "en"):
        for sample in (payload, *worst):
            text, markup = render_notice(translator(language), as_notice(sample))
            assert len(visible(text)) <= FIRST_SCREEN, (language, len(visible(text)), text)
    text, markup = render_notice(translator("id"), as_notice(payload))
    shown = visible(text)
    # what, from, to, TMT, the main reason in whole people, what to do
    assert "Puskesmas Sukamaju → Puskesmas Sukajaya" in shown
    assert "TMT 1 Januari 2027" in shown
    assert "unit asal butuh 10 orang, ada 14; unit tujuan butuh 8 orang, ada 6" in shown
    assert "7 hari" in shown
    # a move Siti did not ask for opens with that, and never talks of her aspiration
    assert "bukan atas permintaan Anda" in shown and "aspirasi" not in shown.lower()
    # no codes, no score, no legal basis on the first screen
    assert "PKM-" not in shown and "poin" not in shown and "Dasar hukum" not in shown
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels == ["✅ Terima", "📝 Ajukan keberatan", "ℹ️ Rincian"]


async def test_rincian_on_a_notice_edits_the_same_message_with_the_numbers(h: Harness) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)
    await h.register(SITI_ID, SITI.nip)
    h.request.forget()
    details = await h.press(SITI_ID, f"ntc:info:{pid}")
    assert details.method == "editMessageText"
    assert [c.method for c in h.request.calls].count("sendMessage") == 0
    shown = visible(details.text)
    # counts after THIS move (14 -> 13, 6 -> 7), not the plan's 12 and 8
    assert "ada 14; setelah mutasi ini 13" in shown and "ada 6; setelah mutasi ini 7" in shown
    assert "setelah mutasi ini 12" not in shown and "setelah mutasi ini 8" not in shown
    # the per-move measure, in people: |14-10| + |6-8| = 6 before, |13-10| + |7-8| = 4 after
    assert "Selisih dengan kebutuhan ABK di kedua unit: 6 → 4 orang" in shown
    assert "Pilihan terbaik berikutnya: Puskesmas Cempaka" in shown and "PKM-C" not in shown
    assert "Dasar hukum" in shown
    # Siti has no home on record: no distance line at all
    assert "Jarak" not in shown and "km" not in shown
    assert "aspirasi" not in shown.lower()
    assert [label for label, _ in details.buttons] == [
        "✅ Terima",
        "📝 Ajukan keberatan",
        "🔼 Ringkas",
    ]
    back = await h.press(SITI_ID, f"ntc:less:{pid}")
    assert back.method == "editMessageText" and "Dasar hukum" not in back.text


async def test_distance_is_straight_line_and_only_with_a_home_on_record(h: Harness) -> None:
    pid = await seed_move(h)
    async with h.uows() as uow:
        await uow.employees.upsert(dataclasses.replace(SITI, home_lat=-7.9, home_lon=110.5))
        await uow.commit()
    content = await content_payload(h, pid)
    assert (content.distance_before_km, content.distance_after_km) == (0.0, 12.0)
    from handlers.approval import card_text

    expanded = visible(card_text(translator("id"), as_card(content), expanded=True))
    assert "Jarak garis lurus dari rumah: 0,0 → 12,0 km" in expanded
    english = visible(card_text(translator("en"), as_card(content), expanded=True))
    assert "Straight-line distance from home: 0.0 → 12.0 km" in english


async def test_the_aspiration_line_and_opening_follow_what_the_person_asked(h: Harness) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)
    payload = await content_payload(h, pid)
    asked = dataclasses.replace(payload, aspiration_rank=2)
    shown = visible(render_notice(translator("id"), as_notice(asked))[0])
    assert "Aspirasi mutasi Anda (pilihan ke-2) disetujui" in shown
    assert "bukan atas permintaan" not in shown
    card = visible(render_card(translator("id"), as_card(asked))[0])
    assert "Sesuai aspirasi pilihan ke-2" in card
    card_unasked = visible(render_card(translator("id"), as_card(payload))[0])
    assert "tidak mengajukan mutasi ini" in card_unasked and "pilihan ke-" not in card_unasked


async def test_the_card_fits_one_screen_with_names_not_codes(h: Harness) -> None:
    pid = await seed_move(h)
    payload = await content_payload(h, pid)
    even = dataclasses.replace(payload.origin, staff_before=10)
    worst = (
        long_names(payload),
        long_names(payload, origin=even, chain_size=3, freeze_note=True),
        long_names(payload, origin=even, months_in_unit=75),
    )
    for language in ("id", "en"):
        for sample in (payload, *worst):
            text, _ = render_card(translator(language), as_card(sample))
            assert len(visible(text)) <= FIRST_SCREEN, (language, len(visible(text)))
            assert "PKM-" not in text and "poin" not in text and "points" not in text
    text, markup = render_card(translator("en"), as_card(payload))
    assert "origin unit needs 10 people and has 14" in visible(text)
    chained = visible(
        render_card(translator("id"), as_card(long_names(payload, origin=even, chain_size=3)))[0]
    )
    assert "satu dari 3 mutasi terkait" in chained  # the move alone does not help
    stayed = visible(
        render_card(
            translator("id"), as_card(long_names(payload, origin=even, months_in_unit=75))
        )[0]
    )
    assert "sudah 75 bulan di unit asal" in stayed
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels == ["✅ Approve", "❌ Reject", "ℹ️ Details"]


# --- item 3: a tidy chat -------------------------------------------------------------------------


async def test_approving_edits_the_card_in_place_and_answers_with_a_toast(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    cards = await h.command(ADMIN_ID, "/usulan")  # an /usulan copy of the card
    assert "Usulan mutasi #" in cards.text
    h.request.forget()
    toast = await h.press(ADMIN_ID, f"apv:ok:{pid}:0")
    assert toast.method == "answerCallbackQuery" and f"Usulan #{pid} disetujui" in toast.text
    methods = h.request.methods()
    assert "sendMessage" not in methods
    [edit] = [c for c in h.request.calls if c.method == "editMessageText"]
    assert "Disetujui oleh Andi Operator" in edit.text and edit.buttons == []
    assert int(edit.params["message_id"]) == 999  # the pressed message
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None and proposal.state == ProposalState.APPROVED

    # pressing the same (stale) card again: a toast and the card shows its state, no buttons
    h.request.forget()
    await h.press(ADMIN_ID, f"apv:ok:{pid}:0")
    assert "sudah disetujui" in h.request.last_toast()
    assert "sendMessage" not in h.request.methods()
    [stale] = [c for c in h.request.calls if c.method == "editMessageText"]
    assert "Status: disetujui" in stale.text and stale.buttons == []


async def test_rincian_on_a_card_edits_it_and_keeps_the_decision_buttons(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    h.request.forget()
    details = await h.press(ADMIN_ID, f"apv:info:{pid}:0")
    assert details.method == "editMessageText" and "sendMessage" not in h.request.methods()
    assert "Dasar hukum" in details.text and "Status: menunggu keputusan" in details.text
    assert [label for label, _ in details.buttons] == ["✅ Setujui", "❌ Tolak", "🔼 Ringkas"]


async def test_a_rejection_edits_the_card_it_came_from(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    ask = await h.press(ADMIN_ID, f"apv:no:{pid}:0")
    assert "alasan penolakan" in ask.text
    h.request.forget()
    done = await h.command(ADMIN_ID, "Unit asal masih kekurangan perawat")
    assert "ditolak" in done.text
    [edit] = [c for c in h.request.calls if c.method == "editMessageText"]
    assert int(edit.params["message_id"]) == 999
    assert "Ditolak oleh Andi Operator" in edit.text and "masih kekurangan perawat" in edit.text


async def test_the_approve_all_confirmation_loses_its_buttons_once_used(h: Harness) -> None:
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None
    confirm = await h.press(ADMIN_ID, f"apv:all:{proposal.plan_id}")
    assert [label for label, _ in confirm.buttons] == ["Ya, setujui semua", "Batal"]
    h.request.forget()
    done = await h.press(ADMIN_ID, f"apv:allyes:{proposal.plan_id}")
    assert done.method == "editMessageText" and done.buttons == []
    assert "1 usulan disetujui" in done.text
    cancelled = await h.press(ADMIN_ID, f"apv:allno:{proposal.plan_id}")
    assert cancelled.method == "editMessageText" and cancelled.buttons == []


async def test_a_press_no_handler_knows_is_answered_that_the_button_is_stale(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    h.request.forget()
    for data in ("zzz:gone:1", "apv", "old-version-button"):
        toast = await h.press(SITI_ID, data)
        assert toast.method == "answerCallbackQuery"
        assert "Tombol ini sudah tidak berlaku" in toast.text
    assert "sendMessage" not in h.request.methods()
    assert h.request.methods().count("answerCallbackQuery") == 3


async def test_a_failed_answer_is_logged_and_the_press_still_acts(h: Harness, caplog: Any) -> None:
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    h.request.answers_too_old = True  # as after a restart: every answer is refused
    h.request.forget()
    await h.press(ADMIN_ID, f"apv:ok:{pid}:0")
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None and proposal.state == ProposalState.APPROVED
    assert any("query is too old" in r.getMessage().lower() for r in caplog.records)
    assert not any("kesalahan di sistem" in c.text for c in h.request.sent(ADMIN_ID))
    # the toast could not be shown; the edited card still shows the outcome
    assert any(
        "Disetujui oleh" in c.text for c in h.request.calls if c.method == "editMessageText"
    )


async def test_an_edited_message_in_a_dialogue_is_not_taken_as_the_answer(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    await h.command(SITI_ID, "sukajaya")
    async with h.uows() as uow:
        audit_before = len(await uow.audit.list())
    state_before = await h.app.bot_data.services.dialogues.get(SITI_ID)
    h.request.forget()
    await h.app.process_update(h.updates.edited(SITI_ID, 2, "cempaka"))
    reply = h.request.last(SITI_ID)
    assert "Pesan yang diubah tidak dibaca" in reply.text
    assert "kirim nilai yang benar sebagai pesan baru" in reply.text.lower()
    state_after = await h.app.bot_data.services.dialogues.get(SITI_ID)
    assert (state_after.flow, state_after.step, state_after.answers) == (
        state_before.flow,
        state_before.step,
        state_before.answers,
    )
    async with h.uows() as uow:
        assert len(await uow.audit.list()) == audit_before
    # outside a dialogue an edit is simply ignored (no reply)
    await h.command(SITI_ID, "/batal")
    h.request.forget()
    await h.app.process_update(h.updates.edited(SITI_ID, 3, "/status"))
    assert h.request.sent(SITI_ID) == []


async def test_photo_sticker_and_voice_in_a_dialogue_get_told_what_is_expected(
    h: Harness,
) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    for kind in ("photo", "sticker", "voice"):
        h.request.forget()
        await h.app.process_update(h.updates.non_text(SITI_ID, kind))
        reply = h.request.last(SITI_ID)
        assert "bukan foto, stiker, atau pesan suara" in reply.text, kind
    state = await h.app.bot_data.services.dialogues.get(SITI_ID)
    assert state is not None and state.flow == "asp"
    await h.command(SITI_ID, "/batal")
    h.request.forget()
    await h.app.process_update(h.updates.non_text(SITI_ID, "photo"))
    assert "Tidak ada percakapan" in h.request.last(SITI_ID).text


# --- item 2: correct texts -----------------------------------------------------------------------


async def test_status_without_an_aspiration_never_says_your_aspiration(h: Harness) -> None:
    await seed_move(h, RINA.nip)  # Rina is moved without having asked
    await h.register(RINA_ID, RINA.nip)
    reply = await h.command(RINA_ID, "/status")
    assert "belum punya aspirasi" in reply.text
    assert "Aspirasi Anda ke" not in reply.text
    assert "memindahkan Anda ke Puskesmas Sukajaya" in reply.text
    assert "bukan atas aspirasi Anda" in reply.text


async def test_status_with_the_granted_aspiration_says_so(h: Harness) -> None:
    await seed_move(h, RINA.nip)
    async with h.uows() as uow:
        await uow.aspirations.add(
            Aspiration(
                RINA.nip,
                AspirationWish(("PKM-B",), "Perawat Terampil", ReasonCategory.HOME, "", 2),
                START,
                START + dt.timedelta(days=365),
            )
        )
        await uow.commit()
    await h.register(RINA_ID, RINA.nip)
    reply = await h.command(RINA_ID, "/status")
    assert "Aspirasi Anda ke Puskesmas Sukajaya masuk rencana terakhir" in reply.text
    assert "belum punya aspirasi" not in reply.text


async def test_english_counts_use_plural_forms(h: Harness) -> None:
    t = translator("en")
    assert t("usulan.header", count=1) == "1 proposal awaits your decision:"
    assert t("usulan.header", count=3) == "3 proposals await your decision:"
    assert "1 month" in t("status.unit", unit="U", jabatan="J", count=1)
    assert "1 months" not in t("status.unit", unit="U", jabatan="J", count=1)
    assert translator("id")("usulan.header", count=1) == "1 usulan menunggu keputusan Anda:"
    pid = await seed_move(h)
    await h.register(ADMIN_ID, ADMIN.nip, language="en")
    await h.command(ADMIN_ID, "/usulan", language="en")
    texts = [c.text for c in h.request.sent(ADMIN_ID)]
    assert "1 proposal awaits your decision:" in texts
    assert pid > 0


async def test_the_workload_reminder_has_real_line_breaks() -> None:
    from handlers.reminders import render_workload_reminder

    for language in ("id", "en"):
        text, _ = render_workload_reminder(
            translator(language), WorkloadReminder(month="2026-10", units=("Puskesmas A", "RSUD"))
        )
        assert "\\n" not in text and "\n• Puskesmas A\n• RSUD\n" in text


async def test_the_admin_menu_lists_rencana(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)  # ADMIN is admin, not approver, in the seed
    reply = await h.command(ADMIN_ID, "/bantuan")
    assert "/rencana" in reply.text and "/jalankan" in reply.text
    shown = await h.command(ADMIN_ID, "/rencana")
    assert "hanya untuk" not in shown.text and "tidak berwenang" not in shown.text


# --- item 5: privacy -----------------------------------------------------------------------------


async def test_dataku_sends_a_short_list_and_an_xlsx_of_everything(h: Harness) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)
    async with h.uows() as uow:
        await uow.employees.upsert(
            dataclasses.replace(
                SITI,
                home_lat=-7.95,
                home_lon=110.6,
                spouse_nip=DEWI.nip,
                skills=("keperawatan", "gizi"),
            )
        )
        await uow.commit()
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    await h.command(SITI_ID, "/batal")
    from core.usecases.objections import object_transfer

    await object_transfer(
        h.uows,
        h.clock,
        h.app.bot_data.services.rules.approval,
        proposal_id=pid,
        nip=SITI.nip,
        reason="Anak saya sekolah di dekat rumah",
    )
    h.request.forget()
    await h.command(SITI_ID, "/dataku")
    sent = h.request.sent(SITI_ID)
    summary, document = sent[-2], sent[-1]
    assert summary.method == "sendMessage" and "Data Anda yang tersimpan" in summary.text
    assert "Usulan mutasi: 1 baris" in summary.text and "/koreksi" in summary.text
    assert document.method == "sendDocument"
    [data] = document.files.values()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Profil",
        "Akun Telegram",
        "Peran",
        "Aspirasi",
        "Usulan mutasi",
        "Keputusan",
        "Keberatan",
        "Penilaian",
        "Laporan beban kerja",
        "Riwayat audit",
    ]
    profile = {row[0]: row[1] for row in book["Profil"].iter_rows(min_row=2, values_only=True)}
    assert profile["NIP"] == SITI.nip and profile["Nama"] == SITI.name
    assert profile["NIP pasangan"] == DEWI.nip and profile["Rumah: lintang"] == -7.95
    assert profile["Keahlian"] == "keperawatan, gizi"
    proposals = list(book["Usulan mutasi"].iter_rows(values_only=True))
    assert proposals[0][0] == "No. usulan" and proposals[1][0] == pid
    assert "staff_before" in str(proposals[1][8])  # the explanation is there
    objections = list(book["Keberatan"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in objections] == [
        (pid, "proposal.object", "Anak saya sekolah di dekat rumah")
    ]
    audit = [r[2] for r in book["Riwayat audit"].iter_rows(min_row=2, values_only=True)]
    assert "account.bind" in audit and "proposal.object" in audit
    headers = [c.value for c in book["Riwayat audit"][1]]
    assert headers == ["Waktu", "Pelaku", "Tindakan", "Subjek", "Sebelum", "Sesudah"]


async def test_dataku_holds_the_workload_reports_the_person_made(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    await h.command(KEPALA_ID, "/bebankerja")
    await h.press(KEPALA_ID, "wl:month:0")
    await h.command(KEPALA_ID, "100")
    await h.command(KEPALA_ID, "7")
    await h.press(KEPALA_ID, "wl:save")
    h.request.forget()
    await h.command(KEPALA_ID, "/dataku")
    [data] = h.request.sent(KEPALA_ID)[-1].files.values()
    rows = list(load_workbook(io.BytesIO(data))["Laporan beban kerja"].iter_rows(values_only=True))
    assert rows[0][0] == "Unit/jabatan" and len(rows) == 2
    assert rows[1][0] == "PKM-A/Perawat Terampil" and "Asuhan keperawatan" in str(rows[1][2])


async def test_privasi_lists_every_stored_field_and_how_to_correct(h: Harness) -> None:
    reply = await h.command(SITI_ID, "/privasi")
    for field in (
        "NIP",
        "golongan",
        "Keahlian",
        "Koordinat rumah",
        "NIP pasangan",
        "Alasan tidak dapat dimutasi",
        "Akun Telegram",
        "Catatan audit",
        "12 bulan",
        "/dataku",
        "/koreksi",
    ):
        assert field in reply.text, field


async def test_koreksi_reaches_the_admins_as_a_task(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    await h.register(SITI_ID, SITI.nip)
    ask = await h.command(SITI_ID, "/koreksi")
    assert "data mana yang salah" in ask.text
    done = await h.command(SITI_ID, "Golongan saya sudah III/b sejak April")
    assert "dikirim ke admin" in done.text
    async with h.uows() as uow:
        tasks = [m for m in await uow.outbox.list() if m.kind == "correction_request"]
        audit = [e for e in await uow.audit.list() if e.action == "correction.request"]
    assert [t.chat_id for t in tasks] == [ADMIN_ID]
    assert (
        payload_of(tasks[0], CorrectionRequest).request == "Golongan saya sudah III/b sejak April"
    )
    assert audit and audit[0].actor == SITI.nip
    from handlers.privacy import render_correction_request

    text, _ = render_correction_request(translator("id"), payload_of(tasks[0], CorrectionRequest))
    assert "Permintaan koreksi data" in text and SITI.nip in text and "III/b" in text


# --- item 6: the bot's profile -------------------------------------------------------------


async def test_the_profile_is_set_in_both_languages_with_the_agency_name() -> None:
    from telegram import Bot

    request = RecordingRequest()
    bot = Bot("123:TEST", request=request, get_updates_request=request)
    await bot.initialize()
    await publish_profile(bot, "BKPSDM Kabupaten Contoh", "id")
    descriptions = {
        (c.params.get("language_code")): c.params["description"]
        for c in request.calls
        if c.method == "setMyDescription"
    }
    shorts = {
        (c.params.get("language_code")): c.params["short_description"]
        for c in request.calls
        if c.method == "setMyShortDescription"
    }
    assert set(descriptions) == set(shorts) == {"id", "en", None}
    assert "BKPSDM Kabupaten Contoh" in descriptions["id"] and "mutasi" in descriptions["id"]
    assert "BKPSDM Kabupaten Contoh" in descriptions["en"] and "transfer" in descriptions["en"]
    assert descriptions[None] == descriptions["id"]
    assert all(len(s) <= 120 for s in shorts.values())
    assert all(len(d) <= 512 for d in descriptions.values())


async def test_a_new_search_result_replaces_the_old_list(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    first = await h.command(SITI_ID, "/aspirasi")
    h.request.forget()
    second = await h.command(SITI_ID, "sukajaya")
    assert "Puskesmas Sukajaya (PKM-B)" in [label for label, _ in second.buttons]
    [gone] = [c for c in h.request.calls if c.method == "deleteMessage"]
    assert int(gone.params["message_id"]) == first.result["message_id"]
    h.request.forget()
    third = await h.command(SITI_ID, "cempaka")
    [gone] = [c for c in h.request.calls if c.method == "deleteMessage"]
    assert int(gone.params["message_id"]) == second.result["message_id"]
    state = await h.app.bot_data.services.dialogues.get(SITI_ID)
    assert state is not None and state.list_message == third.result["message_id"]
