"""Dialogue state: where a person is in a multi-step conversation, kept in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class DialogueState:
    """One user's open dialogue: which flow, which step, and the JSON-safe answers so far."""

    telegram_user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: dt.datetime | None = None

    def at(self, step: str, now: dt.datetime, **changes: Any) -> DialogueState:
        """The same dialogue moved to STEP with DATA updated by CHANGES."""
        return replace(self, step=step, data={**self.data, **changes}, updated_at=now)
