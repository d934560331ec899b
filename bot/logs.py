"""Logging for `mutasi serve`: one line per record, and tracebacks without exception messages.

An exception's message can carry what someone typed or what the database was given (a NIP, a
name, a rejection reason); the traceback's frames and the exception's type say where and what
went wrong without it. SQLAlchemy's own messages never hold parameters either
(`hide_parameters=True` in db.engine).
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType
from typing import TextIO

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


def configure_logging(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Root logging for the bot process: STREAM (stderr by default), our formatter."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WithheldMessageFormatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
