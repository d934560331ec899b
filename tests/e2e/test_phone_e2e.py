"""End to end over HTTP (issue 11): the bot's profile at start, a tidy chat (edits in place,
toasts, the fallback answer, a press whose answer fails), edited and non-text messages inside a
dialogue, and /dataku as an XLSX — the real bot polling the Bot API emulator."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.domain import ProposalState
from devtools.emulator import EmulatedUser
from tests.handlers.test_phone import seed_move_in
from tests.support.e2e import E2E
from tests.support.handler_agency import ADMIN, SITI

pytestmark = pytest.mark.e2e

#: The smallest valid PNG (1x1), as a phone would send a photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def _register(runtime: E2E, user: EmulatedUser, nip: str) -> None:
    code = f"ph{user.user_id}{nip[-6:]}"
    await runtime.invite(nip, code)
    await user.send_command("/start", code)
    await user.wait_for_message(contains="Pendaftaran berhasil")


async def test_the_bot_describes_itself_and_its_agency_at_start(runtime: E2E) -> None:
    async with runtime.running(agency_name="BKPSDM Kabupaten Contoh"):
        await runtime.emulator.wait_for_call("setMyShortDescription", count=3)
    profile = runtime.emulator.bot_profile
    for language in ("id", "en", ""):
        assert "BKPSDM Kabupaten Contoh" in profile[("description", language)], language
        assert "BKPSDM Kabupaten Contoh" in profile[("short_description", language)], language
    assert "Pendaftaran hanya lewat tautan undangan" in profile[("description", "id")]
    assert "personal invitation link" in profile[("description", "en")]
    assert profile[("description", "")] == profile[("description", "id")]


async def test_an_edited_answer_photo_sticker_and_voice_inside_a_dialogue(
    runtime: E2E,
) -> None:
    siti = runtime.emulator.user(1001, "Siti")
    async with runtime.running():
        await _register(runtime, siti, SITI.nip)
        await siti.send_command("/aspirasi")
        await siti.wait_for_message(contains="Pilihan ke-1")
        typed = await siti.send_text("sukajaya")
        listing = await siti.wait_for_message(
            lambda m: "Puskesmas Sukajaya (PKM-B)" in m.button_texts
        )
        # a corrected typo is not read as the next answer; the person is told what to do
        await siti.edit_text(typed, "cempaka")
        told = await siti.wait_for_message(contains="Pesan yang diubah tidak dibaca")
        assert told.message_id > listing.message_id
        assert listing.message_id in [m.message_id for m in siti.messages()]  # list kept
        assert "Puskesmas Cempaka (PKM-C)" not in siti.messages()[-2].button_texts
        # a photo, a sticker, a voice note: a short reply saying what this step expects
        for send in (siti.send_photo(PNG), siti.send_sticker(), siti.send_voice()):
            await send
            reply = await siti.wait_for_message(contains="bukan foto, stiker, atau pesan suara")
            assert "teks atau tombol" in reply.body
        # the dialogue goes on where it was: the list still works
        await siti.press("Puskesmas Sukajaya (PKM-B)", listing)
        await siti.wait_for_message(contains="Tambah pilihan ke-2")
        # a new search result replaces the old list instead of piling up
        await siti.press("➕ Tambah pilihan ke-2")
        first = await siti.wait_for_message(contains="Pilihan ke-2")
        await siti.send_text("rsud")
        second = await siti.wait_for_message(lambda m: "RSUD Wonosari (RSUD)" in m.button_texts)
        assert second.message_id != first.message_id
        await runtime.emulator.wait_for_call(
            "deleteMessage", lambda c: c.params.get("message_id") == str(first.message_id)
        )
        assert first.message_id not in [m.message_id for m in siti.messages()]


async def test_unknown_presses_are_answered_and_a_failed_answer_still_approves(
    runtime: E2E,
) -> None:
    siti = runtime.emulator.user(1001, "Siti")
    andi = runtime.emulator.user(1009, "Andi")
    pid = await seed_move_in(runtime.uows)
    async with runtime.running():
        await _register(runtime, siti, SITI.nip)
        await _register(runtime, andi, ADMIN.nip)
        seen = len(siti.messages())
        query = await siti.press_data(siti.last_message().message_id, "old:button:1")
        answer = await siti.wait_for_callback_answer(query)
        assert answer.text == "Tombol ini sudah tidak berlaku. Mulai lagi dari perintahnya."
        assert len(siti.messages()) == seen  # a toast, not a message

        await andi.send_command("/usulan")
        card = await andi.wait_for_message(contains="Usulan mutasi #")
        assert len(card.body) <= 600
        # pressed before a restart: answering fails ("query is too old"), the approval stands
        await andi.press_data(card.message_id, f"apv:ok:{pid}:0", too_old=True)
        edited = await andi.wait_for_message(
            lambda m: m.message_id == card.message_id and "Disetujui oleh" in m.body
        )
        assert edited.buttons == []
        assert not [m for m in andi.messages() if "kesalahan di sistem" in m.body]
    async with runtime.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None and proposal.state == ProposalState.APPROVED
    failed = [c for c in runtime.emulator.calls_of("answerCallbackQuery") if not c.ok]
    assert failed and "query is too old" in (failed[-1].description or "")


async def test_dataku_over_http_is_a_readable_xlsx(runtime: E2E) -> None:
    siti = runtime.emulator.user(1001, "Siti")
    async with runtime.running():
        await _register(runtime, siti, SITI.nip)
        await siti.send_command("/dataku")
        summary = await siti.wait_for_message(contains="Data Anda yang tersimpan")
        sent = await siti.wait_for_message(lambda m: m.document is not None)
    assert "Profil: 13 baris" in summary.body
    assert sent.document is not None and sent.document.filename == f"dataku-{SITI.nip}.xlsx"
    book = load_workbook(io.BytesIO(sent.document.data))
    assert book["Profil"]["A1"].value == "Data" and book["Profil"]["B2"].value == SITI.nip
