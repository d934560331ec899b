"""End to end over HTTP: the real bot, polling the Bot API emulator, flows 1-3 and refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from devtools.emulator import EmulatedUser
from tests.support.e2e import E2E
from tests.support.handler_agency import ADMIN, CARE, DEWI, KEPALA, NURSE, OUTREACH, SITI

pytestmark = pytest.mark.e2e


async def _invite(runtime: E2E, nip: str, code: str, days: int = 14) -> None:
    await runtime.invite(nip, code, days)


async def _register(runtime: E2E, user: EmulatedUser, nip: str) -> None:
    code = f"e2e{user.user_id}{nip[-6:]}"
    await _invite(runtime, nip, code)
    await user.send_command("/start", code)
    await user.wait_for_message(contains="Pendaftaran berhasil")


async def _snapshot(runtime: E2E) -> dict[str, Any]:
    """What a refused action must not change."""
    async with runtime.uows() as uow:
        return {
            "audit": len(await uow.audit.list()),
            "siti_wish": await uow.aspirations.current_for(SITI.nip),
            "dewi_wish": await uow.aspirations.current_for(DEWI.nip),
            "report": await uow.workload_reports.latest_for("PKM-A", NURSE),
            "activities": sorted(
                (a.name, a.annual_volume) for a in await uow.activities.list_for("PKM-A", NURSE)
            ),
            "accounts": [await uow.accounts.get_by_telegram(i) for i in (1001, 1002, 1003, 1999)],
        }


async def test_invited_asn_builds_an_aspiration_across_a_bot_restart(runtime: E2E) -> None:
    admin = runtime.emulator.user(1009, "Andi")
    siti = runtime.emulator.user(1001, "Siti")
    async with runtime.running():
        await _register(runtime, admin, ADMIN.nip)
        await admin.send_command("/undang", "PKM-A")
        sheet = await admin.wait_for_message(lambda m: m.document is not None)
        assert sheet.document is not None
        rows = list(csv.DictReader(io.StringIO(sheet.document.data.decode("utf-8"))))
        link = next(r["tautan"] for r in rows if r["nip"] == SITI.nip)
        assert SITI.nip not in link and link.startswith("https://t.me/mutasi_test_bot?start=")

        await siti.send_command("/start", link.split("start=", 1)[1])
        await siti.wait_for_message(contains="Pendaftaran berhasil")
        await siti.send_command("/aspirasi")
        await siti.wait_for_message(contains="Pilihan ke-1")
        await siti.send_text("sukajaya")
        await siti.wait_for_message(contains="Pilihan ke-1")
        await siti.press("Puskesmas Sukajaya (PKM-B)")
        await siti.wait_for_message(contains="Tambah pilihan ke-2")
        await siti.press("➕ Tambah pilihan ke-2")
        await siti.wait_for_message(contains="Pilihan ke-2")
        await siti.send_text("rsud")
        listing = await siti.wait_for_message(lambda m: "RSUD Wonosari (RSUD)" in m.button_texts)
        await siti.press("RSUD Wonosari (RSUD)", listing)
        await siti.wait_for_message(contains="Tambah pilihan ke-3")

    async with runtime.running():  # a new Application: nothing survives in memory
        await siti.press("➕ Tambah pilihan ke-3")
        await siti.wait_for_message(contains="Pilihan ke-3")
        await siti.press("Puskesmas Cempaka (PKM-C)")
        await siti.wait_for_message(contains="Pekerjaan apa")
        await siti.press("Sama: Perawat Terampil")
        await siti.wait_for_message(contains="alasan utama")
        await siti.press("Lebih dekat ke rumah")
        await siti.wait_for_message(contains="Ceritakan alasan")
        await siti.send_text("Rumah saya di Playen.")
        await siti.wait_for_message(contains="Seberapa bersedia")
        await siti.press("Bersedia")
        await siti.wait_for_message(contains="Periksa aspirasi")
        await siti.press("📨 Kirim")
        await siti.wait_for_message(contains="Aspirasi tersimpan")

    async with runtime.uows() as uow:
        wish = await uow.aspirations.current_for(SITI.nip)
    assert wish is not None and wish.wish.choices == ("PKM-B", "RSUD", "PKM-C")
    assert wish.wish.reason_text == "Rumah saya di Playen."


async def test_supervisor_reports_a_month_and_sees_fte_and_ej_category(
    runtime: E2E,
) -> None:
    kepala = runtime.emulator.user(1003, "Bambang")
    async with runtime.running():
        await _register(runtime, kepala, KEPALA.nip)
        await kepala.send_command("/bebankerja")
        await kepala.wait_for_message(contains="Bulan laporan")
        await kepala.press("Oktober 2026")
        await kepala.wait_for_message(contains="Kegiatan 1/2")
        await kepala.send_text("100")
        await kepala.wait_for_message(contains="Kegiatan 2/2")
        await kepala.send_text("tujuh")
        await kepala.wait_for_message(contains="«tujuh» bukan angka")
        await kepala.send_text("7")
        preview = await kepala.wait_for_message(contains="Simpan laporan ini?")
        assert "kebutuhan 1,02 pegawai" in preview.body and "EJ 0,51, kategori D" in preview.body
        await kepala.press("💾 Simpan")
        saved = await kepala.wait_for_message(contains="tersimpan")
        assert "kategori D (kelebihan pegawai)" in saved.body
    async with runtime.uows() as uow:
        report = await uow.workload_reports.latest_for("PKM-A", NURSE)
    assert report is not None and report.volumes == {CARE: 100.0, OUTREACH: 7.0}


async def test_supervisor_uploads_the_xlsx_template_the_bot_sent(runtime: E2E) -> None:
    kepala = runtime.emulator.user(1003, "Bambang")
    async with runtime.running():
        await _register(runtime, kepala, KEPALA.nip)
        await kepala.send_command("/bebankerja")
        await kepala.wait_for_message(contains="Bulan laporan")
        await kepala.press("Oktober 2026")
        await kepala.wait_for_message(contains="Kegiatan 1/2")
        await kepala.press("📄 Unduh templat XLSX")
        sent = await kepala.wait_for_message(lambda m: m.document is not None)
        assert sent.document is not None
        book = load_workbook(io.BytesIO(sent.document.data))
        book.worksheets[0]["D2"] = 150
        book.worksheets[0]["D3"] = 10
        filled = io.BytesIO()
        book.save(filled)
        await kepala.send_document(
            "bebankerja.xlsx",
            filled.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        preview = await kepala.wait_for_message(contains="Simpan laporan ini?")
        assert "150 pasien" in preview.body
        await kepala.press("💾 Simpan")
        await kepala.wait_for_message(contains="tersimpan")
    async with runtime.uows() as uow:
        report = await uow.workload_reports.latest_for("PKM-A", NURSE)
    assert report is not None and report.volumes == {CARE: 150.0, OUTREACH: 10.0}


async def test_refusals_change_nothing_in_the_database(runtime: E2E) -> None:
    siti = runtime.emulator.user(1001, "Siti")
    dewi = runtime.emulator.user(1002, "Dewi")
    stranger = runtime.emulator.user(1999, "Stranger")
    async with runtime.running():
        await _register(runtime, siti, SITI.nip)
        await _register(runtime, dewi, DEWI.nip)
        await siti.send_command("/aspirasi")
        await siti.wait_for_message(contains="Pilihan ke-1")
        for button, answer in (
            ("Puskesmas Cempaka (PKM-C)", "Tambah pilihan ke-2"),
            ("✅ Cukup", "Pekerjaan apa"),
            ("Sama: Perawat Terampil", "alasan utama"),
            ("Kesehatan", "Ceritakan alasan"),
            ("Lewati", "Seberapa bersedia"),
            ("Sangat bersedia", "Periksa aspirasi"),
            ("📨 Kirim", "Aspirasi tersimpan"),
        ):
            await siti.press(button)
            await siti.wait_for_message(contains=answer)
        before = await _snapshot(runtime)
        siti_wish = before["siti_wish"]
        assert siti_wish is not None

        await siti.send_command("/bebankerja")
        await siti.wait_for_message(contains="hanya untuk peran kepala unit")
        await stranger.send_command("/aspirasi")
        await stranger.wait_for_message(contains="belum terdaftar")
        await stranger.send_text("halo")
        refusal = await stranger.wait_for_message(contains="belum terdaftar")
        # Refused presses are answered as toasts (answerCallbackQuery text), not new messages.
        query = await stranger.press_data(refusal.message_id, f"asp:wd:{siti_wish.id}")
        assert "belum terdaftar" in ((await stranger.wait_for_callback_answer(query)).text or "")
        await dewi.send_command("/status")
        status = await dewi.wait_for_message(contains="Unit:")
        seen = len(dewi.messages())
        query = await dewi.press_data(status.message_id, f"asp:wd:{siti_wish.id}")
        assert "bukan aspirasi Anda" in ((await dewi.wait_for_callback_answer(query)).text or "")
        query = await dewi.press_data(status.message_id, "wl:save")
        toast = (await dewi.wait_for_callback_answer(query)).text or ""
        assert "hanya untuk peran kepala unit" in toast
        assert len(dewi.messages()) == seen
        assert await _snapshot(runtime) == before


async def test_asn_with_fourteen_months_in_the_unit_is_told_at_once(runtime: E2E) -> None:
    dewi = runtime.emulator.user(1002, "Dewi")
    async with runtime.running():
        await _register(runtime, dewi, DEWI.nip)
        await dewi.send_command("/aspirasi")
        told = await dewi.wait_for_message(contains="belum dapat dikabulkan")
    assert "masa kerja di unit sekarang baru 14 bulan; minimal 24" in told.body
    assert "sebelum bulan ke-24" in told.body


async def test_used_expired_and_random_invitations_are_refused_clearly(
    runtime: E2E,
) -> None:
    first, second = runtime.emulator.user(1001, "A"), runtime.emulator.user(1005, "B")
    third, fourth = runtime.emulator.user(1006, "C"), runtime.emulator.user(1007, "D")
    await _invite(runtime, SITI.nip, "usedcode01")
    await _invite(runtime, DEWI.nip, "expiredcode", days=14)
    async with runtime.running():
        await first.send_command("/start", "usedcode01")
        await first.wait_for_message(contains="Pendaftaran berhasil")
        await second.send_command("/start", "usedcode01")
        await second.wait_for_message(contains="sudah pernah dipakai")
        runtime.clock.advance(dt.timedelta(days=15))
        await third.send_command("/start", "expiredcode")
        await third.wait_for_message(contains="sudah kedaluwarsa")
        await fourth.send_command("/start", "Zx9-random-guess")
        await fourth.wait_for_message(contains="tidak dikenal")
    async with runtime.uows() as uow:
        for user_id in (1005, 1006, 1007):
            assert await uow.accounts.get_by_telegram(user_id) is None


async def test_unit_lists_page_and_a_repeated_page_press_changes_nothing(
    runtime: E2E,
) -> None:
    siti = runtime.emulator.user(1001, "Siti")
    async with runtime.running():
        await _register(runtime, siti, SITI.nip)
        await siti.send_command("/aspirasi")
        first = await siti.wait_for_message(contains="Pilihan ke-1")
        assert len(first.buttons) == 9  # 8 units and "Berikutnya ›"
        await siti.press("Berikutnya ›")
        second = await siti.wait_for_message(lambda m: "‹ Sebelumnya" in m.button_texts)
        assert second.message_id == first.message_id
        assert "SD Negeri 1 Harapan (SDN-1)" in second.button_texts
        answered = len(siti.callback_answers())
        await siti.press_data(first.message_id, "asp:page:1")
        await runtime.emulator.wait_for_call("answerCallbackQuery", count=answered + 1)
        await siti.press("SD Negeri 1 Harapan (SDN-1)")
        refused = await siti.wait_for_message(contains="tidak dapat dikabulkan")
    assert "tidak memiliki formasi jabatan Perawat Terampil" in refused.body
    assert not any("kesalahan di sistem" in m.body for m in siti.messages())
