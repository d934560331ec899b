"""Flow 3 through the handlers: a supervisor reports a month, sees FTE and EJ, confirms."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from core.domain import Activity, Role, RoleGrant, ScopeKind
from tests.handlers.agency import CARE, KEPALA, NURSE, OUTREACH, SITI
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of

KEPALA_ID = 701
SITI_ID = 501


async def _open_report(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    months = await h.command(KEPALA_ID, "/bebankerja")
    assert "Bulan laporan" in months.text
    first = await h.press(KEPALA_ID, data_of(months, "Oktober 2026"))
    assert "Asuhan keperawatan" in first.text and "1/2" in first.text


async def test_supervisor_reports_a_month_and_sees_fte_and_ej_category(h: Harness) -> None:
    await _open_report(h)
    await h.command(KEPALA_ID, "100")
    preview = await h.command(KEPALA_ID, "7")
    assert "kebutuhan 1,02 pegawai" in preview.text
    assert "EJ 0,51, kategori <b>D</b>" in preview.text
    saved = await h.press(KEPALA_ID, data_of(preview, "Simpan"))
    assert "tersimpan" in saved.text and "kategori <b>D</b>" in saved.text
    async with h.uows() as uow:
        report = await uow.workload_reports.latest_for("PKM-A", NURSE)
        volumes = {a.name: a.annual_volume for a in await uow.activities.list_for("PKM-A", NURSE)}
        actions = [e.action for e in await uow.audit.list("unit:PKM-A/" + NURSE)]
    assert report is not None and report.month == "2026-10"
    assert report.volumes == {CARE: 100.0, OUTREACH: 7.0}
    assert volumes == {CARE: 1200.0, OUTREACH: 84.0}
    assert actions == ["workload.report"]


async def test_text_where_a_number_belongs_gets_a_clear_message_and_changes_nothing(
    h: Harness,
) -> None:
    await _open_report(h)
    reply = await h.command(KEPALA_ID, "seratus")
    assert "«seratus» bukan angka" in reply.text
    again = await h.command(KEPALA_ID, "12,5")
    assert "2/2" in again.text


async def test_markup_typed_where_a_number_belongs_is_echoed_escaped(h: Harness) -> None:
    await _open_report(h)
    reply = await h.command(KEPALA_ID, "<b>seratus")
    assert "«&lt;b&gt;seratus» bukan angka" in reply.text


async def test_supervisor_fills_the_xlsx_template_and_uploads_it(h: Harness) -> None:
    await _open_report(h)
    sent = await h.press(KEPALA_ID, "wl:xlsx")
    assert sent.method == "sendDocument"
    template = next(iter(sent.files.values()))
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet["D2"] = 100
    sheet["D3"] = 7
    filled = io.BytesIO()
    book.save(filled)
    preview = await h.upload(KEPALA_ID, "bebankerja.xlsx", filled.getvalue())
    assert "kebutuhan 1,02 pegawai" in preview.text


async def test_an_upload_is_read_only_as_far_as_a_template_reaches(h: Harness) -> None:
    # A far-away cell (row 200,000) costs a few bytes zipped but would unfold into a huge
    # sheet; the bot stops reading where a filled-in template can end.
    await _open_report(h)
    sent = await h.press(KEPALA_ID, "wl:xlsx")
    book = load_workbook(io.BytesIO(next(iter(sent.files.values()))))
    sheet = book.worksheets[0]
    sheet["D2"] = 100
    sheet["D3"] = 7
    sheet.cell(row=200_000, column=1, value="bukan kegiatan")
    filled = io.BytesIO()
    book.save(filled)
    preview = await h.upload(KEPALA_ID, "bebankerja.xlsx", filled.getvalue())
    assert "kebutuhan 1,02 pegawai" in preview.text


async def test_an_uploaded_absurd_or_infinite_volume_is_refused_like_a_typed_one(
    h: Harness,
) -> None:
    await _open_report(h)
    sent = await h.press(KEPALA_ID, "wl:xlsx")
    template = next(iter(sent.files.values()))
    for absurd in (1e12, "inf"):
        book = load_workbook(io.BytesIO(template))
        sheet = book.worksheets[0]
        sheet["D2"] = absurd
        sheet["D3"] = 7
        filled = io.BytesIO()
        book.save(filled)
        reply = await h.upload(KEPALA_ID, "bebankerja.xlsx", filled.getvalue())
        assert "kebutuhan" not in reply.text
        assert "Baris 2" in reply.text


async def test_a_broken_upload_is_refused_in_words(h: Harness) -> None:
    await _open_report(h)
    reply = await h.upload(KEPALA_ID, "bebankerja.xlsx", b"not a spreadsheet")
    assert "tidak dapat dibaca sebagai XLSX" in reply.text


async def test_an_upload_with_broken_xml_inside_is_refused_in_words(h: Harness) -> None:
    await _open_report(h)
    sent = await h.press(KEPALA_ID, "wl:xlsx")
    template = zipfile.ZipFile(io.BytesIO(next(iter(sent.files.values()))))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as out:
        for name in template.namelist():
            garbage = name.startswith("xl/worksheets/")
            out.writestr(name, b"<<not xml" if garbage else template.read(name))
    reply = await h.upload(KEPALA_ID, "bebankerja.xlsx", broken.getvalue())
    assert "tidak dapat dibaca sebagai XLSX" in reply.text


async def test_asn_who_tries_bebankerja_is_refused_and_nothing_changes(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    reply = await h.command(SITI_ID, "/bebankerja")
    assert "hanya untuk peran kepala unit" in reply.text
    forged = await h.press(SITI_ID, "wl:save")
    assert "hanya untuk peran kepala unit" in forged.text
    async with h.uows() as uow:
        assert await uow.workload_reports.latest_for("PKM-A", NURSE) is None


async def test_unit_shows_abk_status_of_the_supervisors_units(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    reply = await h.command(KEPALA_ID, "/unit")
    assert "Puskesmas Sukamaju" in reply.text and "Puskesmas Sukajaya" not in reply.text
    assert "kategori <b>D</b>" in reply.text


async def test_unit_pages_stay_within_telegrams_message_limit_for_many_jabatan(
    h: Harness,
) -> None:
    async with h.uows() as uow:
        await uow.roles.grant(
            RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.OPD, "Dinas Kesehatan")
        )
        for unit in await uow.units.list():
            for i in range(15):
                await uow.activities.upsert(
                    Activity(unit.code, f"Jabatan Fungsional Nomor {i:02d}", CARE, "x", 60, 1200)
                )
        await uow.commit()
    await h.register(KEPALA_ID, KEPALA.nip)
    reply = await h.command(KEPALA_ID, "/unit")
    shown = [reply.text]
    while any("›" in label for label, _data in reply.buttons) and len(shown) < 20:
        reply = await h.press(KEPALA_ID, data_of(reply, "›"))
        shown.append(reply.text)
    assert max(len(text) for text in shown) <= 4096
    codes = [c for text in shown for c in ("PKM-A", "PKM-V08", "RSUD") if f"({c})" in text]
    assert sorted(codes) == ["PKM-A", "PKM-V08", "RSUD"]  # first, last and others all shown
    assert sum(text.count("</b> (PKM-") + text.count("</b> (RSUD)") for text in shown) == 12
