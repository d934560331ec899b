"""Engines and sessions: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) for production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

#: How long a SQLite writer waits for another writer's transaction before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def normalise_url(url: str) -> str:
    """The async-driver form of a database URL (sqlite:/// and postgresql:// are accepted)."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False, **options: Any) -> AsyncEngine:
    """An async engine for `url`, configured for the backend (FKs, WAL, pool). Statement
    parameters never appear in its errors or logs (they hold people's data)."""
    options.setdefault("hide_parameters", True)
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(
            url, in_memory=parsed.database in (None, "", ":memory:"), echo=echo, **options
        )
    if parsed.get_backend_name() == "postgresql":
        settings: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 1800}
        if "poolclass" not in options:
            settings.update(pool_size=10, max_overflow=20)
        settings.update(options)
        return _create_async_engine(url, echo=echo, **settings)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


def _sqlite_engine(url: str, *, in_memory: bool, echo: bool, **options: Any) -> AsyncEngine:
    """SQLite with foreign keys enforced, WAL for readers beside the writer, a busy timeout."""
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
    engine = _create_async_engine(url, echo=echo, connect_args=connect_args, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (we map rows to dataclasses anyway)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
