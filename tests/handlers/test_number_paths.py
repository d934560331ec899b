"""Every way a number reaches the bot reads it the same: typed in the chat, the XLSX workload
template, a CSV import, an XLSX import and a file sent to the bot with /impor (issue 9: one
reader for numbers)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.usecases.dialogue import WorkloadAnswers
from core.usecases.importing.columns import ACTIVITY_COLUMNS
from core.usecases.importing.validation import validate_activities
from db.spreadsheets import read_sheet_bytes
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import ADMIN, CARE, KEPALA, NURSE

KEPALA_ID = 701
ADMIN_ID = 901

#: (written, value): value None means every path refuses the text.
FORMS: list[tuple[str, float | None]] = [
    ("1250", 1250.0),
    ("1.250", 1250.0),
    ("1.250,5", 1250.5),
    ("12,5", 12.5),
    ("12.5", 12.5),
    ("0,75", 0.75),
    ("1 250", 1250.0),
    ("2,500.5", 2500.5),
    ("1.000.000", 1_000_000.0),
    ("1,250", None),
    ("12 pasien", None),
]


async def _typed(h: Harness, written: str) -> float | str:
    """Type WRITTEN as the first activity's volume: the value kept, or the bot's reply."""
    await h.register(KEPALA_ID, KEPALA.nip)
    months = await h.command(KEPALA_ID, "/bebankerja")
    await h.press(KEPALA_ID, data_of(months, "Oktober 2026"))
    reply = await h.command(KEPALA_ID, written)
    state = await h.app.bot_data.services.dialogues.get(KEPALA_ID)
    volumes = state.answers_as(WorkloadAnswers).volumes
    return float(volumes[CARE]) if CARE in volumes else reply.text


async def _template(h: Harness, written: str) -> float | str:
    """Upload the bot's own template with WRITTEN as a text cell: the value kept, or the reply."""
    sent = await h.press(KEPALA_ID, "wl:xlsx")
    book = load_workbook(io.BytesIO(next(iter(sent.files.values()))))
    sheet = book.worksheets[0]
    sheet["D2"] = written  # a text cell, as typed into a column formatted as text
    sheet["D3"] = 7
    filled = io.BytesIO()
    book.save(filled)
    reply = await h.upload(KEPALA_ID, "bebankerja.xlsx", filled.getvalue())
    state = await h.app.bot_data.services.dialogues.get(KEPALA_ID)
    if state.step == "confirm":
        kept: float = state.answers_as(WorkloadAnswers).volumes[CARE]
        return kept
    return reply.text


def _abk_row(written: str) -> list[str]:
    return ["PKM-A", NURSE, CARE, "pasien", "60", written]


def _csv_import(written: str) -> float | str:
    text = ";".join(ACTIVITY_COLUMNS) + "\r\n" + ";".join(_abk_row(written)) + "\r\n"
    result = validate_activities(
        read_sheet_bytes(("\ufeff" + text).encode(), "abk.csv"), {"PKM-A"}
    )
    return result.items[0].annual_volume if result.items else result.problems[0].describe()


def _xlsx_import(written: str) -> float | str:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(ACTIVITY_COLUMNS))
    sheet.append(_abk_row(written))
    data = io.BytesIO()
    book.save(data)
    result = validate_activities(read_sheet_bytes(data.getvalue(), "abk.xlsx"), {"PKM-A"})
    return result.items[0].annual_volume if result.items else result.problems[0].describe()


async def _chat_import(h: Harness, written: str) -> float | str:
    """Send an ABK CSV to the bot with /impor and confirm: the value stored, or the report."""
    await h.register(ADMIN_ID, ADMIN.nip)
    text = ";".join(ACTIVITY_COLUMNS) + "\r\n" + ";".join(_abk_row(written)) + "\r\n"
    h.request.forget()
    question = await h.upload(ADMIN_ID, "abk.csv", ("\ufeff" + text).encode(), caption="abk")
    if not question.buttons:
        return "\n".join(call.text for call in h.request.sent(ADMIN_ID))
    await h.press(ADMIN_ID, data_of(question, "Impor sekarang"))
    async with h.uows() as uow:
        stored = await uow.activities.list_for("PKM-A", NURSE)
    return next(a.annual_volume for a in stored if a.name == CARE)


@pytest.mark.parametrize(("written", "value"), FORMS)
async def test_every_path_reads_every_number_form_the_same(
    h: Harness, written: str, value: float | None
) -> None:
    typed = await _typed(h, written)
    template = await _template(h, written)  # the same dialogue, still at the volume step
    csv_import, xlsx_import = _csv_import(written), _xlsx_import(written)
    sent = await _chat_import(h, written)
    results = {
        "chat": typed,
        "template": template,
        "csv": csv_import,
        "xlsx": xlsx_import,
        "chat import": sent,
    }
    if value is not None:
        assert results == dict.fromkeys(results, value)
        return
    assert all(isinstance(r, str) for r in results.values()), results
    if written == "1,250":
        assert "«1,250» bisa dibaca dua cara: 1,25 (koma desimal) atau 1.250" in str(typed)
        assert "Baris 2, kolom volume_bulan_ini: «1,250» bisa dibaca dua cara: 1,25" in str(
            template
        )
        for imported in (csv_import, xlsx_import):
            assert str(imported).startswith(
                "baris 2, kolom volume_tahunan: '1,250' bisa dibaca dua cara: 1,25 (koma "
                "desimal) atau 1.250 (koma pemisah ribuan)"
            )
        assert (
            "baris 2, kolom volume_tahunan: &#x27;1,250&#x27; bisa dibaca dua cara: 1,25 (koma "
            "desimal) atau 1.250 (koma pemisah ribuan)"
        ) in str(sent)
    else:
        assert "«12 pasien» bukan angka" in str(typed)
        assert "Baris 2" in str(template)
        assert (
            csv_import == xlsx_import == "baris 2, kolom volume_tahunan: '12 pasien' bukan angka"
        )
