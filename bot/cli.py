"""The `mutasi` command line. Each feature module adds its commands with `register(app)`.

Messages follow one language for the whole run (Indonesian by default, `--lang en`); errors the
operator can act on are one line: a bad setting names its variable, an unusable database names
where it is (host:port or file, never the password).
"""

from __future__ import annotations

import sys

import typer

from bot.cli_text import choose_language, error_line, t
from bot.errors import SettingsError

EXAMPLES = """\b
Contoh / examples:
  mutasi db upgrade
  mutasi import units unit.xlsx
  mutasi role grant 198001012005011001 admin --scope all
  mutasi invite --nip 198001012005011001
  mutasi serve
  mutasi --lang en health"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mutasi-bot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"mutasi-bot {_version()}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    """The Typer application with every feature's commands registered."""
    app = typer.Typer(
        name="mutasi",
        help="mutasi-bot: menyeimbangkan beban kerja ASN antarunit kerja, secara terbuka. "
        "/ Balances civil-servant workload across work units, openly.\n\n" + EXAMPLES,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def root(
        lang: str | None = typer.Option(
            None,
            "--lang",
            help="Bahasa pesan: id (bawaan) atau en. / Message language: id (default) or en.",
        ),
        show_version: bool = typer.Option(
            False,
            "--version",
            help="Tampilkan versi lalu keluar. / Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ) -> None:
        choose_language(lang)

    # Imported here, not at module import time: nothing is built at import.
    from bot import cli_bot, cli_cycle, cli_data, cli_db, cli_engine, cli_health

    cli_db.register(app)
    cli_data.register(app)
    cli_bot.register(app)
    cli_engine.register(app)
    cli_cycle.register(app)
    cli_health.register(app)
    return app


def refused_argument(arguments: list[str]) -> str | None:
    """A one-line error for the first command-line argument holding a character the database
    or Telegram refuses (bytes that are not UTF-8 arrive as lone surrogates), or None."""
    from core.domain.text import code_point, first_refused

    for number, argument in enumerate(arguments, start=1):
        position = first_refused(argument)
        if position is not None:
            return error_line(
                t("cli.refused_argument", number=number, char=code_point(argument[position]))
            )
    return None


def main() -> None:
    """Console-script entry point."""
    choose_language(_lang_in(sys.argv[1:]))
    problem = refused_argument(sys.argv[1:])
    if problem is not None:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    app = build_app()
    try:
        app()
    except SettingsError as exc:
        message = t(exc.key, **exc.values) if exc.key else str(exc)
        print(error_line(message), file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as exc:
        from bot.settings import last_database_url
        from db.engine import failure_of

        failure = failure_of(last_database_url(), exc)
        if failure is None:
            raise
        key, values = failure
        print(error_line(t(f"cli.{key}", **values)), file=sys.stderr)
        raise SystemExit(3) from None


def _lang_in(argv: list[str]) -> str | None:
    """The value of a leading `--lang X` / `--lang=X`, so help and errors use it too."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None
