"""Parsers for core.usecases.safe_files tests: one that never ends, one that wants all the
memory."""

from __future__ import annotations

from core.domain.errors import InvalidInput


def spin(data: bytes) -> None:
    """Never returns."""
    while True:
        pass


def hog(data: bytes) -> int:
    """Asks for 4 GB."""
    return len(bytearray(4_000_000_000))


def size(data: bytes, extra: int) -> int:
    """The file's size plus EXTRA."""
    return len(data) + extra


def refuse(data: bytes) -> None:
    """Refuses like a parser that found a bad row."""
    raise InvalidInput("bad row", line=7)
