"""The XLSX workload template the bot sends for one (unit, jabatan, month), and reading it back."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.domain import Activity
from core.domain.errors import InvalidInput, MessageValue
from core.usecases.safe_files import MB, FileBudget, keep_text_cells
from core.usecases.workload import MAX_MONTHLY_VOLUME, AmbiguousVolume, NotANumber, parse_volume

HEADER = ("kegiatan", "satuan_hasil", "norma_waktu_menit", "volume_bulan_ini")
META_SHEET = "info"
MAX_BYTES = 1_000_000
#: What a filled-in template may unpack to: generous for a few hundred activities, far below
#: what would strain the bot (core.usecases.safe_files checks it before openpyxl sees the file).
TEMPLATE_BUDGET = FileBudget(
    max_bytes=MAX_BYTES,
    max_part_bytes=10 * MB,
    max_unpacked_bytes=20 * MB,
    max_parts=100,
    max_rows=5_000,
    max_columns=50,
    seconds=20.0,
    memory_bytes=1_000 * MB,
)


class SheetProblem(InvalidInput):
    """The uploaded file is not a filled-in template for this report."""

    key = "error.sheet"

    def __init__(self, detail: str, **values: MessageValue) -> None:
        super().__init__(detail, **values)
        self.key = f"error.sheet_{detail}"


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What the template is for."""

    unit_code: str
    jabatan: str
    month: str


def build_template(info: TemplateInfo, activities: Sequence[Activity]) -> bytes:
    """An XLSX with one row per activity and an empty volume column to fill in."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "volume"
    sheet.append(list(HEADER))
    for activity in activities:
        sheet.append([activity.name, activity.output_unit, activity.minutes_per_output, None])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 20
    sheet.column_dimensions["D"].width = 18
    meta = book.create_sheet(META_SHEET)
    meta.append(["kode_unit", info.unit_code])
    meta.append(["jabatan", info.jabatan])
    meta.append(["bulan", info.month])
    keep_text_cells(book)  # an activity named "=..." stays a name, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_template(
    data: bytes, info: TemplateInfo, activities: Sequence[Activity]
) -> dict[str, float]:
    """The month's volume per activity from a filled-in template; SheetProblem says what is off."""
    if len(data) > MAX_BYTES:
        raise SheetProblem(detail="size")
    try:  # the XML inside is parsed lazily, so a broken part can fail at any of these reads
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        meta_rows = (
            list(book[META_SHEET].iter_rows(values_only=True, max_row=20, max_col=2))
            if META_SHEET in book.sheetnames
            else None
        )
        # Read only as far as a filled-in template can reach: a small, highly compressed file
        # must not unfold into millions of rows in memory.
        rows = list(
            book.worksheets[0].iter_rows(
                values_only=True, max_row=len(activities) + 50, max_col=len(HEADER) + 4
            )
        )
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        OSError,
        KeyError,
        ValueError,
        IndexError,
        ParseError,
    ):
        raise SheetProblem(detail="format") from None
    if meta_rows is not None:
        meta = {str(r[0]): str(r[1]) for r in meta_rows if len(r) > 1 and r[0]}
        if (meta.get("kode_unit"), meta.get("jabatan"), meta.get("bulan")) != (
            info.unit_code,
            info.jabatan,
            info.month,
        ):
            raise SheetProblem(detail="other_report")
    if not rows or tuple(str(c or "").strip().lower() for c in rows[0][:4]) != HEADER:
        raise SheetProblem(detail="header")
    known = {a.name for a in activities}
    volumes: dict[str, float] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(c is None for c in row):
            continue
        name = str(row[0] or "").strip()
        if name not in known:
            raise SheetProblem(detail="activity", line=line)
        raw = row[3] if len(row) > 3 else None
        value = _number(raw, line)
        if value is None:
            raise SheetProblem(detail="volume", line=line)
        volumes[name] = value
    missing = known - set(volumes)
    if missing:
        raise SheetProblem(detail="missing", activity=sorted(missing)[0])
    return volumes


def _number(raw: object, line: int) -> float | None:
    """A volume cell: a number cell as it is, text read like a typed volume (`parse_volume`)."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = parse_volume(str(raw))
        except AmbiguousVolume as error:
            raise SheetProblem(detail="ambiguous", line=line, **error.values) from None
        except NotANumber:
            return None
    return value if math.isfinite(value) and 0 <= value <= MAX_MONTHLY_VOLUME else None
