"""After approval in the chat (docs/after-approval.md): the destination head's SPMT tap (with
the new SIP for health workers), the alerts to admins about moves that cannot take effect yet,
and the admins' ruling on an objection raised to them after the approvers let it wait.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup

from core.domain import Role
from core.domain.errors import MessageValue, NotFound
from core.domain.messages import ArrivalRequest, TransferAlert, TransferFacts
from core.usecases.effect import confirm_arrival
from core.views.arrival import arrival_to_confirm
from handlers.access import Turn, handler
from handlers.approval import rule_objection
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard

FEATURE = "arr"
#: Presses on an objection card raised to the admins.
ESCALATED_FEATURE = "esc"


def _values(facts: TransferFacts) -> dict[str, Any]:
    return {
        "id": facts.proposal_id,
        "name": escape(facts.name or facts.nip),
        "nip": facts.nip,
        "jabatan": escape(facts.jabatan),
        "origin": escape(facts.from_name),
        "destination": escape(facts.to_name),
        "tmt": facts.tmt or "",
    }


def render_arrival_request(
    t: Translator, request: ArrivalRequest
) -> tuple[str, InlineKeyboardMarkup]:
    """To the destination head on (and after) the TMT: confirm the SPMT with one tap."""
    values = _values(request)
    lines = []
    if request.reminder:
        lines.append(t("arrival.reminder", count=request.waited_days))
    lines.append(t("arrival.request", **values))
    sip = request.butuh_sip
    if sip:
        lines.append(t("arrival.request_sip", destination=values["destination"]))
    label = t("arrival.button_sip" if sip else "arrival.button")
    return "\n".join(lines), keyboard([button(label, FEATURE, "ok", values["id"])])


def render_transfer_alert(t: Translator, alert: TransferAlert) -> tuple[str, None]:
    """To admins: an SPMT nobody can tap, an overdue one, or a missing Minister's letter."""
    values = _values(alert)
    sip = " --sip" if alert.butuh_sip else ""
    return t(f"transfer_alert.{alert.alert}", sip=sip, **values), None


@handler(role=Role.SUPERVISOR)
async def on_press(turn: Turn) -> None:
    """✅ Sudah bertugas (SPMT) on an arrival request."""
    press = turn.press
    target = press.int_arg(0) if press else None
    if press is None or target is None or press.action != "ok":
        raise NotFound()
    async with turn.context.uow() as uow:
        # core.views.arrival refuses anyone but the head of the destination unit.
        arrival = await arrival_to_confirm(uow, turn.me, target)
    outcome = await turn.run_use_case(
        confirm_arrival,
        proposal_id=target,
        nip=turn.me.nip,
        # The button a butuh_sip request carries says the new SIP is held.
        sip_held=arrival.proposal.butuh_sip,
    )
    names: dict[str, MessageValue] = {
        "id": target,
        "name": escape(arrival.name),
        "destination": escape(arrival.destination),
    }
    if outcome.applied:
        key = "arrival.done"
    elif "minister" in outcome.waiting:
        key = "arrival.done_waiting_minister"
    else:  # the person is in a third unit by now: the admins were told
        key = "arrival.done_unit_changed"
    done = turn.t(key, **names)
    # The request is edited to its answer: the button goes, nothing piles up.
    message = turn.update.effective_message
    request = message.text_html if message is not None and message.text else ""
    await turn.replace(f"{request}\n\n{done}" if request else done)


@handler(role=Role.ADMIN)
async def on_escalated_press(turn: Turn) -> None:
    """An admin upholds or cancels a transfer on an objection raised to the admins."""
    press = turn.press
    target = press.int_arg(0) if press else None
    if press is None or target is None or press.action not in ("keep", "drop"):
        raise NotFound()
    await rule_objection(turn, target, cancel=press.action == "drop")
