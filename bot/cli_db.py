"""`mutasi db ...`: schema migrations, backups and restoring them.

Commands that can delete data (`downgrade`, `restore`) ask first (`--yes` answers for scripts)
and write a backup of the database as it is before they change anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _confirm(question: str, yes: bool) -> None:
    """Ask QUESTION unless --yes was given; anything but yes leaves everything as it was."""
    if yes:
        return
    if not typer.confirm(question, default=False):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(1)


def _safety_backup(database_url: str, reason: str) -> Path:
    """A backup of the database before a command that may delete data; fails the command if
    the backup cannot be made."""
    from db.backup import BackupError, backup, default_backup_path

    target = default_backup_path(database_url, reason, dt.datetime.now(dt.UTC))
    try:
        backup(database_url, target)
    except BackupError as error:
        _fail(f"no backup, so nothing changed: {error}")
    typer.echo(f"backup written to {target}")
    return target


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db_app = typer.Typer(
        help="Database schema (Alembic migrations), backups and restore.", no_args_is_help=True
    )

    @db_app.command("upgrade")
    def upgrade(revision: str = typer.Argument("head")) -> None:
        """Bring the database schema up to REVISION (default: the newest)."""
        from bot.settings import load_settings
        from db.migrate import upgrade as run_upgrade

        settings = load_settings()
        run_upgrade(settings.database_url, revision)
        typer.echo(f"schema at {revision}")

    @db_app.command("downgrade")
    def downgrade(
        revision: Annotated[
            str,
            typer.Argument(
                help="the revision to go down to, e.g. 0001; 'base' drops every table",
                metavar="REVISION",
                show_default=False,
            ),
        ],
        yes: Annotated[bool, typer.Option("--yes", help="do not ask (for scripts)")] = False,
    ) -> None:
        """Take the schema down to REVISION, after a confirmation and a backup."""
        from bot.settings import load_settings
        from db.migrate import downgrade as run_downgrade

        settings = load_settings()
        what = "drops EVERY table and all data" if revision == "base" else "may delete data"
        _confirm(f"Downgrading the schema to {revision} {what}. Continue?", yes)
        _safety_backup(settings.database_url, "downgrade")
        run_downgrade(settings.database_url, revision)
        typer.echo(f"schema at {revision}")

    @db_app.command("backup")
    def backup_command(
        file: Annotated[Path, typer.Argument(help="where to write the backup (must not exist)")],
    ) -> None:
        """Write a full backup of the database to FILE (SQLite: online backup; PostgreSQL:
        pg_dump)."""
        from bot.settings import load_settings
        from db.backup import BackupError, backup

        settings = load_settings()
        try:
            backup(settings.database_url, file)
        except BackupError as error:
            _fail(str(error))
        typer.echo(f"backup written to {file}")

    @db_app.command("restore")
    def restore_command(
        file: Annotated[Path, typer.Argument(help="a backup made by `mutasi db backup`")],
        yes: Annotated[bool, typer.Option("--yes", help="do not ask (for scripts)")] = False,
    ) -> None:
        """Replace the database's contents with FILE, after a confirmation and a backup of what
        is there now. Stop the bot first."""
        from bot.settings import load_settings
        from db.backup import BackupError, restore

        settings = load_settings()
        if not file.is_file():
            _fail(f"{file} is not a file")
        _confirm(f"Restoring {file} replaces everything in the database. Continue?", yes)
        _safety_backup(settings.database_url, "before-restore")
        try:
            restore(settings.database_url, file)
        except BackupError as error:
            _fail(str(error))
        typer.echo(f"database restored from {file}")

    app.add_typer(db_app, name="db")
