"""Flow 5 in the chat: approval cards (✅ Setujui · ❌ Tolak · ℹ️ Rincian), "Setujui semua",
the rejection reason, and the approvers' ruling on an objection.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from core.domain import ApprovalDecision, ProposalState, Role, TransferProposal
from core.domain.errors import MessageValue, NotFound
from core.domain.messages import (
    ApprovalCard,
    CardOutcome,
    EscalationDigest,
    ObjectionCard,
    ObjectionCardOutcome,
    ObjectionReminder,
    Reminder,
    ReminderDigest,
)
from core.domain.text import MAX_REASON
from core.usecases.approval.decisions import AlreadyDecided, check_may_decide, decide
from core.usecases.approval.groups import approve_all
from core.usecases.dialogue import DialogueState, DissentAnswers, RejectAnswers
from core.usecases.objections import TransferNotOpen, decide_objection
from core.views.proposals import decided_by, proposal_details, require_approver
from handlers.access import PressRouter, Turn, handler
from handlers.i18n import Translator
from handlers.keyboards import CallbackId, button, keyboard
from handlers.transfer_text import detail_lines, headline_lines

log = logging.getLogger(__name__)

FEATURE = "apv"
REJECT_FLOW = RejectAnswers.FLOW
#: Proposal numbers a reminder or escalation list names before "…".
IDS_LISTED = 20


# --- rendering (used by the outbox sender and by /usulan) -------------------------------------


def card_keyboard(
    t: Translator, proposal_id: int, stage: int, *, expanded: bool = False
) -> InlineKeyboardMarkup:
    """✅ Setujui · ❌ Tolak, then ℹ️ Rincian (or 🔼 Ringkas when the details are shown)."""
    toggle = (
        button(t("transfer.less"), FEATURE, "less", proposal_id, stage)
        if expanded
        else button(t("card.details"), FEATURE, "info", proposal_id, stage)
    )
    return keyboard(
        [
            button(t("card.approve"), FEATURE, "ok", proposal_id, stage),
            button(t("card.reject"), FEATURE, "no", proposal_id, stage),
        ],
        [toggle],
    )


def card_first_screen(t: Translator, card: ApprovalCard) -> str:
    """First layer of an approval card (≤ 600 characters, docs/messages.md): stage, who, from,
    to, TMT, the main reason, whether the employee asked for it, a freeze warning."""
    content = card.content
    title = t(
        "card.title",
        id=content.proposal_id,
        stage=card.stage + 1,
        stages=card.stage_count,
    )
    lines = [title]
    if card.escalated:
        lines.append(t("card.escalated", days=card.waited_limit))
    lines += headline_lines(t, content)
    if content.aspiration_rank is not None:
        lines.append(t("card.asked", rank=content.aspiration_rank))
    else:
        lines.append(t("card.not_asked"))
    if content.butuh_sip:
        lines.append(t("transfer.sip"))
    if content.freeze_note:
        lines.append(t("transfer.freeze_short"))
    return "\n".join(lines)


def card_text(t: Translator, card: ApprovalCard, *, expanded: bool = False) -> str:
    """The body of an approval card; with EXPANDED, the second layer (ℹ️ Rincian) below."""
    first = card_first_screen(t, card)
    if not expanded:
        return first
    content = card.content
    freeze = [t("transfer.freeze")] if content.freeze_note else []
    return "\n".join([first, "", t("transfer.details_title"), *freeze, *detail_lines(t, content)])


def render_card(t: Translator, card: ApprovalCard) -> tuple[str, InlineKeyboardMarkup]:
    """An approval card with its buttons."""
    if card.committee is not None:
        from handlers.committee import render_committee_card  # builds on this module

        return render_committee_card(t, card)
    return card_text(t, card), card_keyboard(t, card.proposal_id, card.stage)


def outcome_line(t: Translator, outcome: CardOutcome) -> str:
    """What a stage decided, in words: with several stages it names the stage and what follows
    ("tahap 1/2 disetujui oleh …, diteruskan ke tahap 2")."""
    stages = outcome.stage_count
    decided = outcome.decided_stage if outcome.decided_stage is not None else outcome.stage
    values: dict[str, MessageValue] = {
        "by": escape(outcome.by_name or ""),
        "reason": escape(outcome.reason or ""),
        "stage": decided + 1,
        "stages": stages,
        "next": outcome.next_stage + 1,
        "next_name": escape(outcome.next_stage_name or ""),
    }
    if stages > 1 and outcome.outcome in ("approved", "rejected", "forwarded"):
        return t(f"card.outcome_stage.{outcome.outcome}", **values)
    return t(f"card.outcome.{outcome.outcome}", **values)


def render_card_outcome(t: Translator, outcome: CardOutcome) -> tuple[str, None]:
    """The card as edited once decided: the same first screen and the outcome, no buttons."""
    body = ""
    if outcome.content is not None:
        card = ApprovalCard(
            proposal_id=outcome.proposal_id,
            content=outcome.content,
            stage=outcome.stage,
            stage_count=outcome.stage_count,
        )
        body = card_text(t, card)
    return (body + "\n\n" + outcome_line(t, outcome)).strip(), None


def render_reminder(t: Translator, reminder: Reminder) -> tuple[str, None]:
    """A reminder of an undecided card."""
    waited = t("approval.reminder", id=reminder.proposal_id, count=reminder.waited_days)
    return waited + " " + t("approval.reminder_left", count=reminder.expires_in), None


def _id_list(ids: Sequence[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:IDS_LISTED])
    return shown + (" …" if len(ids) > IDS_LISTED else "")


def render_reminder_digest(t: Translator, digest: ReminderDigest) -> tuple[str, None]:
    """One reminder for many undecided moves (instead of one message each)."""
    return t(
        "approval.reminder_many",
        count=digest.count,
        ids=_id_list(digest.ids),
        left=digest.expires_in,
    ), None


def render_escalation_digest(t: Translator, digest: EscalationDigest) -> tuple[str, None]:
    """Many undecided moves raised to this chat at once (instead of a card each)."""
    return t(
        "approval.escalated_many",
        count=digest.count,
        days=digest.days,
        ids=_id_list(digest.ids),
    ), None


def render_objection(t: Translator, card: ObjectionCard) -> tuple[str, InlineKeyboardMarkup]:
    """An objection put to the approvers, with uphold / cancel buttons."""
    pid = card.proposal_id
    text = t(
        "objection.card",
        id=pid,
        name=escape(card.name),
        nip=card.nip,
        origin=escape(card.from_name or card.from_unit),
        destination=escape(card.to_name or card.to_unit),
        reason=escape(card.reason),
    )
    if card.deadline:
        text += "\n" + t("objection.deadline", date=card.deadline)
    # An objection raised to the admins is pressed through their own handler.
    feature = "esc" if card.escalated else FEATURE
    if card.escalated:
        text = t("objection.escalated") + "\n" + text
    return text, keyboard(
        [
            button(t("objection.uphold"), feature, "keep", pid),
            button(t("objection.cancel"), feature, "drop", pid),
        ]
    )


def render_objection_reminder(t: Translator, reminder: ObjectionReminder) -> tuple[str, None]:
    """A reminder of an objection waiting for a ruling."""
    return t(
        "objection.reminder",
        id=reminder.proposal_id,
        count=reminder.waited_days,
        date=reminder.deadline or "",
    ), None


def render_objection_outcome_card(
    t: Translator, outcome: ObjectionCardOutcome
) -> tuple[str, None]:
    """The objection card as edited once ruled on."""
    text, _ = render_objection(t, outcome.objection)
    line = t(
        f"objection.card_outcome.{outcome.outcome}",
        by=escape(outcome.by_name or ""),
    )
    return text + "\n\n" + line, None


# --- presses -----------------------------------------------------------------------------------


def state_word(t: Translator, state: str) -> str:
    """A proposal state in words."""
    return t(f"proposal.state.{state}")


async def _card_payload(
    turn: Turn, proposal_id: int
) -> tuple[TransferProposal, ApprovalCard, list[ApprovalDecision]]:
    """The proposal, the card as the outbox would build it now, and its decisions;
    refuses approvers whose scope covers neither unit of the move."""
    rules = turn.context.rules.approval
    async with turn.context.uow() as uow:
        # core.views.proposals refuses approvers whose scope covers neither unit (NotFound,
        # OutOfScope); the handler only renders what it returns.
        details = await proposal_details(
            uow, rules, proposal_id=proposal_id, viewer_nip=turn.me.nip, now=turn.context.now()
        )
    proposal, content, decisions = details.proposal, details.content, list(details.decisions)
    card = ApprovalCard(
        proposal_id=proposal_id,
        content=content,
        stage=proposal.stage,
        stage_count=len(rules.stages),
    )
    return proposal, card, decisions


async def _show_state(turn: Turn, proposal_id: int) -> None:
    """Edit the pressed card to its current state, without buttons (a stale or decided card)."""
    proposal, card, _decisions = await _card_payload(turn, proposal_id)
    await turn.replace(
        card_text(turn.t, card)
        + "\n\n"
        + turn.t("card.state", state=state_word(turn.t, proposal.state.value))
    )


def stale_text(t: Translator, error: AlreadyDecided, proposal_id: int) -> str:
    """The answer to a stale tap: what was decided (which stage, by whom) and who decides now."""
    card = error.card
    state = card.state
    stages = card.stage_count or 1
    if stages > 1 and card.decided_stage is not None and card.decided_by:
        head = t(
            "approval.already_stage",
            id=proposal_id,
            stage=card.decided_stage + 1,
            stages=stages,
            verdict=t("approval.verdict_ok" if card.decided_approved else "approval.verdict_no"),
            by=escape(card.decided_by),
        )
        if state == "pending":
            return (
                head
                + " "
                + t(
                    "approval.now_deciding",
                    stage=card.stage + 1,
                    stages=stages,
                    name=escape(card.now_stage_name),
                    who=escape(card.now_deciders or "-"),
                )
            )
        return head + " " + t("approval.now_state", state=state_word(t, state))
    return t("approval.already", id=proposal_id, state=state_word(t, state))


async def _stale(turn: Turn, error: AlreadyDecided, proposal_id: int) -> None:
    """A stale tap: a toast saying what was decided, and the pressed card shows its state."""
    await turn.notify(stale_text(turn.t, error, proposal_id))
    if turn.update.callback_query is not None:
        await _show_state(turn, proposal_id)


#: Card presses an admin may make too: a card raised to the admins at the last stage
#: (escalation); `decide` checks who may decide every single press, and
#: `core.views.proposals` who may open its details (the same `raised_to` rule).
RAISED_ACTIONS = frozenset({"ok", "no", "info", "less"})


async def approver_press(
    turn: Turn, *, admin_actions: frozenset[str] = frozenset()
) -> tuple[CallbackId, int] | None:
    """An approver's (or their deputy's) press and the number it carries first; an admin may
    make ADMIN_ACTIONS too; None when there is no press. Raises RoleRequired for someone who
    neither approves nor stands in for an approver today (`core.views.proposals`), NotFound
    when the press carries no number."""
    press = turn.press
    if press is None:
        return None
    if not (press.action in admin_actions and turn.me.has_role(Role.ADMIN)):
        async with turn.context.uow() as uow:
            # core.views.proposals refuses anyone who neither approves nor stands in for an
            # approver today (RoleRequired).
            await require_approver(uow, turn.me, turn.context.today())
    target = press.int_arg(0)
    if target is None:
        raise NotFound()
    return press, target


#: The buttons of a card (`ok`, `no`, `info`/`less`), of a plan summary (`all`, then `allyes`
#: or `allno`) and of an objection card (`keep`, `drop`).
PRESSES = PressRouter()


@PRESSES.on("ok")
async def _press_approve(turn: Turn, press: CallbackId, proposal_id: int) -> None:
    await _approve(turn, proposal_id, press.int_arg(1) or 0)


@PRESSES.on("no")
async def _ask_reject_reason(turn: Turn, press: CallbackId, proposal_id: int) -> None:
    """❌ Tolak: refuse an outsider or a stale card first, then ask for the reason."""
    stage = press.int_arg(1) or 0
    try:
        await turn.run_check(
            check_may_decide,
            proposal_id=proposal_id,
            stage=stage,
            approver_nip=turn.me.nip,
            now=turn.context.now(),
        )
    except AlreadyDecided as error:
        await _stale(turn, error, proposal_id)
        return
    await ask_reason(turn, RejectAnswers, "approval.ask_reason", proposal_id, stage)


@PRESSES.on("info", "less")
async def _press_details(turn: Turn, press: CallbackId, proposal_id: int) -> None:
    await _details(turn, proposal_id, expanded=press.action == "info")


@PRESSES.on("all")
async def _ask_approve_all(turn: Turn, press: CallbackId, plan_id: int) -> None:
    """Ask before approving every card of a plan summary ("Setujui semua")."""
    await turn.say(
        turn.t("summary.confirm_all"),
        keyboard(
            [
                button(turn.t("summary.confirm_yes"), FEATURE, "allyes", plan_id),
                button(turn.t("summary.confirm_no"), FEATURE, "allno", plan_id),
            ]
        ),
    )


@PRESSES.on("allyes")
async def _approve_all(turn: Turn, press: CallbackId, plan_id: int) -> None:
    result = await turn.run_use_case(approve_all, plan_id=plan_id, approver_nip=turn.me.nip)
    if result.approved == result.skipped == 0:
        await turn.replace(turn.t("usulan.none"))
        return
    text = turn.t("summary.all_done", count=result.approved)
    if result.skipped:
        text += " " + turn.t("summary.all_skipped", count=result.skipped)
    await turn.replace(text)


@PRESSES.on("allno")
async def _cancel_all(turn: Turn, press: CallbackId, plan_id: int) -> None:
    await turn.replace(turn.t("summary.all_cancelled"))


@PRESSES.on("keep", "drop")
async def _press_ruling(turn: Turn, press: CallbackId, proposal_id: int) -> None:
    await rule_objection(turn, proposal_id, cancel=press.action == "drop")


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """Every press on a card, summary or objection card; each edits the message it came from."""
    await PRESSES.route(turn, await approver_press(turn, admin_actions=RAISED_ACTIONS))


async def _outcome_edit(
    turn: Turn,
    proposal_id: int,
    outcome: str,
    reason: str | None = None,
    *,
    stage: int,
    next_stage: int = 0,
    next_stage_name: str | None = None,
) -> CardOutcome:
    """The card of STAGE with OUTCOME's line, as the outbox edits the other copies."""
    _proposal, card, _decisions = await _card_payload(turn, proposal_id)
    return CardOutcome(
        edit_of=None,
        proposal_id=proposal_id,
        outcome=outcome,
        by_name=await _decider_name(turn, proposal_id),
        reason=reason,
        content=card.content,
        stage=stage,
        decided_stage=stage,
        stage_count=card.stage_count,
        next_stage=next_stage,
        next_stage_name=next_stage_name,
    )


async def _decider_name(turn: Turn, proposal_id: int) -> str:
    """Who decided, as the other copies of the card say it: a deputy "X a.n. Y" (/wakil)."""
    async with turn.context.uow() as uow:
        signed = await decided_by(
            uow,
            turn.context.rules.approval,
            proposal_id=proposal_id,
            viewer=turn.me.employee,
            now=turn.context.now(),
        )
    if signed.on_behalf_of is None:
        return signed.name
    return f"{signed.name} a.n. {signed.on_behalf_of}"


async def _approve(turn: Turn, proposal_id: int, stage: int) -> None:
    try:
        outcome = await turn.run_use_case(
            decide,
            proposal_id=proposal_id,
            stage=stage,
            approver_nip=turn.me.nip,
            approve=True,
        )
    except AlreadyDecided as error:
        await _stale(turn, error, proposal_id)
        return
    rules = turn.context.rules.approval
    edit = await _outcome_edit(
        turn,
        proposal_id,
        "approved" if outcome.final else "forwarded",
        stage=stage,
        next_stage=outcome.proposal.stage,
        next_stage_name=rules.stage_at(outcome.proposal.stage).name,
    )
    text, _ = render_card_outcome(turn.t, edit)
    await turn.replace(text)
    if outcome.final:
        await turn.notify(turn.t("approval.approved", id=proposal_id))
    else:
        await turn.notify(
            turn.t(
                "approval.approved_next_stage", id=proposal_id, stage=outcome.proposal.stage + 1
            )
        )


async def ask_reason(
    turn: Turn,
    flow: type[RejectAnswers] | type[DissentAnswers],
    ask_key: str,
    proposal_id: int,
    stage: int,
) -> None:
    """Open FLOW's reason dialogue for the pressed card (remembered, to edit it afterwards)
    and ask for the reason with ASK_KEY."""
    message = turn.update.effective_message
    await turn.start_dialogue(
        flow(
            proposal_id=proposal_id,
            stage=stage,
            card_message=message.message_id if message is not None else None,
        ),
        "reason",
    )
    await turn.say_key(ask_key, id=proposal_id)


async def typed_reason(turn: Turn, text: str, ask_key: str, proposal_id: int) -> str | None:
    """The reason typed in a reason dialogue, which it then closes; None (the dialogue stays
    open, the person is asked again or told the limit) when it is empty or too long."""
    reason = text.strip()
    if not reason:
        await turn.say_key(ask_key, id=proposal_id)
        return None
    if len(reason) > MAX_REASON:  # said, not cut: the dialogue stays open for a shorter one
        await turn.say_key("error.reason_too_long", length=len(reason), limit=MAX_REASON)
        return None
    await turn.end_dialogue()
    return reason


async def on_reject_reason(turn: Turn, state: DialogueState, text: str) -> None:
    """The reason typed after ❌ Tolak: record the rejection and edit the card it came from."""
    answers = state.answers_as(RejectAnswers)
    proposal_id = answers.proposal_id
    reason = await typed_reason(turn, text, "approval.ask_reason", proposal_id)
    if reason is None:
        return
    card_message = answers.card_message
    try:
        await turn.run_use_case(
            decide,
            proposal_id=proposal_id,
            stage=answers.stage,
            approver_nip=turn.me.nip,
            approve=False,
            reason=reason,
        )
    except AlreadyDecided as error:
        await _stale(turn, error, proposal_id)
        return
    if card_message is not None:
        edit = await _outcome_edit(
            turn, proposal_id, "rejected", reason[:1000], stage=answers.stage
        )
        body, _ = render_card_outcome(turn.t, edit)
        await edit_best_effort(turn, card_message, body)
    await turn.say_key("approval.rejected", id=proposal_id)


async def edit_best_effort(
    turn: Turn, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit one earlier message of the caller's chat (its buttons replaced by MARKUP, none by
    default); a message that can no longer be edited (too old, deleted) is left as it is."""
    try:
        await turn.context.bot.edit_message_text(
            text,
            chat_id=turn.chat_id,
            message_id=message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    except TelegramError as error:
        log.info("could not edit message %s: %s", message_id, error)


async def _details(turn: Turn, proposal_id: int, *, expanded: bool) -> None:
    """ℹ️ Rincian / 🔼 Ringkas: the same card, edited to show or hide the second layer."""
    proposal, card, decisions = await _card_payload(turn, proposal_id)
    text = card_text(turn.t, card, expanded=expanded)
    if expanded:
        lines = [text, turn.t("card.state", state=state_word(turn.t, proposal.state.value))]
        for decision in sorted(decisions, key=lambda d: d.stage):
            lines.append(
                turn.t(
                    "card.decision_approved" if decision.approved else "card.decision_rejected",
                    stage=decision.stage + 1,
                    nip=decision.approver_nip,
                    at=decision.decided_at,
                )
            )
        text = "\n".join(lines)
    markup = None
    if proposal.state == ProposalState.PENDING:
        markup = card_keyboard(turn.t, proposal_id, proposal.stage, expanded=expanded)
    else:
        toggle = "less" if expanded else "info"
        label = turn.t("transfer.less") if expanded else turn.t("card.details")
        markup = keyboard([button(label, FEATURE, toggle, proposal_id, proposal.stage)])
    await turn.replace(text, markup)


async def rule_objection(turn: Turn, proposal_id: int, *, cancel: bool) -> None:
    """Uphold or cancel on an objection card (approvers; admins once it is escalated)."""
    try:
        outcome = await turn.run_use_case(
            decide_objection,
            proposal_id=proposal_id,
            approver_nip=turn.me.nip,
            cancel=cancel,
        )
    except TransferNotOpen as error:
        await turn.notify(
            turn.t(
                "objection.already",
                id=proposal_id,
                state=state_word(turn.t, str(error.values.get("state")))
                if error.values.get("state") in set(ProposalState)
                else turn.t("objection.already_ruled"),
            )
        )
        await _drop_buttons(turn)
        return
    message = turn.update.effective_message
    if message is not None and message.text_html is not None:
        line = turn.t(
            "objection.card_outcome.cancelled" if cancel else "objection.card_outcome.upheld",
            by=escape(turn.me.employee.name),
        )
        await turn.replace(message.text_html + "\n\n" + line)
    key = "objection.ruled_cancelled" if cancel else "objection.ruled_upheld"
    await turn.notify(turn.t(key, id=outcome.id))


async def _drop_buttons(turn: Turn) -> None:
    """Remove the buttons of the pressed message (they can do nothing any more)."""
    query = turn.update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        log.info("could not drop the buttons of a pressed message: %s", error)
