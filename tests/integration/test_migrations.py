"""Migrations take an empty database to the newest schema and back, on both backends."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from db.engine import create_engine
from db.migrate import (
    current_revision,
    downgrade,
    downgrade_async,
    ensure_schema,
    head_revision,
    upgrade,
    upgrade_async,
)
from db.rows import TABLE_NAMES, Base


async def table_names(url: str) -> set[str]:
    """The tables that exist in the database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def schema_differences(url: str) -> list[object]:
    """What Alembic would change to make the database match the rows (empty when equal)."""

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def test_empty_database_goes_to_head_and_back_to_base(database_url: str) -> None:
    assert await table_names(database_url) == set()
    assert await current_revision(database_url) is None

    await upgrade_async(database_url)
    assert await table_names(database_url) == {*TABLE_NAMES, "alembic_version"}
    assert await current_revision(database_url) == head_revision()

    await downgrade_async(database_url, "base")
    assert await table_names(database_url) == {"alembic_version"}
    assert await current_revision(database_url) is None


async def test_migrated_schema_matches_the_rows_exactly(database_url: str) -> None:
    await upgrade_async(database_url)
    assert await schema_differences(database_url) == []


def test_sync_api_works_from_plain_code_and_ensure_schema_is_idempotent(
    database_url: str,
) -> None:
    upgrade(database_url)
    ensure_schema(database_url)
    assert asyncio.run(current_revision(database_url)) == head_revision()
    downgrade(database_url, "base")
    assert asyncio.run(table_names(database_url)) == {"alembic_version"}


async def test_sync_api_works_inside_a_running_event_loop(database_url: str) -> None:
    ensure_schema(database_url)  # e.g. called by a command that is already async
    assert await current_revision(database_url) == head_revision()
    assert "transfer_proposals" in await table_names(database_url)
