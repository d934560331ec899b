"""Files the bot writes keep text as text: a name that starts with "=" (imported from an agency
file or typed in the chat) never becomes a live formula in the spreadsheet someone opens."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from core.domain import Activity
from db.spreadsheets import read_sheet, write_sheet
from handlers.workload_sheet import TemplateInfo, build_template, read_template

LINK = '=HYPERLINK("http://example.invalid/x","klik")'


def test_the_workload_template_keeps_an_activity_named_like_a_formula_and_reads_it_back() -> None:
    info = TemplateInfo("PKM-A", "Perawat Terampil", "2026-10")
    activities = [Activity("PKM-A", "Perawat Terampil", LINK, "pasien", 60.0, 1200.0)]
    book = load_workbook(io.BytesIO(build_template(info, activities)))
    cell = book["volume"]["A2"]
    assert (cell.data_type, cell.value) == ("s", LINK)
    book["volume"]["D2"] = 12
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_template(buffer.getvalue(), info, activities) == {LINK: 12.0}


def test_write_sheet_stores_text_starting_with_an_equals_sign_as_text(tmp_path: Path) -> None:
    path = tmp_path / "sk.xlsx"
    write_sheet(path, ["nama", "nilai"], [[LINK, 3], ["=1+1", "biasa"]])
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [(c.data_type, c.value) for row in sheet.iter_rows(min_row=2) for c in row]
    assert cells == [("s", LINK), ("n", 3), ("s", "=1+1"), ("s", "biasa")]
    assert [row.get("nama") for row in read_sheet(path).rows] == [LINK, "=1+1"]
