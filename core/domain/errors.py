"""Domain errors: each has a message key and values, so the bot can say it in any language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeAlias

from core.domain.values import Months

#: A formatting argument of a catalog message (the catalogs' `{unit}`, `{date}`, `{at}`, ...):
#: a name or number as it is (a bool is an int), a day or a moment, or a span of whole months
#: said as "2 tahun 5 bulan".
MessageValue: TypeAlias = str | int | float | dt.date | Months | None


class DomainError(Exception):
    """A rule of the domain refused an action; shown to the user as a friendly message."""

    key: str = "error.domain"

    def __init__(self, message: str = "", **values: MessageValue) -> None:
        super().__init__(message or self.key)
        self.values: Mapping[str, MessageValue] = values


class NotFound(DomainError):
    """The thing named does not exist (or is not visible to the caller)."""

    key = "error.not_found"


class NotAllowed(DomainError):
    """The caller's role or scope does not allow this."""

    key = "error.not_allowed"


class InvalidInput(DomainError):
    """The input is malformed; the message says what is wrong."""

    key = "error.invalid_input"


class StaleAction(DomainError):
    """The action refers to something already decided, expired or replaced."""

    key = "error.stale"


class Conflict(DomainError):
    """A uniqueness rule held by the database refused a second, concurrent write."""

    key = "error.conflict"
