"""How the reminders of flows 2 and 3 read (outbox kinds `aspiration_renew`, `workload_reminder`).

The outbox sender calls `render_*(t, payload)`; each returns (HTML text, inline keyboard).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.i18n import Translator
from handlers.keyboards import button, keyboard


def render_aspiration_renew(
    t: Translator, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A month before expiry: renew the aspiration (opens /aspirasi)."""
    expires = dt.datetime.fromisoformat(str(payload["expires_at"]))
    return (
        t("reminder.aspiration_renew", date=expires),
        keyboard([button(t("aspiration.change"), "asp", "new")]),
    )


def render_workload_reminder(
    t: Translator, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """By the 5th: last month's workload is still missing for these units."""
    units = "\n".join(f"• {escape(str(name))}" for name in payload.get("units", []))
    return (
        t("reminder.workload", month=t.month(str(payload["month"])), units=units),
        keyboard([button(t("reminder.workload_button"), "wl", "start")]),
    )
