"""`mutasi db ...`: schema migrations, backups and restoring them.

Commands that can delete data (`downgrade`, `restore`) ask first (`--yes` answers for scripts)
and write a backup of the database as it is before they change anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_options import AssumeYes
from bot.cli_text import command, echo, fail, fail_text, t


def _confirm(question: str, yes: bool) -> None:
    """Ask QUESTION unless --yes was given; anything but yes leaves everything as it was."""
    if yes:
        return
    if not typer.confirm(question, default=False):
        typer.echo(t("cli.nothing_changed"), err=True)
        raise typer.Exit(1)


def _safety_backup(database_url: str, reason: str) -> Path:
    """A backup of the database before a command that may delete data; fails the command if
    the backup cannot be made."""
    from db.backup import BackupError, backup, default_backup_path

    target = default_backup_path(database_url, reason, dt.datetime.now(dt.UTC))
    try:
        backup(database_url, target)
    except BackupError as error:
        fail("cli.no_backup", detail=str(error))
    echo("cli.backup_written", path=str(target))
    return target


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db_app = typer.Typer(
        help="Skema database (migrasi Alembic), cadangan dan pemulihan. / Database schema "
        "(Alembic migrations), backups and restore.",
        no_args_is_help=True,
    )

    @command(db_app, "upgrade", "mutasi db upgrade", "mutasi db upgrade 0001")
    def upgrade(revision: str = typer.Argument("head")) -> None:
        """Naikkan skema ke REVISION (bawaan: terbaru). / Bring the schema up to REVISION."""
        from bot.settings import load_settings
        from db.migrate import upgrade as run_upgrade

        settings = load_settings()
        run_upgrade(settings.database_url, revision)
        echo("cli.schema_at", revision=revision)

    @command(db_app, "downgrade", "mutasi db downgrade 0001", "mutasi db downgrade base --yes")
    def downgrade(
        revision: Annotated[
            str,
            typer.Argument(
                help="the revision to go down to, e.g. 0001; 'base' drops every table",
                metavar="REVISION",
                show_default=False,
            ),
        ],
        yes: AssumeYes = False,
    ) -> None:
        """Turunkan skema ke REVISION, setelah konfirmasi dan pencadangan.
        / Take the schema down to REVISION, after a confirmation and a backup."""
        from bot.settings import load_settings
        from db.migrate import downgrade as run_downgrade

        settings = load_settings()
        what = t("cli.downgrade_drops_all" if revision == "base" else "cli.downgrade_may_delete")
        _confirm(t("cli.confirm_downgrade", revision=revision, what=what), yes)
        _safety_backup(settings.database_url, "downgrade")
        run_downgrade(settings.database_url, revision)
        echo("cli.schema_at", revision=revision)

    @command(db_app, "backup", "mutasi db backup /var/backups/mutasi/2026-11-30.dump")
    def backup_command(
        file: Annotated[
            Path,
            typer.Argument(
                help="Berkas cadangan (belum boleh ada). / Where to write (must not exist)."
            ),
        ],
    ) -> None:
        """Tulis cadangan lengkap database ke FILE (SQLite: online backup; PostgreSQL: pg_dump).
        / Write a full backup of the database to FILE."""
        from bot.settings import load_settings
        from db.backup import BackupError, backup

        settings = load_settings()
        try:
            backup(settings.database_url, file)
        except BackupError as error:
            fail_text(str(error))
        echo("cli.backup_written", path=str(file))

    @command(db_app, "restore", "mutasi db restore /var/backups/mutasi/2026-11-30.dump")
    def restore_command(
        file: Annotated[
            Path, typer.Argument(help="Cadangan dari `mutasi db backup`. / A `db backup` file.")
        ],
        yes: AssumeYes = False,
    ) -> None:
        """Ganti isi database dengan FILE, setelah konfirmasi dan pencadangan isi sekarang;
        hentikan bot dulu. / Replace the database with FILE (after a confirmation and a backup
        of what is there now); stop the bot first."""
        from bot.settings import load_settings
        from db.backup import BackupError, restore

        settings = load_settings()
        if not file.is_file():
            fail("cli.not_a_file", path=str(file))
        _confirm(t("cli.confirm_restore", path=str(file)), yes)
        _safety_backup(settings.database_url, "before-restore")
        try:
            restore(settings.database_url, file)
        except BackupError as error:
            fail_text(str(error))
        echo("cli.restored", path=str(file))

    app.add_typer(db_app, name="db")
