"""/unit: ABK status (FTE need, staff in post, EJ category) of the supervisor's units, paged."""

from __future__ import annotations

from html import escape

from telegram.ext import CallbackQueryHandler, CommandHandler

from core.abk import workload_figures, workload_minutes
from core.access import OutOfScope, units_in_scope
from core.domain import Role, Unit
from handlers.access import Turn, handler, show
from handlers.context import AnyApplication, CommandSpec, Services
from handlers.formatting import figures_text
from handlers.keyboards import button, keyboard, page_of, pattern_for

FEATURE = "unit"
COMMANDS = (CommandSpec("unit", "cmd.unit", Role.SUPERVISOR),)
PER_PAGE = 5


async def _page_text(turn: Turn, units: list[Unit], page: int) -> tuple[str, int, int]:
    shown = page_of(len(units), page, PER_PAGE)
    blocks: list[str] = []
    wke = turn.context.settings.wke_minutes
    async with turn.context.uow() as uow:
        activities = await uow.activities.list()
        for unit in units[shown.start : shown.stop]:
            staff = await uow.employees.list_by_unit(unit.code)
            lines = [f"<b>{escape(unit.name)}</b> ({escape(unit.code)})"]
            jabatan = sorted({a.jabatan for a in activities if a.unit_code == unit.code})
            for j in jabatan:
                minutes = workload_minutes(
                    (a.annual_volume, a.minutes_per_output)
                    for a in activities
                    if a.unit_code == unit.code and a.jabatan == j
                )
                in_post = sum(1 for e in staff if e.jabatan == j)
                figures = workload_figures(minutes, in_post, wke)
                lines.append(f"• {escape(j)}: {figures_text(turn.t, figures)}")
            if not jabatan:
                lines.append(turn.t("unit.no_activities"))
            blocks.append("\n".join(lines))
    header = turn.t("unit.header", page=shown.number + 1, pages=shown.count)
    return header + "\n\n" + "\n\n".join(blocks), shown.number, shown.count


async def _render(turn: Turn, page: int) -> None:
    async with turn.context.uow() as uow:
        units = units_in_scope(turn.me, Role.SUPERVISOR, await uow.units.list())
    if not units:
        raise OutOfScope()
    text, number, count = await _page_text(turn, units, page)
    nav = []
    if number > 0:
        nav.append(button(turn.t("paging.previous"), FEATURE, "page", number - 1))
    if number + 1 < count:
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


def register(application: AnyApplication, services: Services) -> None:
    """Add /unit and its paging buttons."""
    application.add_handler(CommandHandler("unit", show_units))
    application.add_handler(CallbackQueryHandler(on_page, pattern=pattern_for(FEATURE)))
