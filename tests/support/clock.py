"""The one fake clock of the tests (core.ports.Clock), and a clock read from a file for a bot
running in another process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


class FakeClock:
    """A clock the test sets (`current = ...`) or moves (`advance(delta)`); timezone-aware."""

    def __init__(self, now: dt.datetime) -> None:
        assert now.tzinfo is not None, "the clock is timezone-aware, like the bot's"
        self.current = now

    def now(self) -> dt.datetime:
        """The time the test set."""
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        """Move time forward by DELTA."""
        self.current += delta


class FileClock:
    """A clock read from a file on every call (the test process writes ISO timestamps)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        """The time in the file."""
        return dt.datetime.fromisoformat(self.path.read_text().strip())
