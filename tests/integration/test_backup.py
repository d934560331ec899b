"""`mutasi db backup / restore / downgrade` on SQLite and PostgreSQL with a populated agency:
a backup restores every row; downgrade needs a revision and a confirmation and backs up first."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import build_app
from db.engine import create_engine
from db.migrate import upgrade
from db.rows import TABLE_NAMES, Base
from db.uow import uow_factory as make_uow_factory
from tests.support.loop_agency import LOOP_AGENCY


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Automatic PostgreSQL backups go to the working directory: keep them in the test's."""
    monkeypatch.chdir(tmp_path)


def mutasi(url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    """The CLI in English (`--lang en`; Indonesian is its default)."""
    result = CliRunner().invoke(
        build_app(), ["--lang", "en", *args], env={"MUTASI_DATABASE_URL": url}, input=stdin
    )
    return result.exit_code, result.output


def row_counts(url: str) -> dict[str, int | None]:
    """Rows per table (None when the table does not exist)."""

    async def count() -> dict[str, int | None]:
        engine = create_engine(url)
        found: dict[str, int | None] = {}
        try:
            for name in TABLE_NAMES:
                table = Base.metadata.tables[name]
                try:
                    async with engine.connect() as connection:
                        found[name] = await connection.scalar(
                            select(func.count()).select_from(table)
                        )
                except Exception:  # noqa: BLE001 - a dropped table
                    found[name] = None
        finally:
            await engine.dispose()
        return found

    return asyncio.run(count())


def populated(url: str) -> dict[str, int | None]:
    upgrade(url)

    async def seed() -> None:
        engine = create_engine(url)
        await LOOP_AGENCY.write_to(make_uow_factory(engine))
        await engine.dispose()

    asyncio.run(seed())
    counts = row_counts(url)
    assert counts["employees"] and counts["units"] and counts["telegram_accounts"]
    return counts


def test_a_backup_restores_every_row_after_the_tables_were_dropped(
    database_url: str, tmp_path: Path
) -> None:
    before = populated(database_url)
    file = tmp_path / "agency.backup"
    code, output = mutasi(database_url, "db", "backup", str(file))
    assert code == 0, output
    assert file.stat().st_size > 0
    code, output = mutasi(database_url, "db", "downgrade", "base", "--yes")
    assert code == 0, output
    assert row_counts(database_url)["employees"] is None
    code, output = mutasi(database_url, "db", "restore", str(file), "--yes")
    assert code == 0, output
    assert row_counts(database_url) == before


def test_downgrade_without_a_revision_changes_nothing(database_url: str) -> None:
    before = populated(database_url)
    code, output = mutasi(database_url, "db", "downgrade")
    assert code == 2 and "Missing argument 'REVISION'" in output
    assert row_counts(database_url) == before


def test_downgrade_asks_first_and_a_no_changes_nothing(database_url: str, tmp_path: Path) -> None:
    before = populated(database_url)
    code, output = mutasi(database_url, "db", "downgrade", "base", stdin="n\n")
    assert code == 1
    assert "drops EVERY table" in output and "nothing changed" in output
    assert row_counts(database_url) == before


def test_downgrade_writes_a_backup_before_dropping_and_it_restores(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = populated(database_url)
    code, output = mutasi(database_url, "db", "downgrade", "base", stdin="y\n")
    assert code == 0, output
    line = next(x for x in output.splitlines() if x.startswith("backup written to "))
    backup_file = Path(line.removeprefix("backup written to "))
    assert backup_file.is_file()
    assert row_counts(database_url)["employees"] is None
    code, output = mutasi(database_url, "db", "restore", str(backup_file), "--yes")
    assert code == 0, output
    assert row_counts(database_url) == before


def test_restoring_something_that_is_not_a_backup_is_refused_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    before = populated(database_url)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    code, output = mutasi(database_url, "db", "restore", str(bogus), "--yes")
    assert code == 1 and "is not a" in output
    assert row_counts(database_url) == before


@pytest.mark.postgres
def test_without_pg_dump_the_postgresql_backup_says_what_to_install(
    postgres_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = postgres_server.create_database()
    database_url = postgres_server.url(name)
    populated(database_url)
    monkeypatch.setattr("db.backup.pg_tool", lambda name: None)
    code, output = mutasi(database_url, "db", "backup", str(tmp_path / "x.pgdump"))
    assert code == 1
    assert "pg_dump is not installed: install PostgreSQL's client tools" in output
    assert not (tmp_path / "x.pgdump").exists()
    postgres_server.drop_database(name)


def test_serve_backs_up_a_database_before_migrating_it(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli_bot import _backup_before_migrating
    from bot.settings import load_settings
    from db.migrate import downgrade, head_revision

    populated(database_url)
    settings = load_settings(database_url=database_url)
    _backup_before_migrating(settings)  # at the newest schema: nothing to back up
    assert list(tmp_path.glob("*backup*")) == []
    downgrade(database_url, "0001")
    _backup_before_migrating(settings)
    [made] = [p for p in tmp_path.rglob("*backup*") if f"before-{head_revision()}" in p.name]
    assert made.stat().st_size > 0
