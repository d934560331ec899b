"""/status: own unit and tenure, the aspiration, transfers and why-not (flow 9)."""

from __future__ import annotations

from html import escape

from core.aspirations import person_problems
from core.domain import Role
from core.eligibility import months_between
from handlers.access import Turn, handler
from handlers.formatting import aspiration_text, problems_block
from handlers.plan import why_not_lines


@handler(role=Role.ASN)
async def show_status(turn: Turn) -> None:
    """The caller's unit, tenure, current aspiration and what stands in its way."""
    me = turn.me.employee
    async with turn.context.uow() as uow:
        unit = await uow.units.get(me.unit_code)
        aspiration = await uow.aspirations.current_for(me.nip)
        names = {u.code: u.name for u in await uow.units.list()} if aspiration else {}
        transfers = await why_not_lines(
            turn.t, uow, me.nip, turn.context.rules.approval, turn.context.now()
        )
        problems = await person_problems(
            uow, me, turn.context.today(), turn.context.rules.eligibility
        )
    today = turn.context.today()
    parts = [
        turn.t(
            "status.unit",
            unit=escape(unit.name if unit else me.unit_code),
            jabatan=escape(me.jabatan),
            count=months_between(me.tmt_unit, today),
        )
    ]
    if aspiration is None:
        parts.append(turn.t("status.no_aspiration"))
    else:
        parts.append(aspiration_text(turn.t, aspiration, names))
    if problems:
        parts.append(
            turn.t("aspiration.cannot_be_granted") + "\n" + problems_block(turn.t, problems)
        )
    if transfers:
        parts.append("\n".join(transfers))
    await turn.say("\n\n".join(parts))
