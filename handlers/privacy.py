"""/privasi: what is stored, why, for how long and how to correct it; /dataku: the caller's own
data as a short message and an XLSX with Indonesian headers; /koreksi: ask for a correction,
which reaches the admins as a task (outbox kind `correction_request`)."""

from __future__ import annotations

import datetime as dt
import io
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Font

from core.domain.messages import CorrectionRequest
from core.usecases.corrections import request_correction
from core.usecases.dialogue import CorrectionAnswers, DialogueState
from core.views.personal_data import DataTable, held_summary, personal_data
from handlers.access import Turn, handler
from handlers.i18n import Translator

CORRECTION_FLOW = CorrectionAnswers.FLOW
#: A column is made no wider than this many characters (long JSON cells wrap instead).
MAX_COLUMN_WIDTH = 60


@handler(role=None)
async def privacy_notice(turn: Turn) -> None:
    """Every stored field, why, for how long, and how to see and correct it."""
    rules = turn.context.rules
    await turn.say_key(
        "privacy.notice",
        agency=escape(rules.name),
        months=rules.eligibility.aspiration_months,
    )


def workbook_bytes(tables: list[DataTable], exported_at: dt.datetime) -> bytes:
    """TABLES as an XLSX, one sheet each (bold headers, readable widths)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for index, header in enumerate(table.headers, start=1):
            values = [header, *(str(r[index - 1] or "") for r in table.rows)]
            width = min(MAX_COLUMN_WIDTH, max(len(v) for v in values) + 2)
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    book.properties.created = exported_at.replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def held_text(t: Translator, tables: list[DataTable]) -> str:
    """The short message: what kinds of data are held, with counts."""
    lines = [t("privacy.export_intro")]
    for title, count in held_summary(tables):
        lines.append(t("privacy.export_line", table=escape(title), count=count))
    lines.append(t("privacy.export_outro"))
    return "\n".join(lines)


@handler()
async def my_data(turn: Turn) -> None:
    """Everything stored about the caller: a short message and an XLSX."""
    me = turn.me
    async with turn.context.uow() as uow:
        tables = await personal_data(uow, me.nip)
    now = turn.context.now()
    await turn.say(held_text(turn.t, tables))
    await turn.send_file(
        workbook_bytes(tables, now),
        f"dataku-{me.nip}.xlsx",
        caption=turn.t("privacy.export_caption"),
    )


@handler()
async def ask_correction(turn: Turn) -> None:
    """/koreksi [what is wrong]: send it to the admins, or ask for it first."""
    text = " ".join(turn.command_args).strip()
    if text:
        await _send_correction(turn, text)
        return
    await turn.start_dialogue(CorrectionAnswers(), "text")
    await turn.say_key("correction.ask")


async def on_correction_text(turn: Turn, state: DialogueState, text: str) -> None:
    """The correction typed after /koreksi."""
    if not text.strip():
        await turn.say_key("correction.ask")
        return
    await turn.end_dialogue()
    await _send_correction(turn, text)


async def _send_correction(turn: Turn, text: str) -> None:
    reached = await request_correction(
        turn.context.services.uow_factory, turn.context.clock, nip=turn.me.nip, text=text
    )
    await turn.say_key("correction.sent" if reached else "correction.recorded")


def render_correction_request(t: Translator, task: CorrectionRequest) -> tuple[str, None]:
    """To an admin: a person asks for a correction of their data (a task)."""
    return t(
        "correction.task",
        name=escape(task.name),
        nip=task.nip,
        unit=escape(task.unit),
        request=escape(task.request),
    ), None
