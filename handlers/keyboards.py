"""Inline keyboards with short opaque callback ids, and paged lists of buttons.

Callback data is `feature:action[:arg...]` (at most 64 bytes, Telegram's limit). The arguments
are small ids (an index into the list the server showed, a unit code, a record id); the server
re-checks the caller's authority and the dialogue's state on every press, so a forged id can at
most be refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.domain import Unit
from handlers.formatting import unit_label
from handlers.i18n import Translator

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class CallbackId:
    """A parsed press: which feature, which action, and its arguments."""

    feature: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        """The INDEXth argument, or None when the press carried fewer."""
        return self.args[index] if index < len(self.args) else None

    def int_arg(self, index: int) -> int | None:
        """The INDEXth argument as a non-negative int, or None when absent or not a number."""
        raw = self.arg(index)
        if raw is None or not raw.isdigit() or len(raw) > 9:
            return None
        return int(raw)


def callback_id(feature: str, action: str, *args: str | int) -> str:
    """Encode a press as `feature:action:args`; raises ValueError if too long or ambiguous."""
    parts = [feature, action, *(str(a) for a in args)]
    if any(not p or SEPARATOR in p for p in parts[:2]):
        raise ValueError(f"bad callback part in {parts!r}")
    data = SEPARATOR.join(parts)
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def parse_callback_id(data: str | None) -> CallbackId | None:
    """Decode callback data made by `callback_id`; None when it is not ours."""
    if not data:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    return CallbackId(parts[0], parts[1], tuple(parts[2:]))


def pattern_for(feature: str) -> str:
    """The CallbackQueryHandler pattern matching every press of FEATURE."""
    return rf"^{feature}{SEPARATOR}"


def button(label: str, feature: str, action: str, *args: str | int) -> InlineKeyboardButton:
    """One inline button carrying `callback_id(feature, action, *args)`."""
    return InlineKeyboardButton(label, callback_data=callback_id(feature, action, *args))


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons (empty rows dropped)."""
    return InlineKeyboardMarkup([list(r) for r in rows if r])


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a longer list: which slice, and whether there is more either side."""

    number: int
    count: int
    start: int
    stop: int

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number + 1 < self.count


def page_of(total: int, number: int, per_page: int) -> Page:
    """Page NUMBER (clamped to what exists) of TOTAL items, PER_PAGE each."""
    count = max(1, math.ceil(total / per_page))
    number = min(max(number, 0), count - 1)
    start = number * per_page
    return Page(number, count, start, min(start + per_page, total))


def paged_keyboard(
    labels: Sequence[str],
    *,
    feature: str,
    pick_action: str,
    page_action: str,
    page: int,
    previous_label: str,
    next_label: str,
    per_page: int = 8,
    extra_rows: Sequence[Sequence[InlineKeyboardButton]] = (),
) -> InlineKeyboardMarkup:
    """One button per label on the page (`feature:pick_action:<index>`), then ‹ › navigation."""
    shown = page_of(len(labels), page, per_page)
    rows: list[list[InlineKeyboardButton]] = [
        [button(labels[i], feature, pick_action, i)] for i in range(shown.start, shown.stop)
    ]
    nav: list[InlineKeyboardButton] = []
    if shown.has_previous:
        nav.append(button(previous_label, feature, page_action, shown.number - 1))
    if shown.has_next:
        nav.append(button(next_label, feature, page_action, shown.number + 1))
    rows.append(nav)
    rows.extend(list(r) for r in extra_rows)
    return keyboard(*rows)


def unit_keyboard(
    t: Translator,
    units: Sequence[Unit],
    *,
    feature: str,
    page: int,
    pick_action: str = "unit",
    per_page: int = 8,
    extra_rows: Sequence[Sequence[InlineKeyboardButton]] = (),
) -> InlineKeyboardMarkup:
    """A paged list of units by name and code (`feature:pick_action:<index>`; pages
    `feature:page:<n>`), then EXTRA_ROWS."""
    return paged_keyboard(
        [unit_label(u) for u in units],
        feature=feature,
        pick_action=pick_action,
        page_action="page",
        page=page,
        previous_label=t("paging.previous"),
        next_label=t("paging.next"),
        per_page=per_page,
        extra_rows=extra_rows,
    )
