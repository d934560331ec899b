"""Schema migrations (Alembic), callable from sync code, async code or a running loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from db.engine import create_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

T = TypeVar("T")


def alembic_config(database_url: str) -> Config:
    """A programmatic Alembic config: scripts shipped in the package, no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def _outside_event_loop(work: Callable[[], T]) -> T:
    """Run `work` here, or in a worker thread if this thread runs an event loop (env.py needs
    its own loop for the async engine)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    config = alembic_config(database_url)
    _outside_event_loop(lambda: command.upgrade(config, revision))


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema down to `revision` ("base" drops every table)."""
    config = alembic_config(database_url)
    _outside_event_loop(lambda: command.downgrade(config, revision))


def ensure_schema(database_url: str) -> None:
    """Make sure the schema is at the newest revision (a no-op when it already is)."""
    upgrade(database_url, "head")


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """`upgrade` without blocking the running event loop."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.upgrade, config, revision)


async def downgrade_async(database_url: str, revision: str = "base") -> None:
    """`downgrade` without blocking the running event loop."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, revision)


async def ensure_schema_async(database_url: str) -> None:
    """`ensure_schema` without blocking the running event loop."""
    await upgrade_async(database_url, "head")


def head_revision() -> str:
    """The newest revision shipped with the package."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()
