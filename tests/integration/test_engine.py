"""Engines are configured for their backend, and the test databases are what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import tests.conftest as fixtures
from db.engine import SQLITE_BUSY_TIMEOUT_SECONDS, create_engine, is_sqlite, normalise_url


async def test_each_parametrised_test_runs_on_the_backend_in_its_id(
    engine: AsyncEngine, database_backend: str
) -> None:
    async with engine.connect() as connection:
        if database_backend == "postgresql":
            version = (await connection.execute(text("SHOW server_version"))).scalar_one()
            assert engine.dialect.name == "postgresql"
            assert int(str(version).split(".")[0]) >= 12
        else:
            assert engine.dialect.name == "sqlite"


async def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_for_writers(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/pragmas.sqlite3")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert pragmas == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "busy_timeout": int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000),
    }


def test_plain_urls_get_the_async_drivers() -> None:
    assert normalise_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert is_sqlite("sqlite:///x.db") and not is_sqlite("postgresql://h/db")


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        create_engine("mysql+aiomysql://u@h/db")


def test_missing_postgres_binaries_fail_the_run_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    monkeypatch.setattr("glob.glob", lambda _pattern: [])
    with pytest.raises(pytest.fail.Exception, match="install the `postgresql` package"):
        fixtures._postgres_bin_dir()
