"""Flow 6 in the chat: the transfer notice (✅ Terima · 📝 Ajukan keberatan), the words to both
supervisors, the objection's reason, its outcome, and the word on the TMT.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import ProposalState, Role
from core.domain.errors import NotFound
from core.domain.messages import (
    Notice,
    NoticeOutcome,
    ObjectionRuling,
    SupervisorCancelled,
    SupervisorInfo,
    TransferEffective,
)
from core.domain.text import MAX_REASON
from core.usecases.dialogue import DialogueState, ObjectionAnswers
from core.usecases.objections import accept_transfer, object_transfer
from core.views.own_notice import OwnNotice, own_notice
from handlers.access import Turn, handler
from handlers.approval import edit_best_effort
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard
from handlers.transfer_text import detail_lines, headline_lines

FEATURE = "ntc"
OBJECTION_FLOW = ObjectionAnswers.FLOW


def notice_first_screen(t: Translator, notice: Notice) -> str:
    """First layer (one phone screen, ≤ 600 characters; docs/messages.md): what, from, to, TMT,
    the main reason and what to do. The opening says whether the person asked for it."""
    content = notice.content
    days = notice.objection_days
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
    t: Translator, notice: Notice, *, expanded: bool = False, outcome: str | None = None
) -> str:
    """The notice; OUTCOME (the person's answer, once given) follows the first screen; with
    EXPANDED the second layer (ℹ️ Rincian) comes last."""
    parts = [notice_first_screen(t, notice)]
    if outcome:
        parts.append(outcome)
    if expanded:
        content = notice.content
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


def render_notice(t: Translator, notice: Notice) -> tuple[str, InlineKeyboardMarkup]:
    """The notice with ✅ Terima · 📝 Ajukan keberatan · ℹ️ Rincian."""
    return notice_text(t, notice), notice_keyboard(t, notice.proposal_id, expanded=False)


def render_notice_outcome(
    t: Translator, answered: NoticeOutcome
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The notice as edited after the ASN's answer: the answer buttons go, ℹ️ Rincian stays."""
    outcome = t(f"notice.outcome.{answered.outcome}")
    if answered.content is None:
        return outcome, None
    notice = Notice(
        proposal_id=answered.proposal_id,
        content=answered.content,
        objection_days=answered.objection_days,
    )
    return notice_text(t, notice, outcome=outcome), notice_keyboard(
        t, answered.proposal_id, expanded=False, open_=False
    )


def render_supervisor_info(t: Translator, info: SupervisorInfo) -> tuple[str, None]:
    """To a supervisor: someone leaves or joins the unit."""
    content = info.content
    tmt = dt.date.fromisoformat(content.tmt) if content.tmt else ""
    key = "supervisor.out" if info.direction == "out" else "supervisor.in"
    text = t(
        key,
        name=escape(content.name),
        nip=content.nip,
        origin=escape(content.origin.unit_name),
        destination=escape(content.destination.unit_name),
        tmt=tmt,
    )
    if info.direction == "in":
        text += "\n" + t("supervisor.in_spmt")
    return text, None


def render_supervisor_cancelled(t: Translator, cancelled: SupervisorCancelled) -> tuple[str, None]:
    """To a supervisor: the transfer was cancelled after an objection."""
    return t(
        "supervisor.cancelled",
        nip=cancelled.nip,
        origin=escape(cancelled.from_name or cancelled.from_unit),
        destination=escape(cancelled.to_name or cancelled.to_unit),
    ), None


def render_objection_outcome(t: Translator, ruling: ObjectionRuling) -> tuple[str, None]:
    """To the ASN: what the approvers ruled on the objection."""
    return t(f"objection.outcome.{ruling.outcome}", id=ruling.proposal_id), None


def render_effective(t: Translator, effective: TransferEffective) -> tuple[str, None]:
    """To the ASN on the TMT."""
    return t(
        "effective.notice",
        tmt=effective.tmt,
        destination=escape(effective.to_name or effective.to_unit),
    ), None


def answered(notice: Notice, outcome: str) -> NoticeOutcome:
    """NOTICE as edited after the ASN's answer OUTCOME (accepted, objected)."""
    return NoticeOutcome(
        edit_of=None,
        proposal_id=notice.proposal_id,
        outcome=outcome,
        content=notice.content,
        objection_days=notice.objection_days,
    )


async def _own_notice(turn: Turn, proposal_id: int) -> OwnNotice:
    """The caller's own notice and where it stands (core.views.own_notice refuses anyone
    else's with NotFound)."""
    async with turn.context.uow() as uow:
        return await own_notice(
            uow,
            turn.context.rules.approval,
            proposal_id=proposal_id,
            viewer_nip=turn.me.nip,
            now=turn.context.now(),
        )


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
        payload = (await _own_notice(turn, target)).notice
        text, markup = render_notice_outcome(turn.t, answered(payload, "accepted"))
        await turn.replace(text, markup)
        await turn.notify(turn.t("notice.accepted"))
    elif press.action == "object":
        payload = (await _own_notice(turn, target)).notice
        message = turn.update.effective_message
        await turn.start_dialogue(
            ObjectionAnswers(
                proposal_id=target,
                notice_message=message.message_id if message is not None else None,
            ),
            "reason",
        )
        await turn.say_key("notice.ask_reason")
    elif press.action in ("info", "less"):
        opened = await _own_notice(turn, target)
        payload, state = opened.notice, opened.state
        open_ = state == ProposalState.APPROVED
        outcome = None
        if state in (ProposalState.ACCEPTED, ProposalState.OBJECTED):
            outcome = turn.t(f"notice.outcome.{state.value}")
        elif not open_:
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
    answers = state.answers_as(ObjectionAnswers)
    await turn.end_dialogue()
    await turn.run_use_case(
        object_transfer,
        proposal_id=answers.proposal_id,
        nip=turn.me.nip,
        reason=reason,
        window_days=turn.context.rules.approval.objection_days,
    )
    if answers.notice_message is not None:
        payload = (await _own_notice(turn, answers.proposal_id)).notice
        text, markup = render_notice_outcome(turn.t, answered(payload, "objected"))
        await edit_best_effort(turn, answers.notice_message, text, markup)
    await turn.say(
        turn.t("notice.objected")
        + "\n"
        + turn.t(
            "notice.objected_deadline",
            count=turn.context.rules.approval.objection_decision_working_days,
        )
    )
