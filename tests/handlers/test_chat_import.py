"""/impor: an admin sends a file to the bot, sees the same report as `mutasi import` (counts,
errors by line and column, warnings) and a confirm button; nothing changes before the press."""

from __future__ import annotations

from core.domain import Activity
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import ADMIN, KEPALA, NURSE

ADMIN_ID = 901
KEPALA_ID = 701
ABK_HEAD = [
    "Kode Unit",
    "Jabatan",
    "Uraian Tugas",
    "Satuan Hasil",
    "Norma Waktu (menit)",
    "Volume",
]
EMPLOYEE_HEAD = ["NIP Baru", "Nama Lengkap", "Status", "Unor ID", "Jabatan Nama", "Golongan",
                 "TMT Unit", "BUP"]  # fmt: skip


def excel_csv(rows: list[list[str]]) -> bytes:
    """Indonesian-locale Excel 'CSV UTF-8': BOM, `;`, CRLF, a title row above the header."""
    lines = [["DATA DARI SIMPEG"], *rows]
    return ("\ufeff" + "\r\n".join(";".join(r) for r in lines) + "\r\n").encode()


def texts(h: Harness, chat_id: int) -> str:
    return "\n".join(call.text for call in h.request.sent(chat_id))


async def activities(h: Harness) -> list[Activity]:
    async with h.uows() as uow:
        return sorted(await uow.activities.list(), key=lambda a: (a.unit_code, a.name))


NEW_ABK = excel_csv(
    [
        ABK_HEAD,
        ["PKM-A", NURSE, "Asuhan keperawatan", "pasien", "60", "1.250"],
        ["PKM-A", NURSE, "Pelaporan", "laporan", "12,5", "1.250,5"],
    ]
)


async def test_admin_imports_an_abk_file_only_after_pressing_confirm(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    asked = await h.command(ADMIN_ID, "/impor")
    assert "Kirim berkas CSV atau XLSX" in asked.text
    before = await activities(h)
    h.request.forget()

    question = await h.upload(ADMIN_ID, "abk-puskesmas.csv", NEW_ABK)

    report = texts(h, ADMIN_ID)
    assert "Pemeriksaan <b>abk-puskesmas.csv</b> sebagai data kegiatan ABK" in report
    assert "abk-puskesmas.csv: 1 akan dibuat, 1 akan diperbarui, 0 tidak berubah" in report
    assert "Peringatan:" in report  # the seeded agency has ABK for units without nurses
    assert [label for label, _ in question.buttons] == ["✅ Impor sekarang", "❌ Batal"]
    assert await activities(h) == before  # nothing written before the press

    h.request.forget()
    await h.press(ADMIN_ID, data_of(question, "Impor sekarang"))
    done = texts(h, ADMIN_ID)
    assert "✅ Impor <b>abk-puskesmas.csv</b> (kegiatan ABK) selesai:" in done
    assert "abk-puskesmas.csv: 1 dibuat, 1 diperbarui, 0 tidak berubah" in done
    stored = {(a.unit_code, a.name): a for a in await activities(h)}
    assert stored[("PKM-A", "Asuhan keperawatan")].annual_volume == 1250.0
    assert stored[("PKM-A", "Pelaporan")].minutes_per_output == 12.5
    assert stored[("PKM-A", "Pelaporan")].annual_volume == 1250.5
    async with h.uows() as uow:
        audit = await uow.audit.list("import:activities")
    assert [(e.actor, e.after and e.after["created"]) for e in audit] == [(ADMIN.nip, 1)]
    # The same button again does nothing more.
    again = await h.press(ADMIN_ID, data_of(question, "Impor sekarang"))
    assert again.text == "Tombol ini sudah tidak berlaku. Mulai lagi dari perintahnya."
    assert len(await activities(h)) == len(stored)


async def test_a_captioned_file_with_bad_rows_is_reported_by_line_and_column_without_button(
    h: Harness,
) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    before = await activities(h)
    h.request.forget()
    bad = excel_csv(
        [
            ABK_HEAD,
            ["PKM-A", NURSE, "Asuhan", "pasien", "60", "1,250"],
            ["PKM-ZZ", NURSE, "Rapat", "kali", "60", "12"],
        ]
    )
    last = await h.upload(ADMIN_ID, "data.csv", bad, caption="/impor abk")
    report = texts(h, ADMIN_ID)
    assert "data.csv: ditemukan 2 masalah; tidak ada data yang diubah." in report
    assert (
        "baris 3, kolom volume_tahunan: &#x27;1,250&#x27; bisa dibaca dua cara: 1,25 (koma "
        "desimal) atau 1.250 (koma pemisah ribuan)"
    ) in report
    assert "baris 4, kolom kode_unit: unit PKM-ZZ tidak dikenal" in report
    assert "Berkas ditolak; tidak ada data yang diubah." in last.text
    assert all(not call.buttons for call in h.request.sent(ADMIN_ID))
    assert await activities(h) == before


async def test_a_name_variant_is_warned_with_its_likely_match_and_strict_refuses(
    h: Harness,
) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    people = excel_csv(
        [
            EMPLOYEE_HEAD,
            ["199101012015032001", "Nia Ramadhani", "PNS", "PKM-A", "PERAWAT TERAMPIL", "II/c",
             "01/02/2021", "58"],
        ]
    )  # fmt: skip
    h.request.forget()
    strict = await h.upload(ADMIN_ID, "pegawai.csv", people, caption="pegawai ketat")
    report = texts(h, ADMIN_ID)
    assert "sebagai data pegawai, mode ketat" in report
    assert (
        "pegawai.csv, baris 3, kolom jabatan: jabatan &#x27;PERAWAT TERAMPIL&#x27; (1 pegawai, "
        "0 baris ABK) hanya beda huruf besar/kecil, tanda baca, spasi atau singkatan dari "
        "&#x27;Perawat Terampil&#x27;; mungkin maksudnya &#x27;Perawat Terampil&#x27;?"
    ) in report
    assert "Ditolak karena --strict (mode ketat)" in report
    assert not strict.buttons
    h.request.forget()
    question = await h.upload(ADMIN_ID, "pegawai.csv", people, caption="pegawai")
    assert "pegawai.csv: 1 akan dibuat" in texts(h, ADMIN_ID)
    await h.press(ADMIN_ID, data_of(question, "Impor sekarang"))
    async with h.uows() as uow:
        nia = await uow.employees.get("199101012015032001")
    assert nia is not None and nia.jabatan == "PERAWAT TERAMPIL" and nia.unit_code == "PKM-A"


async def test_the_kind_is_guessed_from_the_column_titles_and_cancel_changes_nothing(
    h: Harness,
) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    await h.command(ADMIN_ID, "/impor")
    before = await activities(h)
    h.request.forget()
    question = await h.upload(ADMIN_ID, "lampiran.csv", NEW_ABK)
    assert "sebagai data kegiatan ABK" in texts(h, ADMIN_ID)
    cancelled = await h.press(ADMIN_ID, data_of(question, "Batal"))
    assert cancelled.text == "Baik, percakapan dibatalkan. Tidak ada yang disimpan."
    assert await activities(h) == before


async def test_a_file_changed_after_the_check_is_not_imported(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    before = await activities(h)
    question = await h.upload(ADMIN_ID, "abk.csv", NEW_ABK, caption="abk")
    file_id = next(iter(h.request.uploads))
    h.request.uploads[file_id] = NEW_ABK.replace(b"1.250,5", b"9.999")
    reply = await h.press(ADMIN_ID, data_of(question, "Impor sekarang"))
    assert "Berkas tidak bisa diunduh lagi atau isinya berubah" in reply.text
    assert await activities(h) == before


async def test_only_an_agency_wide_admin_may_import(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    before = await activities(h)
    refused = await h.command(KEPALA_ID, "/impor")
    assert refused.text == "Maaf, perintah ini hanya untuk peran admin BKPSDM."
    h.request.forget()
    await h.upload(KEPALA_ID, "abk.csv", NEW_ABK, caption="/impor abk")
    (reply,) = h.request.sent(KEPALA_ID)
    assert reply.text == "Maaf, perintah ini hanya untuk peran admin BKPSDM."
    assert not reply.buttons
    assert await activities(h) == before


async def test_english_admin_gets_the_report_in_english(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip, language="en")
    h.request.forget()
    question = await h.upload(ADMIN_ID, "abk.csv", NEW_ABK, caption="activities")
    report = texts(h, ADMIN_ID)
    assert "Check of <b>abk.csv</b> as ABK activities data (nothing saved yet):" in report
    assert "abk.csv: 1 to create, 1 to update, 0 unchanged" in report
    assert [label for label, _ in question.buttons] == ["✅ Import now", "❌ Cancel"]
