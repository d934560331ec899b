"""The `mutasi` command line. Each feature module adds its commands with `register(app)`."""

from __future__ import annotations

import sys

import typer

from bot.errors import SettingsError


def build_app() -> typer.Typer:
    """The Typer application with every feature's commands registered."""
    app = typer.Typer(
        name="mutasi",
        help="mutasi-bot: balance civil-servant workload across work units, openly.",
        no_args_is_help=True,
        add_completion=False,
    )
    # Imported here, not at module import time: nothing is built at import.
    from bot import cli_bot, cli_data, cli_db, cli_engine, cli_loop

    cli_db.register(app)
    cli_data.register(app)
    cli_bot.register(app)
    cli_engine.register(app)
    cli_loop.register(app)
    return app


def refused_argument(arguments: list[str]) -> str | None:
    """A one-line error for the first command-line argument holding a character the database
    or Telegram refuses (bytes that are not UTF-8 arrive as lone surrogates), or None."""
    from core.text import code_point, first_refused

    for number, argument in enumerate(arguments, start=1):
        position = first_refused(argument)
        if position is not None:
            return (
                f"error: argument {number} contains the character "
                f"{code_point(argument[position])} (not valid text); nothing changed"
            )
    return None


def main() -> None:
    """Console-script entry point."""
    problem = refused_argument(sys.argv[1:])
    if problem is not None:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    app = build_app()
    try:
        app()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
