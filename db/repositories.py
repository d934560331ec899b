"""The base of every SQL repository: it holds the unit of work's session and never commits; the
unit of work does. The repositories live one aggregate a module: `db.organisation_repositories`
(units, employees, ABK activities, the jabatan catalogue), `db.access_repositories` (roles,
Telegram accounts, invitations), `db.aspiration_repository`, `db.workload_repository`,
`db.audit_repository`, and beside them the plan, outbox, inbox and delegation repositories."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin

from sqlalchemy import ColumnElement, Row, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.mapping import column_values, from_row
from db.rows import Base
from db.statements import insert_returning_id_unless_taken, insert_unless_taken

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

    async def _first_where(
        self, convert: Callable[[RowT], ValueT], table: type[RowT], *where: ColumnElement[bool]
    ) -> ValueT | None:
        """CONVERT of the row of TABLE (a mapped class) where every WHERE holds (the first one
        the database returns if several do), or None when none does."""
        row = await self._one_or_none(select(table).where(*where))
        return None if row is None else convert(row)

    async def _add_unless_taken(
        self, convert: Callable[[RowT], ValueT], table: type[RowT], values: Mapping[str, Any]
    ) -> ValueT | None:
        """INSERT VALUES into TABLE (a mapped class with an integer `id`) and return CONVERT of
        the stored row as the database filled it in; None (nothing stored) when a unique key
        is already taken."""
        new_id = await insert_returning_id_unless_taken(self.session, table, values)
        if new_id is None:
            return None
        id_column: ColumnElement[int] = getattr(table, "id")  # noqa: B009 (any mapped class)
        return await self._first_where(convert, table, id_column == new_id)

    async def _list_where(
        self,
        convert: Callable[[RowT], ValueT],
        table: type[RowT],
        where: ColumnElement[bool],
        *order_by: Any,
    ) -> builtins.list[ValueT]:
        """CONVERT of each row of TABLE (a mapped class) where WHERE holds, sorted by
        ORDER_BY (columns or column expressions)."""
        rows = await self._all(select(table).where(where).order_by(*order_by))
        return [convert(row) for row in rows]

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


class ProposalRecords(SqlRepository, Generic[ValueT]):
    """Base of the repositories of what is recorded about one transfer proposal (approval
    decisions, committee votes, evaluations). A subclass gives the domain dataclass as its type
    argument and, as class keywords, ROW: the mapped table whose columns are that dataclass's
    fields (db.mapping), and ORDER: the column names `list_for` sorts by. The table's unique key
    says when a record is a repeat (`_add_once`)."""

    _row: ClassVar[type[Base]]
    _value: ClassVar[type[Any]]
    _order: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, *, row: type[Base], order: tuple[str, ...]) -> None:
        super().__init_subclass__()
        # VALUE is the subclass's type argument: `ProposalRecords[ApprovalDecision]`.
        (value,) = [
            get_args(base)[0]
            for base in cls.__dict__.get("__orig_bases__", ())
            if get_origin(base) is ProposalRecords
        ]
        cls._row, cls._value, cls._order = row, value, order

    async def _add_once(self, record: ValueT) -> bool:
        """Store RECORD; False (nothing stored) when its unique key is already taken."""
        return await insert_unless_taken(self.session, self._row, column_values(record))

    async def list_for(self, proposal_id: int) -> Sequence[ValueT]:
        """The records about one proposal, sorted by the subclass's ORDER."""
        columns = self._row.__table__.c
        order = [columns[name] for name in self._order]
        return await self._list_where(
            self._from_row, self._row, columns.proposal_id == proposal_id, *order
        )

    def _from_row(self, row: Base) -> ValueT:
        return cast(ValueT, from_row(self._value, row))


def _same_row(row: Row[Any]) -> Row[Any]:
    return row
