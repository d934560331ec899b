"""Logging an operator can live with: a level and a format from settings, no secrets, no
personal data.

`configure_logging(...)` is called once by `mutasi serve`; nothing is configured at import.
Every handler it installs carries a `RedactingFilter`: the bot token (and any `/bot<token>/` in
a Bot API URL, URL-encoded or not), the webhook secret and the database password never reach a
log line, and an 18-digit NIP is shown as `19800101…001`. Tracebacks name each exception's type
but withhold its message (`WithheldMessageFormatter`): a message can carry what someone typed or
what the database was given (a NIP, a name, a rejection reason); the frames and the type say
where and what went wrong without it. Routine scheduler chatter ("Running job", "executed
successfully" every two seconds) and HTTP request lines are kept below INFO.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Literal, TextIO

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class WithheldMessageFormatter(logging.Formatter):
    """A Formatter whose tracebacks name each exception's type but not its message."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:  # noqa: N802
        """Frames and exception types of the whole chain (causes first, as Python prints)."""
        _type, error, _tb = ei
        if error is None:
            return ""
        chain: list[BaseException] = []
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            chain.append(current)
            current = current.__cause__ or (
                None if current.__suppress_context__ else current.__context__
            )
        parts: list[str] = []
        for item in reversed(chain):
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item.__traceback__))
            parts.append(
                f"{type(item).__module__}.{type(item).__qualname__} "
                "(message withheld: it may hold personal data)\n"
            )
        return "".join(parts).rstrip("\n")


LogFormat = Literal["text", "json"]

#: `/bot<token>` inside a Bot API URL (also URL-encoded, as in file downloads: `%3A`).
_BOT_PATH = re.compile(r"/bot\d+(?::|%3[Aa])[A-Za-z0-9_-]+")
#: An 18-digit NIP (PNS) standing alone.
_NIP = re.compile(r"(?<!\d)(\d{8})\d{7}(\d{3})(?!\d)")
#: Loggers that say something routine on every scheduler tick or HTTP request.
_CHATTY = (
    "apscheduler",
    "httpx",
    "httpcore",
    "aiosqlite",
    "asyncio",
    "tornado.access",
    "alembic.runtime.plugins",
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """TEXT with every secret, any `/bot<token>` URL path and NIP middles replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***").replace(secret.replace(":", "%3A"), "***")
    text = _BOT_PATH.sub("/bot***", text)
    return _NIP.sub(r"\1…\2", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback text with `redact` before any handler formats
    it (the record is changed in place, so later handlers see the redacted text too)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self._formatter = WithheldMessageFormatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message, its arguments and the traceback; always keep the record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class JsonFormatter(WithheldMessageFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = FORMAT


def build_handler(
    fmt: LogFormat = "text", secrets: Iterable[str] = (), stream: object | None = None
) -> logging.Handler:
    """A stream handler (stderr by default) with the redacting filter and the chosen format."""
    handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else WithheldMessageFormatter(FORMAT))
    return handler


def configure_logging(
    stream: TextIO | None = None,
    level: int | str = logging.INFO,
    fmt: LogFormat = "text",
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Route every log record to one redacting handler on STREAM (stderr by default); returns
    that handler. LEVEL is a number or a name (`MUTASI_LOG_LEVEL`), FMT `text` or `json`.

    Scheduler and HTTP-client loggers are raised to WARNING unless LEVEL is DEBUG, so a
    healthy bot writes a few lines a day instead of two every two seconds.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = build_handler(fmt, secrets, stream)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(
            logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
        )
    logging.captureWarnings(True)
    return handler
