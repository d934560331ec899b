"""/status: own unit and tenure, the aspiration, transfers and why-not (flow 9), rendered from
core.views.status."""

from __future__ import annotations

from html import escape

from core.domain import Role
from core.views.status import StatusView, TransfersView, status_view
from handlers.access import Turn, handler
from handlers.approval import state_word
from handlers.formatting import aspiration_text, problems_block
from handlers.i18n import Translator


@handler(role=Role.ASN)
async def show_status(turn: Turn) -> None:
    """The caller's unit, tenure, current aspiration and what stands in its way."""
    async with turn.context.uow() as uow:
        view = await status_view(
            uow,
            turn.me.employee,
            turn.context.rules.approval,
            turn.context.rules.eligibility,
            turn.context.now(),
        )
    await turn.say(status_text(turn.t, view))


def status_text(t: Translator, view: StatusView) -> str:
    """The /status message: unit and tenure, aspiration, problems, transfers."""
    parts = [
        t(
            "status.unit",
            unit=escape(view.unit),
            jabatan=escape(view.jabatan),
            count=view.tenure_months,
        )
    ]
    if view.aspiration is None:
        parts.append(t("status.no_aspiration"))
    else:
        parts.append(aspiration_text(t, view.aspiration, view.unit_names))
    if view.problems:
        parts.append(t("aspiration.cannot_be_granted") + "\n" + problems_block(t, view.problems))
    transfers = transfer_lines(t, view.transfers)
    if transfers:
        parts.append("\n".join(transfers))
    return "\n\n".join(parts)


def transfer_lines(t: Translator, view: TransfersView) -> list[str]:
    """The person's transfers with what an approved one still waits for, then why their
    aspirations were not granted (or where the plan moves them)."""
    lines: list[str] = []
    if view.transfers:
        lines.append(t("status.transfers"))
    for line in view.transfers:
        lines.append(
            t(
                "status.transfer_line",
                id=line.proposal_id,
                origin=escape(line.origin),
                destination=escape(line.destination),
                state=state_word(t, line.state.value),
            )
        )
        if line.waiting_spmt:
            key = "status.waiting_spmt_sip" if line.needs_sip else "status.waiting_spmt"
            lines.append(t(key, tmt=line.tmt))
        if line.waiting_minister:
            lines.append(t("status.waiting_minister"))
    for entry in view.not_granted:
        lines.append(
            t("status.why_not", unit=escape(entry.unit), reason=t(f"notgranted.{entry.reason}"))
        )
    if view.moved_to is not None:
        key = "status.granted" if view.moved_as_asked else "status.moved_unasked"
        lines.append(t(key, unit=escape(view.moved_to)))
    return lines
