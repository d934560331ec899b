"""Issue 9 over HTTP (the real bot polling the Bot API emulator): a large workload change is
confirmed with both figures before anything is stored, and /rencana sends the plan workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.domain import Plan, TransferProposal, WorkloadReport
from devtools.emulator import EmulatedUser
from tests.support.e2e import E2E
from tests.support.handler_agency import ADMIN, CARE, KEPALA, NURSE, OUTREACH, SITI
from tests.support.outbox_samples import explanation
from tests.support.plan_documents import plan_document

pytestmark = pytest.mark.e2e


async def _register(runtime: E2E, user: EmulatedUser, nip: str) -> None:
    code = f"e2e{user.user_id}{nip[-6:]}"
    await runtime.invite(nip, code, 14)
    await user.send_command("/start", code)
    await user.wait_for_message(contains="Pendaftaran berhasil")


async def test_a_large_drop_is_confirmed_with_both_figures_before_it_is_stored(
    runtime: E2E,
) -> None:
    async with runtime.uows() as uow:
        await uow.workload_reports.add(
            WorkloadReport(
                "PKM-A",
                NURSE,
                "2026-09",
                {CARE: 100.0, OUTREACH: 7.0},
                KEPALA.nip,
                dt.datetime(2026, 10, 3, 2, 0, tzinfo=dt.UTC),
            )
        )
        await uow.commit()
    kepala = runtime.emulator.user(1003, "Bambang")
    async with runtime.running():
        await _register(runtime, kepala, KEPALA.nip)
        await kepala.send_command("/bebankerja")
        await kepala.wait_for_message(contains="Bulan laporan")
        await kepala.press("Oktober 2026")
        await kepala.wait_for_message(contains="Kegiatan 1/2")
        await kepala.send_text("10")
        await kepala.wait_for_message(contains="Kegiatan 2/2")
        await kepala.send_text("0")
        preview = await kepala.wait_for_message(contains="Perubahan besar")
        assert "menurut laporan September 2026: 1,02 pegawai" in preview.body
        assert "menurut laporan Oktober 2026 ini: 0,10 pegawai" in preview.body
        async with runtime.uows() as uow:
            assert await uow.workload_reports.for_month("PKM-A", NURSE, "2026-10") is None
        await kepala.press("✅ Angka benar, simpan")
        await kepala.wait_for_message(contains="tersimpan")
    async with runtime.uows() as uow:
        october = await uow.workload_reports.for_month("PKM-A", NURSE, "2026-10")
    assert october is not None and october.large_change and october.volumes[CARE] == 10.0


async def test_the_rencana_button_sends_the_plan_workbook(runtime: E2E) -> None:
    async with runtime.uows() as uow:
        plan = await uow.plans.add(
            Plan(
                None,
                dt.date(2026, 11, 2),
                dt.datetime(2026, 11, 1, 18, 0, tzinfo=dt.UTC),
                "awaiting_approval",
                10.0,
                52.0,
                10.0,
                plan_document(),
            )
        )
        assert plan.id is not None
        await uow.proposals.add(
            TransferProposal(
                None,
                plan.id,
                SITI.nip,
                "PKM-A",
                "PKM-B",
                explanation=explanation(),
            )
        )
        await uow.commit()
    admin = runtime.emulator.user(1004, "Andi")
    async with runtime.running():
        await _register(runtime, admin, ADMIN.nip)
        await admin.send_command("/rencana")
        await admin.wait_for_message(contains="Rencana mutasi")
        await admin.press("📊 Unduh rencana (XLSX)")
        sent = await admin.wait_for_message(lambda m: m.document is not None)
    assert sent.document is not None
    book = load_workbook(io.BytesIO(sent.document.data))
    assert book.sheetnames == ["Ringkasan", "Dinas Kesehatan", "Berita Acara"]
    rows = list(book["Dinas Kesehatan"].iter_rows(values_only=True))
    assert rows[2][:4] == ("No", "Nomor usulan", "NIP", "Nama")
    [row] = rows[3:]
    assert (row[2], row[3], row[9]) == (SITI.nip, SITI.name, "menunggu keputusan")
    assert "Sesuai aspirasi pilihan ke-2." in str(row[8])
