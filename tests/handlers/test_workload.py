"""Flow 3 through the handlers: a supervisor reports a month, sees FTE and EJ, confirms."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from core.domain import Activity, Role, RoleGrant, ScopeKind
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.agency import person
from tests.support.handler_agency import CARE, KEPALA, NURSE, OUTREACH, SITI

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


async def test_unit_and_the_report_preview_count_a_jabatan_written_differently_as_one(
    h: Harness,
) -> None:
    # Two more nurses at PKM-A, their jabatan written as the employees file had it: /unit shows
    # one nurse line with all four, and the /bebankerja preview counts the same four.
    async with h.uows() as uow:
        for nip, name, written in (
            ("198801012012012005", "Ani Susanti", "perawat terampil"),
            ("198902022013032006", "Budi Santoso", "PERAWAT TRAMPIL"),
        ):
            await uow.employees.upsert(person(nip, name, "PKM-A", written, dt.date(2020, 1, 1)))
        await uow.commit()
    await h.register(KEPALA_ID, KEPALA.nip)
    reply = await h.command(KEPALA_ID, "/unit")
    assert reply.text.count("• ") == 1
    assert f"• {NURSE}: " in reply.text
    assert "kebutuhan 1,02 pegawai (dibulatkan 1); pegawai ada 4. EJ 0,25" in reply.text
    months = await h.command(KEPALA_ID, "/bebankerja")
    await h.press(KEPALA_ID, data_of(months, "Oktober 2026"))
    await h.command(KEPALA_ID, "100")
    preview = await h.command(KEPALA_ID, "7")
    assert "kebutuhan 1,02 pegawai (dibulatkan 1); pegawai ada 4. EJ 0,25" in preview.text


# --- issue 9: figures people can trust -------------------------------------------------------


async def _september_report(h: Harness, care: float = 100.0, outreach: float = 7.0) -> int:
    """An accepted September report (1,02 FTE with the default volumes), stored directly."""
    from core.domain import WorkloadReport

    async with h.uows() as uow:
        stored = await uow.workload_reports.add(
            WorkloadReport(
                "PKM-A",
                NURSE,
                "2026-09",
                {CARE: care, OUTREACH: outreach},
                KEPALA.nip,
                h.clock.now() - dt.timedelta(days=30),
                required_fte=1.016,
            )
        )
        await uow.commit()
    assert stored.id is not None
    return stored.id


async def test_month_buttons_offer_finished_months_first_and_the_running_month_last(
    h: Harness,
) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    months = await h.command(KEPALA_ID, "/bebankerja")  # the clock says 2 November 2026
    assert [label for label, _ in months.buttons] == [
        "Oktober 2026",
        "September 2026",
        "Agustus 2026",
        "November 2026 (masih berjalan)",
    ]


async def test_a_90_percent_drop_asks_to_confirm_with_both_figures_and_changes_nothing(
    h: Harness,
) -> None:
    september = await _september_report(h)
    await _open_report(h)
    await h.command(KEPALA_ID, "10")
    preview = await h.command(KEPALA_ID, "0")
    # 10 patients x 12 x 60 min = 7,200 min = 0,10 FTE against September's 1,02: -91 %
    assert "Perubahan besar (-91%)" in preview.text
    assert "menurut laporan September 2026: <b>1,02</b> pegawai" in preview.text
    assert "menurut laporan Oktober 2026 ini: <b>0,10</b> pegawai" in preview.text
    labels = [label for label, _ in preview.buttons]
    assert labels == ["✅ Angka benar, simpan", "✏️ Isi ulang", "Batal"]

    # A forged plain "save" (an old button, a crafted callback) is refused and writes nothing.
    refused = await h.press(KEPALA_ID, "wl:save")
    assert "perlu dikonfirmasi" in refused.text
    async with h.uows() as uow:
        latest = await uow.workload_reports.latest_for("PKM-A", NURSE)
        events = await uow.audit.list("unit:PKM-A/" + NURSE)
    assert latest is not None and latest.id == september
    assert events == []

    saved = await h.press(KEPALA_ID, data_of(preview, "Angka benar"))
    assert "tersimpan" in saved.text
    async with h.uows() as uow:
        october = await uow.workload_reports.for_month("PKM-A", NURSE, "2026-10")
        events = await uow.audit.list("unit:PKM-A/" + NURSE)
    assert october is not None and october.large_change
    assert october.previous_fte == pytest.approx(1.016) and october.required_fte == 0.096
    assert [e.action for e in events] == ["workload.report"]
    assert events[0].after is not None and events[0].after["large_change"] is True


async def test_entering_the_volumes_again_after_a_large_change_warning(h: Harness) -> None:
    await _september_report(h)
    await _open_report(h)
    await h.command(KEPALA_ID, "10")
    preview = await h.command(KEPALA_ID, "0")
    again = await h.press(KEPALA_ID, data_of(preview, "Isi ulang"))
    assert "Asuhan keperawatan" in again.text and "1/2" in again.text
    await h.command(KEPALA_ID, "100")
    calm = await h.command(KEPALA_ID, "7")
    assert "Perubahan besar" not in calm.text
    assert [label for label, _ in calm.buttons] == ["💾 Simpan", "Batal"]


async def test_re_reporting_a_month_keeps_the_earlier_report_in_history_and_audits_it(
    h: Harness,
) -> None:
    await _open_report(h)
    await h.command(KEPALA_ID, "100")
    preview = await h.command(KEPALA_ID, "7")
    await h.press(KEPALA_ID, data_of(preview, "Simpan"))
    h.clock.advance(dt.timedelta(days=1))

    months = await h.command(KEPALA_ID, "/bebankerja")
    await h.press(KEPALA_ID, data_of(months, "Oktober 2026"))
    await h.command(KEPALA_ID, "110")
    second = await h.command(KEPALA_ID, "7")
    assert "Oktober 2026 sudah dilaporkan pada 2 November 2026" in second.text
    assert "laporan lama tetap tersimpan di riwayat" in second.text
    await h.press(KEPALA_ID, data_of(second, "Simpan"))

    async with h.uows() as uow:
        history = await uow.workload_reports.history("PKM-A", NURSE)
        accepted = await uow.workload_reports.for_month("PKM-A", NURSE, "2026-10")
        events = await uow.audit.list("unit:PKM-A/" + NURSE)
    assert [r.volumes[CARE] for r in history] == [100.0, 110.0]
    assert accepted is not None and accepted.volumes[CARE] == 110.0
    assert accepted.replaces_id == history[0].id
    assert [e.action for e in events] == ["workload.report", "workload.rereport"]
    rereport = events[1]
    assert rereport.before is not None and rereport.before["report_id"] == history[0].id
    assert rereport.before["volumes"] == {CARE: 100.0, OUTREACH: 7.0}
    assert rereport.after is not None and rereport.after["report_id"] == accepted.id


async def test_the_saved_report_says_which_need_the_plan_will_use(h: Harness) -> None:
    await _open_report(h)
    await h.command(KEPALA_ID, "130")
    preview = await h.command(KEPALA_ID, "7")
    # one month reported: (130 x 12 + 2 x 1,200 from the ABK document) / 3 = 1,320 patients
    # a year; 1,320 x 60 + 84 x 50 = 83,400 min = 1,11 FTE
    assert "rata-rata 3 bulan terakhir): 1,11 pegawai" in preview.text
    saved = await h.press(KEPALA_ID, data_of(preview, "Simpan"))
    assert "rata-rata 3 bulan terakhir): 1,11 pegawai" in saved.text


async def test_unit_shows_the_need_averaged_over_the_accepted_months(h: Harness) -> None:
    # September and October reported at 130 and 190 patients; August counts at the ABK
    # document's 1,200 a year: (130 + 190) x 12 + 1,200 = 5,040 / 3 = 1,680 a year;
    # 1,680 x 60 + 84 x 50 = 105,000 min = 1,40 FTE (the document alone says 1,02).
    await _september_report(h, care=130.0)
    from core.domain import WorkloadReport

    async with h.uows() as uow:
        await uow.workload_reports.add(
            WorkloadReport(
                "PKM-A", NURSE, "2026-10", {CARE: 190.0, OUTREACH: 7.0}, KEPALA.nip, h.clock.now()
            )
        )
        await uow.commit()
    await h.register(KEPALA_ID, KEPALA.nip)
    reply = await h.command(KEPALA_ID, "/unit")
    assert "kebutuhan 1,40 pegawai" in reply.text


async def test_a_report_stored_by_someone_else_meanwhile_is_shown_before_anything_is_saved(
    h: Harness,
) -> None:
    # The unit head reads a calm preview (first report of October), then, before they press
    # "Simpan", another report of October arrives (a second unit head, an admin). Saving now
    # would replace a report they never saw: the bot shows the new comparison instead.
    from core.domain import WorkloadReport

    await _open_report(h)
    await h.command(KEPALA_ID, "100")
    calm = await h.command(KEPALA_ID, "7")
    assert "sudah dilaporkan" not in calm.text
    async with h.uows() as uow:
        other = await uow.workload_reports.add(
            WorkloadReport(
                "PKM-A", NURSE, "2026-10", {CARE: 10.0, OUTREACH: 0.0}, KEPALA.nip, h.clock.now()
            )
        )
        await uow.commit()
    again = await h.press(KEPALA_ID, data_of(calm, "Simpan"))
    assert "berubah sejak pratinjau" in again.text
    async with h.uows() as uow:
        history = await uow.workload_reports.history("PKM-A", NURSE)
    assert [r.id for r in history] == [other.id]  # nothing of theirs stored yet
    assert "Oktober 2026 sudah dilaporkan" in again.text
    assert "Perubahan besar (+958%)" in again.text
    assert "menurut laporan Oktober 2026: <b>0,10</b> pegawai" in again.text
    assert [label for label, _ in again.buttons][0] == "✅ Angka benar, simpan"
    saved = await h.press(KEPALA_ID, data_of(again, "Angka benar"))
    assert "tersimpan" in saved.text
    async with h.uows() as uow:
        accepted = await uow.workload_reports.for_month("PKM-A", NURSE, "2026-10")
    assert accepted is not None and accepted.replaces_id == other.id
    assert accepted.volumes == {CARE: 100.0, OUTREACH: 7.0}
