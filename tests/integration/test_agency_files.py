"""Files shaped the way agencies' tools write them, built here byte by byte or cell by cell:
Indonesian-locale CSV (`;`, BOM, decimal commas, dd/mm/yyyy), SIMPEG/SIASN-style XLSX with title
rows, merged cells, formulas without a stored value, NIPs stored as numbers, column aliases.
Each test asserts the stored values or the exact line/column message."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.ports import UnitOfWorkFactory
from core.usecases.importing.apply import import_batch
from core.usecases.importing.sheets import ImportBatch, ImportProblem, Sheet
from core.usecases.importing.validation import (
    validate_activities,
    validate_employees,
    validate_units,
)
from db.spreadsheets import read_sheet_bytes

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
NIP_A = "199001012015031001"
NIP_B = "198805052012122002"


def excel_csv(lines: list[list[str]]) -> bytes:
    """A CSV as Indonesian-locale Excel saves 'CSV UTF-8': BOM, `;`, CRLF, quotes only where
    needed, title rows padded with empty cells to the table's width."""
    width = max(len(line) for line in lines)
    text = "\r\n".join(
        ";".join(
            f'"{c}"' if ";" in c or '"' in c else c for c in [*line, *[""] * (width - len(line))]
        )
        for line in lines
    )
    return ("\ufeff" + text + "\r\n").encode("utf-8")


def xlsx(build: Callable[[Worksheet], None]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    build(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def described(problems: Iterable[ImportProblem]) -> list[str]:
    return [p.describe() for p in problems]


# ------------------------------------------------------------------ Indonesian-locale CSV


def simpeg_employees_csv() -> bytes:
    return excel_csv(
        [
            ["PEMERINTAH KABUPATEN CONTOH"],
            ["DAFTAR PEGAWAI DINAS KESEHATAN KEADAAN 31 DESEMBER 2025"],
            [],
            ["No", "NIP Baru", "Nama Lengkap", "Status Pegawai", "Unor ID", "Jabatan Nama",
             "Gol. Ruang", "TMT Unor", "BUP", "Lat Rumah", "Lon Rumah"],
            ["1", NIP_A, "Sri Wahyuni, S.Kep.", "PNS", "PKM-A", "Perawat Terampil", "II/c",
             "01/07/2020", "58", "-7,3012", "110,4251"],
            ["2", NIP_B, "Budi Santoso", "pns", "PKM-A", "Perawat Terampil", "III/a",
             "1 Februari 2015", "58", "", ""],
        ]
    )  # fmt: skip


def test_a_simpeg_csv_with_title_rows_aliases_and_indonesian_forms_is_read_right() -> None:
    sheet = read_sheet_bytes(simpeg_employees_csv(), "pegawai.csv", kind="employees")
    assert sheet.header_line == 4
    result = validate_employees(sheet, {"PKM-A"}, ())
    assert result.problems == ()
    first, second = result.items
    assert (first.nip, first.name, first.unit_code, first.golongan) == (
        NIP_A, "Sri Wahyuni, S.Kep.", "PKM-A", "II/c"
    )  # fmt: skip
    assert (first.tmt_unit, first.home_lat, first.home_lon) == (
        dt.date(2020, 7, 1),
        -7.3012,
        110.4251,
    )
    assert (second.tmt_unit, second.status, second.home_lat) == (dt.date(2015, 2, 1), "PNS", None)


def test_an_abk_csv_reads_thousands_dots_and_decimal_commas() -> None:
    data = excel_csv(
        [
            ["ANALISIS BEBAN KERJA PUSKESMAS A TAHUN 2026"],
            ["Unor ID", "Jabatan", "Uraian Tugas", "Satuan Hasil", "Waktu Penyelesaian (menit)",
             "Volume"],
            ["PKM-A", "Perawat Terampil", "Asuhan keperawatan", "pasien", "12,5", "1.250"],
            ["PKM-A", "Perawat Terampil", "Penyuluhan", "kegiatan", "90", "1.250,5"],
            ["PKM-A", "Perawat Terampil", "Rekap", "laporan", "60", "12"],
        ]
    )  # fmt: skip
    result = validate_activities(read_sheet_bytes(data, "abk.csv", kind="activities"), {"PKM-A"})
    assert result.problems == ()
    assert [(a.minutes_per_output, a.annual_volume) for a in result.items] == [
        (12.5, 1250.0), (90.0, 1250.5), (60.0, 12.0)
    ]  # fmt: skip


def test_a_number_with_two_readings_is_refused_by_line_and_column_naming_both() -> None:
    data = excel_csv(
        [
            ["kode_unit", "jabatan", "kegiatan", "satuan_hasil", "norma_waktu_menit",
             "volume_tahunan"],
            ["PKM-A", "Perawat Terampil", "Asuhan", "pasien", "30", "1,250"],
        ]
    )  # fmt: skip
    result = validate_activities(read_sheet_bytes(data, "abk.csv"), {"PKM-A"})
    assert described(result.problems) == [
        "baris 2, kolom volume_tahunan: '1,250' bisa dibaca dua cara: 1,25 (koma desimal) atau "
        "1.250 (koma pemisah ribuan); tulis 1,25 atau 1.250 tanpa keraguan, mis. dengan titik "
        "ribuan"
    ]


def test_csv_with_and_without_bom_and_with_either_separator_reads_the_same() -> None:
    rows = [
        ["kode", "nama", "opd", "lat", "lon"],
        ["SD-1", "SD Negeri 1", "Disdik", "-7,5", "110,25"],
    ]
    variants = [
        excel_csv(rows),
        excel_csv(rows)[3:],  # no BOM
        "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows).encode(),
    ]
    read = [validate_units(read_sheet_bytes(v, "units.csv")).items for v in variants]
    assert read[0] == read[1] == read[2]
    assert (read[0][0].lat, read[0][0].lon) == (-7.5, 110.25)


def test_a_nip_that_a_spreadsheet_cut_to_15_digits_is_refused_in_csv() -> None:
    cut = NIP_A[:15] + "000"
    data = excel_csv(
        [
            ["nip", "nama", "status", "kode_unit", "jabatan", "golongan", "tmt_unit", "bup"],
            [cut, "Sri", "PNS", "PKM-A", "Perawat", "II/c", "2020-07-01", "58"],
            ["1,99001E+17", "Budi", "PNS", "PKM-A", "Perawat", "II/c", "2020-07-01", "58"],
        ]
    )  # fmt: skip
    result = validate_employees(read_sheet_bytes(data, "pegawai.csv"), {"PKM-A"}, ())
    assert [(p.line, p.column) for p in result.problems] == [(2, "nip"), (3, "nip")]
    assert all("15 digit" in p.message_id for p in result.problems)
    assert result.problems[0].message_id.startswith(
        f"NIP {cut} tersimpan sebagai angka, bukan teks"
    )


def test_a_file_whose_header_cannot_be_found_names_the_row_taken_as_header() -> None:
    data = excel_csv(
        [
            ["REKAP PEGAWAI"],
            ["Nomor", "Pegawai", "Tempat"],
            ["1", "Sri", "PKM-A"],
        ]
    )
    result = validate_employees(read_sheet_bytes(data, "rekap.csv", kind="employees"), set(), ())
    assert described(result.problems)[0] == (
        "baris 1: dibaca sebagai baris judul kolom: REKAP PEGAWAI (judul kolom dicari di 30 "
        "baris teratas yang terisi; nama kolom dan aliasnya ada di docs/formats.md)"
    )
    assert "kolom nip: kolom wajib ini tidak ada di baris judul" in described(result.problems)


# ------------------------------------------------------------------ XLSX as agencies make them


def abk_workbook(ws: Worksheet) -> None:
    ws.append(["ANALISIS BEBAN KERJA"])
    ws.merge_cells("A1:F1")
    ws.append(["PUSKESMAS A — TAHUN 2026"])
    ws.merge_cells("A2:F2")
    ws.append(
        [
            "Kode Unit",
            "Jabatan",
            "Uraian Tugas",
            "Satuan Hasil",
            "Norma Waktu (menit)",
            "Volume Tahunan",
        ]
    )
    ws.append(["PKM-A", "Perawat Terampil", "Asuhan", "pasien", 30, 1.125])
    ws.append(["PKM-A", "Perawat Terampil", "Penyuluhan", "kegiatan", 90, "=F4*12"])
    ws.append(["PKM-A", "Perawat Terampil", "Rekap", "laporan", "12,5", "1.250"])


def test_an_xlsx_with_merged_title_rows_finds_its_header_and_names_a_formula_without_value() -> (
    None
):
    sheet = read_sheet_bytes(xlsx(abk_workbook), "abk.xlsx", kind="activities")
    assert sheet.header_line == 3
    result = validate_activities(sheet, {"PKM-A"})
    assert described(result.problems) == [
        "baris 5, kolom volume_tahunan: sel berisi rumus tanpa nilai tersimpan: buka dan simpan "
        "ulang di Excel/LibreOffice, atau tempel sebagai nilai"
    ]
    # The number cell 1.125 stays 1.125 (it is never re-read as text with a thousands dot),
    # the text cell "1.250" is 1,250.
    assert [(a.minutes_per_output, a.annual_volume) for a in result.items] == [
        (30.0, 1.125), (12.5, 1250.0)
    ]  # fmt: skip


def test_vertically_merged_cells_give_every_row_their_value() -> None:
    def build(ws: Worksheet) -> None:
        ws.append(["kode", "nama", "opd", "lat", "lon"])
        ws.append(["SD-1", "SD Negeri 1", "Dinas Pendidikan", -7.5, 110.25])
        ws.append(["SD-2", "SD Negeri 2", None, -7.6, 110.3])
        ws.append(["SD-3", "SD Negeri 3", None, -7.7, 110.35])
        ws.merge_cells("C2:C4")

    result = validate_units(read_sheet_bytes(xlsx(build), "units.xlsx"))
    assert result.problems == ()
    assert [u.opd for u in result.items] == ["Dinas Pendidikan"] * 3


def test_an_xlsx_nip_stored_as_a_number_is_refused_and_a_text_nip_is_kept() -> None:
    def build(ws: Worksheet) -> None:
        ws.append(["NIP", "Nama", "Status", "Kode Unit", "Jabatan", "Golongan", "TMT Unit", "BUP"])
        ws.append(
            [float(NIP_A), "Sri", "PNS", "PKM-A", "Perawat", "II/c", dt.datetime(2020, 7, 1), 58]
        )
        ws.append([NIP_B, "Budi", "PNS", "PKM-A", "Perawat", "III/a", 42036, 58])

    result = validate_employees(read_sheet_bytes(xlsx(build), "pegawai.xlsx"), {"PKM-A"}, ())
    assert described(result.problems) == [
        "baris 2, kolom nip: NIP 1,99001012015031E+17 tersimpan sebagai angka, bukan teks; "
        "lembar kerja hanya menyimpan 15 digit angka, jadi digit terakhir NIP 18 digit tidak "
        "bisa dipercaya. Format kolom sebagai Teks lalu ketik ulang NIP-nya (atau awali dengan "
        "tanda ')"
    ]
    (budi,) = result.items
    assert (budi.nip, budi.tmt_unit) == (NIP_B, dt.date(2015, 2, 1))


# ------------------------------------------------------------------ all or nothing


async def test_a_refused_xlsx_writes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    units = read_sheet_bytes(
        excel_csv(
            [
                ["kode", "nama", "opd", "lat", "lon"],
                ["PKM-A", "Puskesmas A", "Dinkes", "-7,5", "110,2"],
            ]
        ),
        "units.csv",
    )
    activities: Sheet = read_sheet_bytes(xlsx(abk_workbook), "abk.xlsx", kind="activities")
    outcomes = await import_batch(
        ImportBatch(units=units, activities=activities), uow_factory, actor="test", now=NOW
    )
    assert [o.ok for o in outcomes] == [True, False]
    async with uow_factory() as uow:
        assert (await uow.units.list(), await uow.activities.list(), await uow.audit.list()) == (
            [], [], []
        )  # fmt: skip


def test_a_csv_file_path_is_not_needed(tmp_path: Path) -> None:
    # read_sheet_bytes is what the chat upload uses: the same result as from a file on disk.
    from db.spreadsheets import read_sheet

    path = tmp_path / "pegawai.csv"
    path.write_bytes(simpeg_employees_csv())
    assert read_sheet(path, kind="employees") == read_sheet_bytes(
        simpeg_employees_csv(), "pegawai.csv", kind="employees"
    )
