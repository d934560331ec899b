"""Flow 6 in the chat: the transfer notice (✅ Terima · 📝 Ajukan keberatan), the words to both
supervisors, the objection's reason, its outcome, and the word on the TMT.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import Translator
from core.dialogue import DialogueState
from core.domain import Role
from core.errors import NotFound
from core.notices import TransferContent
from core.objections import accept_transfer, object_transfer
from core.text import MAX_REASON
from handlers.access import Turn, handler
from handlers.approval import rules_of
from handlers.context import CommandSpec, DialogueRoute, Services
from handlers.keyboards import button, keyboard, pattern_for
from handlers.transfer_text import extra_lines, reason_lines, who_lines

FEATURE = "ntc"
OBJECTION_FLOW = "objection"
COMMANDS: tuple[CommandSpec, ...] = ()


def notice_text(t: Translator, payload: dict[str, Any], objection_days: int = 7) -> str:
    """The notice body: who, where, when, why, training, legal basis."""
    content = TransferContent.from_payload(payload["content"])
    return "\n".join(
        [
            t("notice.title"),
            t("notice.intro"),
            *who_lines(t, content),
            "",
            t("notice.why"),
            *reason_lines(t, content),
            "",
            *extra_lines(t, content),
            "",
            t("notice.window", days=objection_days),
            t("notice.route"),
        ]
    )


def render_notice(t: Translator, payload: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """The notice with ✅ Terima · 📝 Ajukan keberatan."""
    pid = int(payload["proposal_id"])
    return notice_text(t, payload, int(payload.get("objection_days", 7))), keyboard(
        [
            button(t("notice.accept"), FEATURE, "accept", pid),
            button(t("notice.object"), FEATURE, "object", pid),
        ]
    )


def render_notice_outcome(t: Translator, payload: dict[str, Any]) -> tuple[str, None]:
    """The notice as edited after the ASN's answer (buttons gone)."""
    days = int(payload.get("objection_days") or 7)
    body = notice_text(t, payload, days) if payload.get("content") else ""
    return (body + "\n\n" + t(f"notice.outcome.{payload['outcome']}")).strip(), None


def render_supervisor_info(t: Translator, payload: dict[str, Any]) -> tuple[str, None]:
    """To a supervisor: someone leaves or joins the unit."""
    content = TransferContent.from_payload(payload["content"])
    tmt = dt.date.fromisoformat(content.tmt) if content.tmt else ""
    key = "supervisor.out" if payload["direction"] == "out" else "supervisor.in"
    text = t(
        key,
        name=escape(content.name),
        nip=content.nip,
        origin=escape(content.origin.unit_name),
        destination=escape(content.destination.unit_name),
        tmt=tmt,
    )
    if payload["direction"] == "in":
        text += "\n" + t("supervisor.in_spmt")
    return text, None


def render_supervisor_cancelled(t: Translator, payload: dict[str, Any]) -> tuple[str, None]:
    """To a supervisor: the transfer was cancelled after an objection."""
    return t(
        "supervisor.cancelled",
        nip=payload["nip"],
        origin=escape(str(payload.get("from_name") or payload["from_unit"])),
        destination=escape(str(payload.get("to_name") or payload["to_unit"])),
    ), None


def render_objection_outcome(t: Translator, payload: dict[str, Any]) -> tuple[str, None]:
    """To the ASN: what the approvers ruled on the objection."""
    return t(f"objection.outcome.{payload['outcome']}", id=int(payload["proposal_id"])), None


def render_effective(t: Translator, payload: dict[str, Any]) -> tuple[str, None]:
    """To the ASN on the TMT."""
    return t(
        "effective.notice",
        tmt=dt.date.fromisoformat(str(payload["tmt"])),
        destination=escape(str(payload.get("to_name") or payload["to_unit"])),
    ), None


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """✅ Terima or 📝 Ajukan keberatan on a notice."""
    press = turn.press
    target = press.int_arg(0) if press else None
    if press is None or target is None:
        raise NotFound()
    if press.action == "accept":
        await accept_transfer(
            turn.context.services.uow_factory,
            turn.context.clock,
            proposal_id=target,
            nip=turn.me.nip,
        )
        await turn.say_key("notice.accepted")
    elif press.action == "object":
        async with turn.context.uow() as uow:
            proposal = await uow.proposals.get(target)
        if proposal is None or proposal.nip != turn.me.nip:
            raise NotFound()
        await turn.start_dialogue(OBJECTION_FLOW, "reason", proposal_id=target)
        await turn.say_key("notice.ask_reason")


async def on_objection_reason(turn: Turn, state: DialogueState, text: str) -> None:
    """The reason typed after 📝 Ajukan keberatan: file the objection."""
    reason = text.strip()
    if not reason:
        await turn.say_key("notice.ask_reason")
        return
    if len(reason) > MAX_REASON:  # said, not cut: the dialogue stays open for a shorter one
        await turn.say_key("error.reason_too_long", length=len(reason), limit=MAX_REASON)
        return
    await turn.end_dialogue()
    await object_transfer(
        turn.context.services.uow_factory,
        turn.context.clock,
        rules_of(turn.context),
        proposal_id=int(state.data["proposal_id"]),
        nip=turn.me.nip,
        reason=reason,
        window_days=turn.context.settings.objection_days,
    )
    await turn.say(
        turn.t("notice.objected")
        + "\n"
        + turn.t(
            "notice.objected_deadline",
            days=turn.context.settings.objection_decision_working_days,
        )
    )


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Add the notice presses and the objection-reason dialogue."""
    application.add_handler(CallbackQueryHandler(on_press, pattern=pattern_for(FEATURE)))
    services.routes[OBJECTION_FLOW] = DialogueRoute(Role.ASN, on_objection_reason)
