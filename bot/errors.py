"""Errors of the composition root, importable without loading pydantic or Telegram."""

from __future__ import annotations


class SettingsError(Exception):
    """A missing or invalid setting; the message is one line naming the variable."""
