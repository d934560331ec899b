"""`mutasi db ...`: schema migrations."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade(revision: str = typer.Argument("head")) -> None:
        """Bring the database schema up to REVISION (default: the newest)."""
        from bot.settings import load_settings
        from db.migrate import upgrade as run_upgrade

        settings = load_settings()
        run_upgrade(settings.database_url, revision)
        typer.echo(f"schema at {revision}")

    @db_app.command("downgrade")
    def downgrade(revision: str = typer.Argument("base")) -> None:
        """Take the database schema down to REVISION (default: empty)."""
        from bot.settings import load_settings
        from db.migrate import downgrade as run_downgrade

        settings = load_settings()
        run_downgrade(settings.database_url, revision)
        typer.echo(f"schema at {revision}")

    app.add_typer(db_app, name="db")
