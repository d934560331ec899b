"""A spreadsheet bomb uploaded to the running bot: refused in words, and everyone else is
answered meanwhile (the latency is measured and printed, not asserted)."""

from __future__ import annotations

import asyncio
import io
import statistics
import time

import pytest
from openpyxl import load_workbook

from tests.e2e.test_bot_flows import _register
from tests.faults.hostile_files import shared_strings_bomb
from tests.support.e2e import E2E
from tests.support.handler_agency import KEPALA

pytestmark = [pytest.mark.faults, pytest.mark.e2e]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_an_xlsx_bomb_is_refused_while_other_people_are_answered(
    runtime: E2E, capsys: pytest.CaptureFixture[str]
) -> None:
    kepala = runtime.emulator.user(1003, "Bambang")
    others = [runtime.emulator.user(5000 + i, f"Guest{i}") for i in range(4)]
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
        bomb = shared_strings_bomb(filled.getvalue(), megabytes=300)
        assert len(bomb) < 1_000_000  # under the upload limit

        latencies: list[float] = []

        async def ask(user: object) -> None:
            for _ in range(3):
                started = time.monotonic()
                await user.send_command("/bantuan")  # type: ignore[attr-defined]
                await user.wait_for_message(timeout=30)  # type: ignore[attr-defined]
                latencies.append(time.monotonic() - started)

        upload_started = time.monotonic()
        await kepala.send_document("bebankerja.xlsx", bomb, XLSX)
        await asyncio.gather(*(ask(user) for user in others))
        refusal = await kepala.wait_for_message(
            contains="terlalu besar setelah dibuka", timeout=60
        )
        refused_after = time.monotonic() - upload_started
    assert "xl/sharedStrings.xml" in refusal.body and "10 MB" in refusal.body
    assert len(latencies) == 3 * len(others)  # every other person was answered
    async with runtime.uows() as uow:
        assert await uow.workload_reports.latest_for("PKM-A", "Perawat Terampil") is None
    with capsys.disabled():
        print(
            f"\n[xlsx bomb] {len(bomb)} bytes unfolding to 300 MB refused after "
            f"{refused_after:.2f} s; other users answered {len(latencies)}/{len(latencies)}, "
            f"latency median {statistics.median(latencies):.3f} s, "
            f"max {max(latencies):.3f} s"
        )
