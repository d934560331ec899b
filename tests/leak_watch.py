"""Session-wide watch for the bot token: no log line and no error of the whole suite may hold one.

Every bot token the tests use is a string literal shaped like Telegram's (`123456:ABC-def`),
found by scanning the test sources, so a new test's token is watched without registering it.
For the whole session:

- the root logger is set to INFO (what production runs at) and every record of every logger
  goes through the product's own log handler (`bot.logs.build_handler`, with its redacting
  filter, given no secrets to know about) into a buffer that is searched at the end;
- every test report's error text (`longrepr`) and captured stdout/stderr are searched;
- every in-process CLI run (`CliRunner.invoke`) and every subprocess output collected with
  `subprocess.run` or `Process.communicate` is searched.

A token found anywhere fails the session (exit status 1) and names where it was seen.
"""

from __future__ import annotations

import asyncio.subprocess
import io
import logging
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
#: A quoted Telegram-shaped token: bot id digits, a colon, letters/digits/-/_ with a letter.
TOKEN_LITERAL = re.compile(r"""["'](\d{3,}:(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{5,})["']""")


#: Where test code lives: the tests and the development tools they run (the Bot API emulator).
TEST_SOURCES = (TESTS, TESTS.parent / "devtools")


def watched_tokens(roots: Iterable[Path] = TEST_SOURCES) -> frozenset[str]:
    """Every bot token literal in the test sources."""
    found: set[str] = set()
    for root in roots:
        for path in root.rglob("*.py"):
            found.update(TOKEN_LITERAL.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


def leaks_in(text: str, tokens: Iterable[str]) -> list[str]:
    """The tokens (or their secret halves) that TEXT contains."""
    found = []
    for token in tokens:
        secret = token.split(":", 1)[1]
        token_like = len(secret) >= 8 and ("-" in secret or "_" in secret)
        if token in text or (token_like and secret in text):
            found.append(token)
    return found


@dataclass
class LeakWatch:
    """What was seen where; `check` returns one line per leak."""

    tokens: frozenset[str]
    buffer: io.StringIO = field(default_factory=io.StringIO)
    seen: list[tuple[str, str]] = field(default_factory=list)

    def record(self, where: str, text: str | bytes | None) -> None:
        """Remember TEXT, seen at WHERE, for the final search."""
        if text is None:
            return
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if leaks_in(text, self.tokens):
            self.seen.append((where, text))

    def check(self) -> list[str]:
        """One line per place a token was seen (logs searched now)."""
        self.record("log records (through the product's log handler)", self.buffer.getvalue())
        lines = []
        for where, text in self.seen:
            for token in leaks_in(text, self.tokens):
                at = max(text.find(token), text.find(token.split(":", 1)[1]))
                excerpt = " ".join(text[max(0, at - 80) : at + 40].split())
                lines.append(f"token {token!r} in {where}: …{excerpt}…")
        return lines


_watch: LeakWatch | None = None
_restore: list[tuple[Any, str, Any]] = []


def current() -> LeakWatch | None:
    """The session's watch (None outside a test session)."""
    return _watch


def _patch(owner: Any, name: str, wrapper: Any) -> None:
    _restore.append((owner, name, getattr(owner, name)))
    setattr(owner, name, wrapper)


def start(session: pytest.Session) -> None:
    """Install the log handler and the output taps."""
    from typer.testing import CliRunner

    from bot.logs import build_handler

    global _watch
    watch = LeakWatch(watched_tokens())
    _watch = watch
    handler = build_handler("text", (), watch.buffer)
    handler.setLevel(logging.NOTSET)
    root = logging.getLogger()
    root.addHandler(handler)
    _restore.append((root, "__level__", root.level))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _restore.append((root, "__handler__", handler))

    original_invoke = CliRunner.invoke

    def invoke(self: CliRunner, *args: Any, **kwargs: Any) -> Any:
        result = original_invoke(self, *args, **kwargs)
        watch.record("CLI output (CliRunner)", result.output)
        if result.exception is not None:
            watch.record("CLI exception", repr(result.exception))
        return result

    _patch(CliRunner, "invoke", invoke)

    original_run = subprocess.run

    def run(*args: Any, **kwargs: Any) -> Any:
        completed = original_run(*args, **kwargs)
        watch.record("subprocess stdout", completed.stdout)
        watch.record("subprocess stderr", completed.stderr)
        return completed

    _patch(subprocess, "run", run)

    original_communicate = asyncio.subprocess.Process.communicate

    async def communicate(self: Any, *args: Any, **kwargs: Any) -> Any:
        out, err = await original_communicate(self, *args, **kwargs)
        watch.record("subprocess stdout", out)
        watch.record("subprocess stderr", err)
        return out, err

    _patch(asyncio.subprocess.Process, "communicate", communicate)


def report(item_report: pytest.TestReport) -> None:
    """Search a test report's error text and captured output (raw log sections excepted:
    their records are searched as the product would write them)."""
    if _watch is None:
        return
    if item_report.longrepr is not None:  # the error lines, not the test's own source shown
        errors = [line for line in item_report.longreprtext.splitlines() if line.startswith("E ")]
        _watch.record(f"error of {item_report.nodeid}", "\n".join(errors))
    for title, content in item_report.sections:
        if "log" not in title.lower():
            _watch.record(f"{title} of {item_report.nodeid}", content)


def finish(session: pytest.Session) -> list[str]:
    """Remove the taps and return the leaks found."""
    global _watch
    root = logging.getLogger()
    for owner, name, value in reversed(_restore):
        if name == "__level__":
            root.setLevel(value)
        elif name == "__handler__":
            root.removeHandler(value)
        else:
            setattr(owner, name, value)
    _restore.clear()
    watch, _watch = _watch, None
    return watch.check() if watch is not None else []
