"""`mutasi health`: database, schema, agency, outbox, nightly plan and Bot API in one report;
exit status 0 when everything is fine, 1 otherwise (for monitoring and systemd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import typer

from bot.cli_text import command, language


def register(app: typer.Typer) -> None:
    """Add the `health` command."""

    @command(app, "health", "mutasi health", "mutasi health --json", "mutasi --lang en health")
    def health(
        as_json: bool = typer.Option(
            False, "--json", help="Laporan sebagai JSON (seperti /healthz). / Report as JSON."
        ),
    ) -> None:
        """Periksa database, skema, outbox, rencana malam dan Bot API; keluar 1 bila ada masalah.
        / Check database, schema, outbox, nightly plan and Bot API; exit 1 on any problem."""
        from bot.health import check_health
        from bot.settings import load_settings
        from handlers.i18n import translator

        settings = load_settings()
        t = translator(language())
        report = asyncio.run(check_health(settings, now=dt.datetime.now(dt.UTC), t=t))
        if as_json:
            typer.echo(json.dumps(report.as_json(t), ensure_ascii=False, indent=2))
        else:
            for line in report.lines(t):
                typer.echo(line)
        raise typer.Exit(0 if report.ok else 1)
