"""Which renderer draws which outbox message kind (core.messages): one exhaustive `match` over
the payload types, so `mypy --strict` rejects a kind without a renderer (`assert_never`).

Three kinds are not text renderers: the plan summary goes out as a photo with a caption
(`handlers.plan.render_summary`), and the digests (`LiveDigest`) are rendered from the
database at sending time (`handlers.digest`); `render_text` takes every other kind. The sender
(bot/outbox_sender.py) picks the way by type, so `TextPayload` must be exactly the rest of
`core.messages.OutboxPayload`, which mypy checks where it calls `render_text`.
"""

from __future__ import annotations

from typing import assert_never

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from core.messages import (
    AdminAlert,
    ApprovalCard,
    ApprovalDigest,
    ArrivalRequest,
    AspirationRenew,
    CardOutcome,
    CorrectionRequest,
    DelegationNotice,
    DigestRefresh,
    EscalationDigest,
    EvaluationRequest,
    Notice,
    NoticeOutcome,
    ObjectionCard,
    ObjectionCardOutcome,
    ObjectionReminder,
    ObjectionRuling,
    PlanReport,
    Reminder,
    ReminderDigest,
    SupervisorCancelled,
    SupervisorInfo,
    TransferAlert,
    TransferEffective,
    WorkloadReminder,
)
from handlers import (
    approval,
    arrival,
    delegation,
    evaluation,
    notice,
    plan,
    privacy,
    reminders,
)

Rendered = tuple[str, InlineKeyboardMarkup | None]

#: Kinds drawn from the database when sent (a digest shows the numbers of that moment).
LiveDigest = ApprovalDigest | DigestRefresh

#: Every kind `render_text` draws.
TextPayload = (
    ApprovalCard
    | CardOutcome
    | Reminder
    | ReminderDigest
    | EscalationDigest
    | ObjectionCard
    | ObjectionCardOutcome
    | ObjectionReminder
    | Notice
    | NoticeOutcome
    | SupervisorInfo
    | SupervisorCancelled
    | ObjectionRuling
    | ArrivalRequest
    | TransferAlert
    | TransferEffective
    | EvaluationRequest
    | PlanReport
    | AdminAlert
    | DelegationNotice
    | AspirationRenew
    | WorkloadReminder
    | CorrectionRequest
)


def render_text(t: Translator, payload: TextPayload) -> Rendered:
    """The HTML text and inline keyboard of one outbox message in T's language."""
    match payload:
        case ApprovalCard():
            return approval.render_card(t, payload)
        case CardOutcome():
            return approval.render_card_outcome(t, payload)
        case Reminder():
            return approval.render_reminder(t, payload)
        case ReminderDigest():
            return approval.render_reminder_digest(t, payload)
        case EscalationDigest():
            return approval.render_escalation_digest(t, payload)
        case ObjectionCard():
            return approval.render_objection(t, payload)
        case ObjectionCardOutcome():
            return approval.render_objection_outcome_card(t, payload)
        case ObjectionReminder():
            return approval.render_objection_reminder(t, payload)
        case Notice():
            return notice.render_notice(t, payload)
        case NoticeOutcome():
            return notice.render_notice_outcome(t, payload)
        case SupervisorInfo():
            return notice.render_supervisor_info(t, payload)
        case SupervisorCancelled():
            return notice.render_supervisor_cancelled(t, payload)
        case ObjectionRuling():
            return notice.render_objection_outcome(t, payload)
        case TransferEffective():
            return notice.render_effective(t, payload)
        case ArrivalRequest():
            return arrival.render_arrival_request(t, payload)
        case TransferAlert():
            return arrival.render_transfer_alert(t, payload)
        case EvaluationRequest():
            return evaluation.render_evaluation_request(t, payload)
        case PlanReport():
            return plan.render_plan_report(t, payload)
        case AdminAlert():
            return plan.render_admin_alert(t, payload)
        case DelegationNotice():
            return delegation.render_delegation_notice(t, payload)
        case AspirationRenew():
            return reminders.render_aspiration_renew(t, payload)
        case WorkloadReminder():
            return reminders.render_workload_reminder(t, payload)
        case CorrectionRequest():
            return privacy.render_correction_request(t, payload)
        case _:
            assert_never(payload)
