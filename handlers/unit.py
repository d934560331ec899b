"""/unit: ABK status (FTE need, staff in post, EJ category) of the supervisor's units, paged."""

from __future__ import annotations

from html import escape

from core.domain import Role
from core.views.unit_status import UnitStatus, read_unit_statuses
from handlers.access import Turn, handler, show
from handlers.formatting import figures_text
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard

FEATURE = "unit"
PER_PAGE = 5
#: Characters of unit blocks per message (Telegram allows 4096; the header needs the rest).
PAGE_BUDGET = 3800


def _unit_block(t: Translator, status: UnitStatus) -> str:
    unit = status.unit
    lines = [f"<b>{escape(unit.name)}</b> ({escape(unit.code)})"]
    for line in status.jabatan:
        text = f"• {escape(line.jabatan)}: {figures_text(t, line.figures)}"
        if len(lines) > 1 and sum(len(x) + 1 for x in lines) + len(text) > PAGE_BUDGET:
            lines.append("…")  # a unit too big for one message: the rest is cut
            break
        lines.append(text)
    if not status.jabatan:
        lines.append(t("unit.no_activities"))
    return "\n".join(lines)


def _pages(blocks: list[str]) -> list[list[str]]:
    """Blocks packed into pages of at most PER_PAGE units and PAGE_BUDGET characters."""
    pages: list[list[str]] = [[]]
    for block in blocks:
        page = pages[-1]
        size = sum(len(b) + 2 for b in page) + len(block)
        if page and (len(page) >= PER_PAGE or size > PAGE_BUDGET):
            pages.append([block])
        else:
            page.append(block)
    return pages


async def _render(turn: Turn, page: int) -> None:
    rules = turn.context.rules.workload
    statuses = await read_unit_statuses(
        turn.context.uow,
        turn.me,
        wke_minutes=rules.wke_minutes,
        thresholds=rules.thresholds,
        workload_months=rules.average_months,
    )
    pages = _pages([_unit_block(turn.t, status) for status in statuses])
    number = min(max(page, 0), len(pages) - 1)
    header = turn.t("unit.header", page=number + 1, pages=len(pages))
    text = header + "\n\n" + "\n\n".join(pages[number])
    nav = []
    if number > 0:
        nav.append(button(turn.t("paging.previous"), FEATURE, "page", number - 1))
    if number + 1 < len(pages):
        nav.append(button(turn.t("paging.next"), FEATURE, "page", number + 1))
    await show(turn, text, keyboard(nav) if nav else None)


@handler(role=Role.SUPERVISOR)
async def show_units(turn: Turn) -> None:
    """The first page of the caller's units."""
    await _render(turn, 0)


@handler(role=Role.SUPERVISOR)
async def on_page(turn: Turn) -> None:
    """Another page (the scope is recomputed from the caller's grants on every press)."""
    await _render(turn, (turn.press.int_arg(0) if turn.press else 0) or 0)
