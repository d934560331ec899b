"""`mutasi db ...`: schema migrations."""

from __future__ import annotations

import typer

from bot.cli_text import echo


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db_app = typer.Typer(
        help="Skema database (migrasi Alembic). / Database schema (Alembic migrations).",
        no_args_is_help=True,
    )

    @db_app.command(
        "upgrade",
        epilog="\b\nContoh / examples:\n  mutasi db upgrade\n  mutasi db upgrade 0001",
    )
    def upgrade(revision: str = typer.Argument("head")) -> None:
        """Naikkan skema ke REVISION (bawaan: terbaru). / Bring the schema up to REVISION."""
        from bot.settings import load_settings
        from db.migrate import upgrade as run_upgrade

        settings = load_settings()
        run_upgrade(settings.database_url, revision)
        echo("cli.schema_at", revision=revision)

    @db_app.command(
        "downgrade",
        epilog="\b\nContoh / examples:\n  mutasi db downgrade 0001\n  mutasi db downgrade base",
    )
    def downgrade(revision: str = typer.Argument("base")) -> None:
        """Turunkan skema ke REVISION (bawaan: kosong). / Take the schema down to REVISION."""
        from bot.settings import load_settings
        from db.migrate import downgrade as run_downgrade

        settings = load_settings()
        run_downgrade(settings.database_url, revision)
        echo("cli.schema_at", revision=revision)

    app.add_typer(db_app, name="db")
