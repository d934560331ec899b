"""Flow 6 in the chat: the transfer notice (✅ Terima · 📝 Ajukan keberatan), the words to both
supervisors, the objection's reason, its outcome, and the word on the TMT.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup

from core.approval.cards import content_of
from core.dialogue import DialogueState
from core.domain import ProposalState, Role
from core.errors import NotFound
from core.notices import TransferContent
from core.objections import accept_transfer, object_transfer
from core.text import MAX_REASON
from handlers.access import Turn, handler
from handlers.approval import edit_best_effort
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard
from handlers.transfer_text import detail_lines, headline_lines

FEATURE = "ntc"
OBJECTION_FLOW = "objection"


def notice_first_screen(t: Translator, payload: dict[str, Any]) -> str:
    """First layer (one phone screen, ≤ 600 characters; docs/messages.md): what, from, to, TMT,
    the main reason and what to do. The opening says whether the person asked for it."""
    content = TransferContent.from_payload(payload["content"])
    days = int(payload.get("objection_days", 7))
    if content.aspiration_rank is not None:
        intro = t("notice.intro_asked", rank=content.aspiration_rank)
    else:
        intro = t("notice.intro_not_asked")
    lines = [t("notice.title"), intro, *headline_lines(t, content, reader=True)]
    if content.butuh_sip:  # something the person must do before the TMT
        lines.append(t("transfer.sip"))
    lines.append(t("notice.window", count=days))
    return "\n".join(lines)


def notice_text(
    t: Translator, payload: dict[str, Any], *, expanded: bool = False, outcome: str | None = None
) -> str:
    """The notice; OUTCOME (the person's answer, once given) follows the first screen; with
    EXPANDED the second layer (ℹ️ Rincian) comes last."""
    parts = [notice_first_screen(t, payload)]
    if outcome:
        parts.append(outcome)
    if expanded:
        content = TransferContent.from_payload(payload["content"])
        # The freeze window binds the approvers (the Minister's approval), not the answer.
        freeze = [t("transfer.freeze")] if content.freeze_note else []
        details = [
            t("transfer.details_title"),
            *freeze,
            *detail_lines(t, content),
            t("notice.route"),
        ]
        parts.append("\n".join(details))
    return "\n\n".join(parts)


def notice_keyboard(
    t: Translator, proposal_id: int, *, expanded: bool, open_: bool = True
) -> InlineKeyboardMarkup:
    """✅ Terima · 📝 Ajukan keberatan while the answer is open, then ℹ️ Rincian (🔼 Ringkas when
    expanded). Once answered only the toggle stays: the details remain one tap away."""
    toggle = (
        button(t("transfer.less"), FEATURE, "less", proposal_id)
        if expanded
        else button(t("card.details"), FEATURE, "info", proposal_id)
    )
    answer = [
        button(t("notice.accept"), FEATURE, "accept", proposal_id),
        button(t("notice.object"), FEATURE, "object", proposal_id),
    ]
    return keyboard(answer if open_ else [], [toggle])


def render_notice(t: Translator, payload: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """The notice with ✅ Terima · 📝 Ajukan keberatan · ℹ️ Rincian."""
    pid = int(payload["proposal_id"])
    return notice_text(t, payload), notice_keyboard(t, pid, expanded=False)


def render_notice_outcome(
    t: Translator, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The notice as edited after the ASN's answer: the answer buttons go, ℹ️ Rincian stays."""
    outcome = t(f"notice.outcome.{payload['outcome']}")
    if not payload.get("content"):
        return outcome, None
    pid = int(payload["proposal_id"])
    return notice_text(t, payload, outcome=outcome), notice_keyboard(
        t, pid, expanded=False, open_=False
    )


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


async def _notice_payload(turn: Turn, proposal_id: int) -> dict[str, Any]:
    """The caller's own notice as the outbox built it (its content), else rebuilt now."""
    async with turn.context.uow() as uow:
        proposal = await uow.proposals.get(proposal_id)
        if proposal is None or proposal.nip != turn.me.nip:
            raise NotFound()
        for message in await uow.outbox.list_by_dedupe_prefix(f"notice:{proposal_id}:"):
            if message.kind == "notice" and message.payload.get("content"):
                return dict(message.payload)
        content = await content_of(uow, proposal, turn.context.rules.approval, turn.context.now())
    return {
        "proposal_id": proposal_id,
        "content": content.to_payload(),
        "objection_days": turn.context.rules.approval.objection_days,
    }


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """✅ Terima, 📝 Ajukan keberatan or ℹ️ Rincian on a notice (each edits the notice)."""
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
        payload = await _notice_payload(turn, target)
        text, markup = render_notice_outcome(turn.t, {**payload, "outcome": "accepted"})
        await turn.replace(text, markup)
        await turn.notify(turn.t("notice.accepted"))
    elif press.action == "object":
        payload = await _notice_payload(turn, target)
        message = turn.update.effective_message
        await turn.start_dialogue(
            OBJECTION_FLOW,
            "reason",
            proposal_id=target,
            notice_message=message.message_id if message is not None else None,
        )
        await turn.say_key("notice.ask_reason")
    elif press.action in ("info", "less"):
        payload = await _notice_payload(turn, target)
        async with turn.context.uow() as uow:
            proposal = await uow.proposals.get(target)
        state = proposal.state if proposal is not None else None
        open_ = state == ProposalState.APPROVED
        outcome = None
        if state in (ProposalState.ACCEPTED, ProposalState.OBJECTED):
            outcome = turn.t(f"notice.outcome.{state.value}")
        elif state is not None and not open_:
            outcome = turn.t("card.state", state=turn.t(f"proposal.state.{state.value}"))
        expanded = press.action == "info"
        await turn.replace(
            notice_text(turn.t, payload, expanded=expanded, outcome=outcome),
            notice_keyboard(turn.t, target, expanded=expanded, open_=open_),
        )


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
    await turn.run_use_case(
        object_transfer,
        proposal_id=int(state.data["proposal_id"]),
        nip=turn.me.nip,
        reason=reason,
        window_days=turn.context.rules.approval.objection_days,
    )
    notice_message = state.data.get("notice_message")
    if notice_message is not None:
        payload = await _notice_payload(turn, int(state.data["proposal_id"]))
        text, markup = render_notice_outcome(turn.t, {**payload, "outcome": "objected"})
        await edit_best_effort(turn, int(notice_message), text, markup)
    await turn.say(
        turn.t("notice.objected")
        + "\n"
        + turn.t(
            "notice.objected_deadline",
            count=turn.context.rules.approval.objection_decision_working_days,
        )
    )
