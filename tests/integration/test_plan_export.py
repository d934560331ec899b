"""Issue 9 item 6: `mutasi export plan` writes the plan as a workbook for the committee, read
back here cell by cell (sheets, headers, one row per proposal, values, print settings)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from bot.cli import build_app
from core.domain import Role, RoleGrant, ScopeKind
from core.ports import UnitOfWorkFactory
from core.usecases.approval.decisions import decide
from core.usecases.planning import propose_plan
from core.views.plan_report import plan_report
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from handlers.i18n import translator
from handlers.plan_workbook import build_plan_workbook
from tests.support.clock import FakeClock
from tests.support.loop_agency import (
    APPROVER,
    CLERK,
    JAKARTA,
    LOOP_AGENCY,
    NIGHT,
    NURSE_A,
    NURSE_B,
    ScriptedEngine,
    move,
    rules,
)

HEADERS = [
    "No",
    "Nomor usulan",
    "NIP",
    "Nama",
    "Gol.",
    "Jabatan",
    "Unit asal",
    "Unit tujuan",
    "Alasan",
    "Status",
    "TMT",
    "Keputusan (oleh, waktu)",
    "OPD asal",
    "OPD tujuan",
    "Asal: pegawai sebelum",
    "Asal: kebutuhan ABK",
    "Asal: pegawai sesudah",
    "Tujuan: pegawai sebelum",
    "Tujuan: kebutuhan ABK",
    "Tujuan: pegawai sesudah",
    "Aspirasi pilihan ke-",
    "Jarak rumah sebelum (km)",
    "Jarak rumah sesudah (km)",
    "Skor ketidakseimbangan berkurang",
    "Rangkaian mutasi (jumlah)",
    "Lama di unit asal (bulan)",
    "Keahlian yang cocok",
    "Pelatihan disarankan",
    "Alternatif berikutnya",
    "Alternatif: skor ketidakseimbangan lebih tinggi",
    "Tanggal keputusan terakhir",
]


async def make_plan(factory: UnitOfWorkFactory) -> tuple[int, dict[str, int]]:
    """A plan of three moves: two nurses inside Dinkes (one approved, one rejected) and the
    clerk from a Dindik school to a Dinkes puskesmas (still pending)."""
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    moves = [move(NURSE_A), move(NURSE_B), move(CLERK, "SD-1", "PKM-A")]
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    assert outcome.plan is not None and outcome.plan.id is not None
    ids = {p.nip: p.id for p in outcome.proposals if p.id is not None}
    clock.current = dt.datetime(2026, 11, 24, 9, 15, tzinfo=JAKARTA)
    approval = rules().approval
    await decide(
        factory,
        clock,
        approval,
        proposal_id=ids[NURSE_A],
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    await decide(
        factory,
        clock,
        approval,
        proposal_id=ids[NURSE_B],
        stage=0,
        approver_nip=APPROVER,
        approve=False,
        reason="masih dibutuhkan untuk vaksinasi",
    )
    return outcome.plan.id, ids


def rows_of(sheet: Worksheet) -> list[tuple[object, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_export_plan_writes_a_summary_one_sheet_per_opd_and_the_minutes(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"

    async def seed() -> tuple[int, dict[str, int]]:
        engine = create_engine(url)
        try:
            factory = make_uow_factory(engine)
            await LOOP_AGENCY.write_to(factory)
            return await make_plan(factory)
        finally:
            await engine.dispose()

    plan_id, ids = asyncio.run(seed())
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        build_app(),
        ["export", "plan", "--plan", str(plan_id), "--out", str(out)],
        env={"MUTASI_DATABASE_URL": url, "MUTASI_TIMEZONE": "Asia/Jakarta"},
    )
    assert result.exit_code == 0, result.output
    assert "3 usulan" in result.output

    book = load_workbook(out)
    assert book.sheetnames == ["Ringkasan", "Dindik", "Dinkes", "Berita Acara"]

    dinkes = book["Dinkes"]
    rows = rows_of(dinkes)
    assert rows[0][0] == "Usulan mutasi Dinkes — rencana 24-11-2026"
    assert list(rows[2]) == HEADERS
    body = rows[3:]
    assert [r[2] for r in body] == [NURSE_A, NURSE_B, CLERK]  # leaving and entering Dinkes
    first = dict(zip(HEADERS, body[0], strict=True))
    assert first["No"] == 1
    assert first["Nomor usulan"] == f"MUT-20261124-{ids[NURSE_A]:05d}"
    assert first["Nama"] == "Siti Aminah"
    assert (first["Unit asal"], first["Unit tujuan"]) == (
        "Puskesmas Wonosari I",
        "Puskesmas Playen",
    )
    assert (first["OPD asal"], first["OPD tujuan"]) == ("Dinkes", "Dinkes")
    numbers = [
        first[h]
        for h in (
            "Asal: pegawai sebelum",
            "Asal: kebutuhan ABK",
            "Asal: pegawai sesudah",
            "Tujuan: pegawai sebelum",
            "Tujuan: kebutuhan ABK",
            "Tujuan: pegawai sesudah",
            "Aspirasi pilihan ke-",
            "Jarak rumah sebelum (km)",
            "Jarak rumah sesudah (km)",
            "Skor ketidakseimbangan berkurang",
        )
    ]
    assert numbers == [14, 11.2, 13, 7, 9.6, 8, 1, 12.3, 8.1, 135.0]
    assert first["Keahlian yang cocok"] == "keperawatan"
    reasons = str(first["Alasan"]).split("\n")
    # The chat's words (docs/messages.md): whole people, counts after this move.
    assert reasons[0] == (
        "Alasan: menurut ABK unit asal butuh 11 orang, ada 14; unit tujuan butuh 10 orang, ada 7."
    )
    assert (
        "Unit asal, Puskesmas Wonosari I: menurut ABK butuh 11 orang (ABK 11,2), ada 14; "
        "setelah mutasi ini 13."
    ) in reasons
    assert "Sesuai aspirasi pilihan ke-1." in reasons
    assert "Jarak garis lurus dari rumah: 12,3 → 8,1 km." in reasons
    assert first["Status"] == "disetujui"
    assert first["TMT"] == dt.datetime(2027, 1, 1)
    assert first["Keputusan (oleh, waktu)"] == (
        f"approver: disetujui oleh Kepala Dinkes (NIP {APPROVER}), 24-11-2026 09:15"
    )
    assert first["Tanggal keputusan terakhir"] == dt.datetime(2026, 11, 24)
    second = dict(zip(HEADERS, body[1], strict=True))
    assert second["Status"] == "ditolak"
    assert str(second["Keputusan (oleh, waktu)"]).endswith(
        "24-11-2026 09:15 — masih dibutuhkan untuk vaksinasi"
    )
    third = dict(zip(HEADERS, body[2], strict=True))
    assert (third["OPD asal"], third["OPD tujuan"]) == ("Dindik", "Dinkes")
    assert third["Status"] == "menunggu keputusan"
    assert third["Keputusan (oleh, waktu)"] == "belum ada keputusan"
    assert [r[2] for r in rows_of(book["Dindik"])[3:]] == [CLERK]

    # Printing: landscape, one page wide, header rows repeated, header frozen on screen.
    assert dinkes.page_setup.orientation == "landscape"
    assert dinkes.page_setup.fitToWidth == 1 and dinkes.sheet_properties.pageSetUpPr.fitToPage
    assert dinkes.print_title_rows == "$1:$3"
    assert dinkes.freeze_panes == "E4"
    assert dinkes.column_dimensions["I"].width == 46  # the reasons
    assert dinkes["P4"].number_format == "#,##0.00"  # origin need
    # What the committee reads is printed: No .. Keputusan; the figures one per column are not.
    assert dinkes.print_area == "'Dinkes'!$A$1:$L$6"

    summary = {r[0]: r[1] for r in rows_of(book["Ringkasan"]) if r[0]}
    assert summary["Rencana Mutasi ASN — 24-11-2026"] is None
    assert summary["Nomor rencana"] == plan_id
    assert summary["Jumlah usulan"] == 3
    assert summary["Skor ketidakseimbangan sebelum"] == 400.0
    assert summary["Skor ketidakseimbangan sesudah"] == 100.0
    assert summary["Aspirasi belum dapat dipenuhi"] == 1
    table = [
        r for r in rows_of(book["Ringkasan"]) if r[0] in ("OPD", "Dindik", "Dinkes", "Jumlah")
    ]
    header = table[0]
    assert header[:4] == ("OPD", "Lembar", "Usulan keluar", "Usulan masuk")
    by_opd = {r[0]: dict(zip(header, r, strict=True)) for r in table[1:]}
    assert (by_opd["Dinkes"]["Usulan keluar"], by_opd["Dinkes"]["Usulan masuk"]) == (2, 3)
    assert (by_opd["Dindik"]["Usulan keluar"], by_opd["Dindik"]["Usulan masuk"]) == (1, 0)
    assert by_opd["Jumlah"]["disetujui"] == 1 and by_opd["Jumlah"]["ditolak"] == 1
    assert by_opd["Jumlah"]["menunggu keputusan"] == 1

    minutes = [r[0] for r in rows_of(book["Berita Acara"]) if r[0]]
    assert minutes[0] == "Berita Acara Sidang Baperjakat"
    assert "Nomor berita acara" in minutes and "Tanda tangan" in minutes


def test_export_plan_names_a_missing_plan(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        build_app(),
        ["export", "plan", "--plan", "42", "--out", str(out)],
        env={"MUTASI_DATABASE_URL": f"sqlite+aiosqlite:///{path}"},
    )
    assert result.exit_code != 0
    assert "tidak ada rencana nomor 42" in result.output
    assert not out.exists()


async def test_an_opd_approver_gets_only_the_proposals_of_their_opd(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await LOOP_AGENCY.write_to(uow_factory)
    plan_id, _ids = await make_plan(uow_factory)
    dindik = RoleGrant("x", Role.APPROVER, ScopeKind.OPD, "Dindik")
    from core.domain.access import grant_covers_unit

    async with uow_factory() as uow:
        report = await plan_report(
            uow,
            plan_id,
            stage_names=("approver",),
            today=dt.date(2026, 11, 24),
            visible=lambda unit: grant_covers_unit(dindik, unit),
        )
    assert [line.proposal.nip for line in report.lines] == [CLERK]
    book = load_workbook(io.BytesIO(build_plan_workbook(report, translator("id"), JAKARTA)))
    assert book.sheetnames == ["Ringkasan", "Dindik", "Dinkes", "Berita Acara"]
    assert [r[2] for r in rows_of(book["Dinkes"])[3:]] == [CLERK]  # entering Dinkes


@pytest.mark.parametrize("name", ["Dinas Pendidikan, Pemuda dan Olahraga Kabupaten X", "A/B: C"])
def test_sheet_names_are_valid_for_excel(name: str) -> None:
    from handlers.plan_workbook import sheet_title

    taken: set[str] = set()
    first, second = sheet_title(name, taken), sheet_title(name, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not any(c in first for c in "[]:*?/\\")


def test_a_long_opd_name_is_cut_after_a_whole_word() -> None:
    from handlers.plan_workbook import sheet_title

    taken: set[str] = set()
    assert sheet_title("Badan Kepegawaian dan Pengembangan SDM", taken) == (
        "Badan Kepegawaian dan…"
    )
    assert sheet_title("Badan Kepegawaian dan Pengembangan Aparatur", taken) == (
        "Badan Kepegawaian dan… (2)"
    )


@pytest.mark.parametrize("kind", ["plan", "sk"])
def test_an_out_file_in_a_missing_folder_is_refused_in_one_line(
    sqlite_template: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "plan.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"

    async def seed() -> int:
        engine = create_engine(url)
        try:
            factory = make_uow_factory(engine)
            await LOOP_AGENCY.write_to(factory)
            plan_id, _ids = await make_plan(factory)
            return plan_id
        finally:
            await engine.dispose()

    plan_id = asyncio.run(seed())
    out = tmp_path / "rapat" / "plan.xlsx"  # the folder "rapat" was never made
    result = CliRunner().invoke(
        build_app(),
        ["export", kind, "--plan", str(plan_id), "--out", str(out)],
        env={"MUTASI_DATABASE_URL": url, "MUTASI_TIMEZONE": "Asia/Jakarta"},
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert f"folder {out.parent} tidak ada" in result.output
    assert not out.parent.exists()


async def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # A name imported from an agency file, and an approver's typed reason, that start with "="
    # must reach the committee as the text they are, never as a live formula (a link or a
    # command the spreadsheet program would run when the file is opened).
    from dataclasses import replace

    link = '=HYPERLINK("http://example.invalid/x","klik di sini")'
    await LOOP_AGENCY.write_to(uow_factory)
    async with uow_factory() as uow:
        nurse = await uow.employees.get(NURSE_A)
        assert nurse is not None
        await uow.employees.upsert(replace(nurse, name=link))
        await uow.commit()
    plan_id, ids = await make_plan(uow_factory)
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=JAKARTA))
    await decide(
        uow_factory,
        clock,
        rules().approval,
        proposal_id=ids[CLERK],
        stage=0,
        approver_nip=APPROVER,
        approve=False,
        reason="=1+1",
    )
    async with uow_factory() as uow:
        report = await plan_report(
            uow, plan_id, stage_names=("approver",), today=dt.date(2026, 11, 25)
        )
    book = load_workbook(io.BytesIO(build_plan_workbook(report, translator("id"), JAKARTA)))
    formulas = [
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    names = [row[3] for row in rows_of(book["Dinkes"])[3:]]
    assert link in names


async def test_the_summary_says_why_its_total_row_is_not_the_sum_of_the_opd_rows(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # The clerk moves from a Dindik school to a Dinkes puskesmas: that one pending proposal is
    # on the Dindik row and on the Dinkes row, and once in the total. A committee member adding
    # up the column (2) must read, right under the total (1), why.
    await LOOP_AGENCY.write_to(uow_factory)
    plan_id, _ids = await make_plan(uow_factory)
    async with uow_factory() as uow:
        report = await plan_report(
            uow, plan_id, stage_names=("approver",), today=dt.date(2026, 11, 24)
        )
    rows = rows_of(
        load_workbook(io.BytesIO(build_plan_workbook(report, translator("id"), JAKARTA)))[
            "Ringkasan"
        ]
    )
    header = next(r for r in rows if r[0] == "OPD")
    pending = header.index("menunggu keputusan")
    opd_rows = [r for r in rows if r[0] in ("Dindik", "Dinkes")]
    total_at = next(i for i, r in enumerate(rows) if r[0] == "Jumlah")
    assert sum(int(str(r[pending])) for r in opd_rows) == 2 and rows[total_at][pending] == 1
    assert rows[total_at + 1][0] == (
        "Usulan antar-OPD tercantum pada baris OPD asal dan OPD tujuan; "
        "baris Jumlah menghitung setiap usulan sekali."
    )


@pytest.mark.parametrize("kind", ["plan", "sk"])
def test_an_export_from_a_database_file_that_does_not_exist_says_so_and_creates_nothing(
    tmp_path: Path, kind: str
) -> None:
    # A newcomer runs `make demo` (which fills mutasi-demo.sqlite3) and then exports without
    # pointing MUTASI_DATABASE_URL at it: the default file does not exist.
    database = tmp_path / "mutasi.sqlite3"
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        build_app(),
        ["export", kind, "--plan", "1", "--out", str(out)],
        env={"MUTASI_DATABASE_URL": f"sqlite:///{database}"},
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "belum ada" in result.output and "mutasi-demo.sqlite3" in result.output
    assert not database.exists() and not out.exists()


def test_a_database_without_the_tables_is_one_line_pointing_at_db_upgrade(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    database = tmp_path / "kosong.sqlite3"
    database.touch()  # a file that exists, but nobody ran `mutasi db upgrade` on it
    mutasi = str(Path(sys.executable).with_name("mutasi"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
    result = subprocess.run(
        [mutasi, "export", "plan", "--plan", "1", "--out", str(tmp_path / "p.xlsx")],
        env={**clean, "MUTASI_DATABASE_URL": f"sqlite:///{database}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "belum disiapkan" in lines[0] and "mutasi db upgrade" in lines[0]


def test_the_sk_csv_never_hands_a_formula_to_the_spreadsheet_that_opens_it(
    sqlite_template: Path, tmp_path: Path
) -> None:
    # The SK draft CSV is written for Excel (UTF-8 with BOM): Excel runs a cell that starts
    # with = + - or @ as a formula. A name imported as `=HYPERLINK(...)` is written with a
    # leading apostrophe, which Excel shows as the text itself.
    import csv
    from dataclasses import replace

    path = tmp_path / "plan.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    link = '=HYPERLINK("http://example.invalid/x","klik")'

    async def seed() -> int:
        engine = create_engine(url)
        try:
            factory = make_uow_factory(engine)
            await LOOP_AGENCY.write_to(factory)
            async with factory() as uow:
                nurse = await uow.employees.get(NURSE_A)
                assert nurse is not None
                await uow.employees.upsert(replace(nurse, name=link))
                await uow.commit()
            plan_id, _ids = await make_plan(factory)
            return plan_id
        finally:
            await engine.dispose()

    plan_id = asyncio.run(seed())
    out = tmp_path / "sk.csv"
    result = CliRunner().invoke(
        build_app(),
        ["export", "sk", "--plan", str(plan_id), "--out", str(out)],
        env={"MUTASI_DATABASE_URL": url, "MUTASI_TIMEZONE": "Asia/Jakarta"},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["nama"] for r in rows] == ["'" + link]  # the approved nurse
    assert rows[0]["nip"] == NURSE_A
