"""The SQL statements an engine sends inside a block, for tests that show how much a step reads
(a count that must not grow with a plan's size, a column that must not be read, an index that
must answer a query)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def sql_calls(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """(statement text, parameters) of every SQL statement ENGINE sends inside the block."""
    seen: list[tuple[str, Any]] = []

    def before(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
