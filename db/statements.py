"""Dialect-aware statements the repositories share (INSERT ... ON CONFLICT on both backends)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

#: Rows per execute call. An executemany binds one row's parameters at a time, and SQLAlchemy
#: pages an INSERT ... RETURNING into multi-row VALUES under the backend's parameter limit
#: itself, so this only bounds the memory of one call.
BULK_CHUNK_ROWS = 2_000


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT supporting `on_conflict_do_nothing/update` for the session's backend."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database backend {dialect}")


async def insert_unless_taken(
    session: AsyncSession, table: Any, values: Mapping[str, Any]
) -> bool:
    """INSERT one row unless a unique key is already taken; True when the row went in."""
    result = await session.execute(
        insert_for(session, table).values(**values).on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_returning_id_unless_taken(
    session: AsyncSession, table: Any, values: Mapping[str, Any]
) -> int | None:
    """INSERT one row unless a unique key is already taken; the new row's id, or None."""
    statement = (
        insert_for(session, table).values(**values).on_conflict_do_nothing().returning(table.id)
    )
    new_id = (await session.execute(statement)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def _chunks(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    return [list(rows[i : i + BULK_CHUNK_ROWS]) for i in range(0, len(rows), BULK_CHUNK_ROWS)]


async def upsert_rows(
    session: AsyncSession,
    table: FromClause,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[str],
) -> None:
    """INSERT every row, or on a clash of KEY_COLUMNS replace the stored row's other columns.

    One prepared statement run with many parameter sets (executemany), in chunks. Every row
    must have the same keys; a row's key must not repeat within ROWS.
    """
    if not rows:
        return
    insert = insert_for(session, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key_columns],
        set_={name: insert.excluded[name] for name in rows[0] if name not in key_columns},
    )
    for chunk in _chunks(rows):
        await session.execute(statement, chunk)


async def insert_rows(
    session: AsyncSession, table: FromClause, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT every row (executemany, in chunks); a clash raises as a single INSERT would."""
    if not rows:
        return
    statement = insert_for(session, table)
    for chunk in _chunks(rows):
        await session.execute(statement, chunk)


async def insert_new_rows(
    session: AsyncSession, table: FromClause, rows: Sequence[Mapping[str, Any]], returning: str
) -> int:
    """INSERT the rows no unique constraint already holds (ON CONFLICT DO NOTHING); returns how
    many were inserted (counted from RETURNING RETURNING_COLUMN, so exact on both backends)."""
    if not rows:
        return 0
    statement = insert_for(session, table).on_conflict_do_nothing().returning(table.c[returning])
    inserted = 0
    for chunk in _chunks(rows):
        result = await session.execute(statement, chunk)
        inserted += len(result.all())
    return inserted


async def insert_rows_returning(
    session: AsyncSession, table: Any, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """INSERT every row, one multi-row INSERT ... RETURNING COLUMNS per chunk (not a statement
    per row); the returned tuples come in no promised order (match them on COLUMNS). A clash
    with a unique constraint raises IntegrityError; earlier chunks may then be in, so the
    caller's transaction must be rolled back (a unit of work left without commit is)."""
    if not rows:
        return []
    statement = insert_for(session, table).returning(*(table.c[name] for name in columns))
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(rows):
        result = await session.execute(statement, chunk)
        found.extend(tuple(row) for row in result.all())
    return found
