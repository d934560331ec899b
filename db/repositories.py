"""The base of every SQL repository: it holds the unit of work's session and never commits; the
unit of work does. The repositories live one aggregate a module: `db.organisation_repositories`
(units, employees, ABK activities, the jabatan catalogue), `db.access_repositories` (roles,
Telegram accounts, invitations), `db.aspiration_repository`, `db.workload_repository`,
`db.audit_repository`, and beside them the plan, outbox, inbox and delegation repositories."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, update
from sqlalchemy.ext.asyncio import AsyncSession

RowT = TypeVar("RowT")
ValueT = TypeVar("ValueT")

#: Rows per partition of a streamed whole-table read (`SqlRepository._converted`).
_STREAM_ROWS = 250


class SqlRepository:
    """Base: holds the unit of work's session; reads always refresh loaded rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, statement: Select[tuple[RowT]]) -> builtins.list[RowT]:
        result = await self.session.scalars(statement.execution_options(populate_existing=True))
        return builtins.list(result.all())

    async def _one_or_none(self, statement: Select[tuple[RowT]]) -> RowT | None:
        result = await self.session.scalars(statement.execution_options(populate_existing=True))
        return result.first()

    async def _update_by_id(
        self, table: Any, value_id: int | None, what: str, **values: object
    ) -> None:
        """Set VALUES on the row of TABLE (a mapped class) with id VALUE_ID; ValueError when the
        domain value (a WHAT) has no id, i.e. was never stored."""
        if value_id is None:
            raise ValueError(f"cannot update a {what} without an id")
        await self.session.execute(
            update(table)
            .where(table.id == value_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def _records(self, statement: Select[Any]) -> Sequence[Row[Any]]:
        """Plain result rows, without ORM objects: for reads of whole tables (~3x cheaper)."""
        return await self._converted(statement, _same_row)

    async def _converted(
        self, statement: Select[Any], convert: Callable[[Row[Any]], ValueT]
    ) -> builtins.list[ValueT]:
        """CONVERT of each plain result row, streamed in partitions of _STREAM_ROWS: a read of
        100,000 rows hands the event loop back between partitions (other users' replies go on
        while the nightly snapshot reads) instead of holding it for seconds."""
        result = await self.session.stream(statement)
        values: builtins.list[ValueT] = []
        async for partition in result.partitions(_STREAM_ROWS):
            values.extend(convert(row) for row in partition)
            await asyncio.sleep(0)
        return values


def _same_row(row: Row[Any]) -> Row[Any]:
    return row
