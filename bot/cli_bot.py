"""`mutasi serve`, `mutasi invite`, `mutasi role grant|revoke`, `mutasi account unbind`."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.settings import Settings


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _runtime(settings: Settings) -> tuple[Any, Any, Any]:
    """Engine, UoW factory and dialogue store for SETTINGS' database (schema brought up)."""
    from db.dialogue_store import SqlDialogueStore
    from db.engine import create_engine, session_factory
    from db.migrate import ensure_schema
    from db.uow import uow_factory

    ensure_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    return engine, uow_factory(sessions), SqlDialogueStore(sessions)


def _backup_before_migrating(settings: Settings) -> None:
    """`serve` on a database whose schema is older than this release: back it up first."""
    from db.backup import BackupError, backup, default_backup_path
    from db.migrate import current_revision, head_revision

    current = asyncio.run(current_revision(settings.database_url))
    if current is None or current == head_revision():
        return
    target = default_backup_path(settings.database_url, f"before-{head_revision()}", _now())
    try:
        backup(settings.database_url, target)
    except BackupError as error:
        _fail(
            f"the schema needs a migration ({current} -> {head_revision()}) but no backup could "
            f"be made, so nothing changed: {error}"
        )
    logging.getLogger(__name__).info("backup before migrating written to %s", target)


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def register(app: typer.Typer) -> None:
    """Add serve, invite, role and account commands."""

    @app.command("serve")
    def serve(
        webhook: str | None = typer.Option(
            None, "--webhook", help="Receive updates at this https URL (default: long polling)."
        ),
    ) -> None:
        """Run the bot (long polling, or --webhook URL with a secret token). SIGTERM stops it."""
        from bot.app import SystemClock, build_application
        from bot.logs import configure_logging
        from bot.serve import ServeError, serve_until_signalled, webhook_config
        from bot.settings import load_settings

        configure_logging()
        settings = load_settings()
        token = settings.require_token()
        url = webhook or settings.webhook_url
        try:
            hook = webhook_config(settings, url) if url else None
        except ServeError as error:
            _fail(str(error))
            return
        _backup_before_migrating(settings)
        engine, uows, dialogues = _runtime(settings)
        application = build_application(
            settings, uows, SystemClock(), dialogues=dialogues, token=token, rate_limit=True
        )
        from bot.jobs import install_loop

        install_loop(application)  # nightly plan, outbox dispatcher, reminders, TMT effect

        async def main() -> None:
            try:
                await serve_until_signalled(application, hook)
            finally:
                await engine.dispose()

        try:
            asyncio.run(main())
        except ServeError as error:
            _fail(str(error))

    @app.command("invite")
    def invite(
        unit: str | None = typer.Option(None, "--unit", help="Unit code."),
        all_units: bool = typer.Option(False, "--all", help="Every employee of every unit."),
        out: Annotated[
            Path | None, typer.Option("--out", help="Write the CSV here (default stdout).")
        ] = None,
        bot_username: str | None = typer.Option(
            None, "--bot-username", help="The bot's @username for links (default: ask Telegram)."
        ),
    ) -> None:
        """Issue one-time invitation links (CSV: nip, nama, kode_unit, tautan, berlaku_sampai)."""
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.errors import DomainError
        from core.invitations import invitations_csv, issue_invitations

        if (unit is None) == (not all_units):
            _fail("give exactly one of --unit CODE or --all", 2)
        settings = load_settings()
        username = bot_username or _bot_username(settings)

        async def main() -> str:
            engine, uows, _ = _runtime(settings)
            try:
                async with uows() as uow:
                    issued = await issue_invitations(
                        uow,
                        unit_code=None if all_units else unit,
                        actor=_actor(),
                        now=SystemClock().now(),
                        valid_days=settings.invitation_days,
                    )
                return invitations_csv(issued, username, settings.zone)
            finally:
                await engine.dispose()

        try:
            text = asyncio.run(main())
        except DomainError as error:
            _fail(f"unit {unit!r} not found" if unit else str(error))
            return
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"{max(text.count(chr(10)) - 1, 0)} invitations written to {out}")

    role_app = typer.Typer(help="Grant or revoke roles.", no_args_is_help=True)

    def _change(nip: str, role: str, scope: str | None, grant: bool) -> None:
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.domain import Role
        from core.errors import DomainError
        from core.role_grants import change_role, resolve_scope

        try:
            parsed = Role(role.lower())
        except ValueError:
            _fail(f"unknown role {role!r} (supervisor, approver, admin)", 2)
            return
        settings = load_settings()

        async def main() -> bool:
            engine, uows, _ = _runtime(settings)
            try:
                async with uows() as uow:
                    kind, value = await resolve_scope(uow, scope)
                    change = await change_role(
                        uow,
                        nip=nip,
                        role=parsed,
                        scope_kind=kind,
                        scope_value=value,
                        grant=grant,
                        actor=_actor(),
                        now=SystemClock().now(),
                    )
                return change.changed
            finally:
                await engine.dispose()

        try:
            changed = asyncio.run(main())
        except DomainError as error:
            _fail(f"{error.key}: {', '.join(f'{k}={v}' for k, v in error.values.items())}")
            return
        verb = "granted" if grant else "revoked"
        typer.echo(f"{parsed.value} {verb} for {nip}" if changed else "nothing to change")

    @role_app.command("grant")
    def grant(
        nip: str,
        role: str,
        scope: str | None = typer.Option(None, "--scope", help="UNIT code, OPD name, or all."),
    ) -> None:
        """Give NIP the ROLE (supervisor, approver, admin) over a scope."""
        _change(nip, role, scope, True)

    @role_app.command("revoke")
    def revoke(
        nip: str,
        role: str,
        scope: str | None = typer.Option(None, "--scope", help="UNIT code, OPD name, or all."),
    ) -> None:
        """Take the ROLE over a scope away from NIP."""
        _change(nip, role, scope, False)

    app.add_typer(role_app, name="role")

    account_app = typer.Typer(help="Telegram accounts bound to employees.", no_args_is_help=True)

    @account_app.command("unbind")
    def unbind(nip: str) -> None:
        """Unbind NIP's Telegram account(s) so a new invitation can bind another (new phone)."""
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.registration import unbind_accounts

        settings = load_settings()

        async def main() -> int:
            engine, uows, _ = _runtime(settings)
            try:
                async with uows() as uow:
                    return await unbind_accounts(
                        uow, nip=nip, actor=_actor(), now=SystemClock().now()
                    )
            finally:
                await engine.dispose()

        typer.echo(f"{asyncio.run(main())} account(s) unbound for {nip}")

    app.add_typer(account_app, name="account")


def _bot_username(settings: Settings) -> str:
    """The bot's username from getMe (one call), for invitation links."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    from bot.app import file_url_for

    token = settings.require_token()

    async def ask() -> str:
        kwargs: dict[str, Any] = {}
        if settings.bot_api_url:
            kwargs = {
                "base_url": settings.bot_api_url,
                "base_file_url": settings.bot_api_file_url or file_url_for(settings.bot_api_url),
            }
        async with Bot(token, **kwargs) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except InvalidToken as error:
        _fail(f"Telegram rejected MUTASI_BOT_TOKEN: {error}")
    except NetworkError as error:
        _fail(
            f"cannot reach the Bot API to learn the bot's username ({error}); pass --bot-username"
        )
    return ""
