"""How the reminders of flows 2 and 3 read (outbox kinds `aspiration_renew`, `workload_reminder`).

The outbox sender calls `render_*(t, message)`; each returns (HTML text, inline keyboard).
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from core.domain.messages import AspirationRenew, WorkloadReminder
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard


def render_aspiration_renew(
    t: Translator, renew: AspirationRenew
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A month before expiry: renew the aspiration (opens /aspirasi)."""
    return (
        t("reminder.aspiration_renew", date=renew.expires_at),
        keyboard([button(t("aspiration.change"), "asp", "new")]),
    )


def render_workload_reminder(
    t: Translator, reminder: WorkloadReminder
) -> tuple[str, InlineKeyboardMarkup | None]:
    """By the 5th: last month's workload is still missing for these units."""
    units = "\n".join(f"• {escape(name)}" for name in reminder.units)
    return (
        t("reminder.workload", month=t.month(reminder.month), units=units),
        keyboard([button(t("reminder.workload_button"), "wl", "start")]),
    )
