"""Which renderer draws which outbox message kind (core.domain.messages): one exhaustive `match`
over
the payload types, so `mypy --strict` rejects a kind without a renderer (`assert_never`).

Three kinds are not text renderers: the plan summary goes out as a photo with a caption
(`handlers.plan.render_summary`), and the digests (`core.domain.messages.LiveDigest`) are rendered
from the database at sending time (`handlers.digest`); `render_text` takes every other kind
(`core.domain.messages.TextPayload`).
"""

from __future__ import annotations

from typing import assert_never

from telegram import InlineKeyboardMarkup

from core.domain import messages as m
from core.domain.messages import TextPayload
from handlers import (
    approval,
    arrival,
    committee,
    delegation,
    evaluation,
    notice,
    plan,
    privacy,
    reminders,
)
from handlers.i18n import Translator

Rendered = tuple[str, InlineKeyboardMarkup | None]


def render_text(t: Translator, payload: TextPayload) -> Rendered:
    """The HTML text and inline keyboard of one outbox message in T's language."""
    match payload:
        case m.ApprovalCard():
            return approval.render_card(t, payload)
        case m.CardOutcome():
            return approval.render_card_outcome(t, payload)
        case m.CommitteeTally():
            return committee.render_committee_tally(t, payload)
        case m.Reminder():
            return approval.render_reminder(t, payload)
        case m.ReminderDigest():
            return approval.render_reminder_digest(t, payload)
        case m.EscalationDigest():
            return approval.render_escalation_digest(t, payload)
        case m.ObjectionCard():
            return approval.render_objection(t, payload)
        case m.ObjectionCardOutcome():
            return approval.render_objection_outcome_card(t, payload)
        case m.ObjectionReminder():
            return approval.render_objection_reminder(t, payload)
        case m.Notice():
            return notice.render_notice(t, payload)
        case m.NoticeOutcome():
            return notice.render_notice_outcome(t, payload)
        case m.SupervisorInfo():
            return notice.render_supervisor_info(t, payload)
        case m.SupervisorCancelled():
            return notice.render_supervisor_cancelled(t, payload)
        case m.ObjectionRuling():
            return notice.render_objection_outcome(t, payload)
        case m.TransferEffective():
            return notice.render_effective(t, payload)
        case m.ArrivalRequest():
            return arrival.render_arrival_request(t, payload)
        case m.TransferAlert():
            return arrival.render_transfer_alert(t, payload)
        case m.EvaluationRequest():
            return evaluation.render_evaluation_request(t, payload)
        case m.PlanReport():
            return plan.render_plan_report(t, payload)
        case m.AdminAlert():
            return plan.render_admin_alert(t, payload)
        case m.DelegationNotice():
            return delegation.render_delegation_notice(t, payload)
        case m.AspirationRenew():
            return reminders.render_aspiration_renew(t, payload)
        case m.WorkloadReminder():
            return reminders.render_workload_reminder(t, payload)
        case m.CorrectionRequest():
            return privacy.render_correction_request(t, payload)
        case _:
            assert_never(payload)
