"""/unit: ABK status (FTE need, staff in post, EJ category) of the supervisor's units, paged."""

from __future__ import annotations

from html import escape

from core.domain import Role, Unit
from core.domain.abk import staffing_by_family, workload_figures
from core.domain.access import OutOfScope, units_in_scope
from core.usecases.workload import accepted_workload
from handlers.access import Turn, handler, show
from handlers.formatting import figures_text
from handlers.keyboards import button, keyboard

FEATURE = "unit"
PER_PAGE = 5
#: Characters of unit blocks per message (Telegram allows 4096; the header needs the rest).
PAGE_BUDGET = 3800


async def _unit_blocks(turn: Turn, units: list[Unit]) -> list[str]:
    wke = turn.context.rules.workload.wke_minutes
    async with turn.context.uow() as uow:
        activities = await accepted_workload(uow, turn.context.rules.workload.average_months)
        employees = await uow.employees.list()
    table = staffing_by_family(employees, activities, wke)
    blocks: list[str] = []
    for unit in units:
        lines = [f"<b>{escape(unit.name)}</b> ({escape(unit.code)})"]
        jabatan = sorted({a.jabatan for a in activities if a.unit_code == unit.code})
        for j in jabatan:
            family = table[(unit.code, j)]
            figures = workload_figures(family.minutes, family.staff, wke)
            line = f"• {escape(j)}: {figures_text(turn.t, figures)}"
            if len(lines) > 1 and sum(len(x) + 1 for x in lines) + len(line) > PAGE_BUDGET:
                lines.append("…")  # a unit too big for one message: the rest is cut
                break
            lines.append(line)
        if not jabatan:
            lines.append(turn.t("unit.no_activities"))
        blocks.append("\n".join(lines))
    return blocks


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
    async with turn.context.uow() as uow:
        units = units_in_scope(turn.me, Role.SUPERVISOR, await uow.units.list())
    if not units:
        raise OutOfScope()
    pages = _pages(await _unit_blocks(turn, units))
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
