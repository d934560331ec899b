"""Errors of the composition root, importable without loading pydantic or Telegram."""

from __future__ import annotations

from typing import Any


class SettingsError(Exception):
    """A missing or invalid setting; the message is one line naming the variable.

    KEY and VALUES, when given, say the same in the catalogs' words (`settings.invalid` with
    `name` and `detail`), so the command line can say it in its language.
    """

    def __init__(
        self, message: str, key: str | None = None, values: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.values = dict(values or {})
