"""The command line's one voice: every message from the catalogs, Indonesian unless `--lang en`
(or MUTASI_LANGUAGE=en) is given; errors are one line starting "galat:" / "error:".

Nothing here loads pydantic or Telegram, so `mutasi --help` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from handlers.i18n import LANGUAGES, translator

_chosen: dict[str, str] = {}

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


def choose_language(language: str | None) -> str:
    """Fix the CLI's language for this run: LANGUAGE, else MUTASI_LANGUAGE, else Indonesian."""
    candidate = (language or os.environ.get("MUTASI_LANGUAGE") or "id").strip().lower()
    _chosen["language"] = candidate if candidate in LANGUAGES else "id"
    return _chosen["language"]


def language() -> str:
    """The CLI's language for this run."""
    return _chosen.get("language") or choose_language(None)


def t(key: str, /, **values: Any) -> str:
    """KEY in the CLI's language, VALUES filled in."""
    return translator(language())(key, **values)


def echo(key: str, /, **values: Any) -> None:
    """Print KEY's message on stdout."""
    typer.echo(t(key, **values))


def error_line(message: str) -> str:
    """MESSAGE as the one error line the CLI prints."""
    return f"{t('cli.error_prefix')}: {message}"


def fail(key: str, /, code: int = 1, **values: Any) -> NoReturn:
    """Print KEY's message as one error line on stderr and stop with exit status CODE."""
    typer.echo(error_line(t(key, **values)), err=True)
    raise typer.Exit(code)


def fail_text(message: str, code: int = 1) -> NoReturn:
    """Print an already translated MESSAGE as one error line and stop with CODE."""
    typer.echo(error_line(message), err=True)
    raise typer.Exit(code)


def examples(*commands: str) -> str:
    """A command's `--help` epilog: "Contoh / examples:" and COMMANDS, one a line (\b keeps
    click from re-wrapping them)."""
    return "\b\nContoh / examples:\n" + "\n".join(f"  {command}" for command in commands)


def command(
    app: typer.Typer, name: str, *example_commands: str
) -> Callable[[CommandFunction], CommandFunction]:
    """Register the decorated function as APP's command NAME; its `--help` ends with
    EXAMPLE_COMMANDS (`examples`). Every command of the CLI is declared this way."""
    return app.command(name, epilog=examples(*example_commands))
