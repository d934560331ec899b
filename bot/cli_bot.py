"""`mutasi serve`, `mutasi invite`, `mutasi role grant|revoke`, `mutasi account unbind`."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_options import EmployeeNip, RoleName
from bot.cli_text import command, echo, fail, fail_text, t

if TYPE_CHECKING:
    from bot.settings import Settings


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


def secrets_of(settings: Settings) -> list[str]:
    """What must never appear in a log line: the token, the webhook secret, the DB password."""
    from sqlalchemy.engine import make_url

    found = [
        secret.get_secret_value()
        for secret in (settings.bot_token, settings.webhook_secret)
        if secret is not None and secret.get_secret_value()
    ]
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return found


def _require_agency(settings: Settings) -> None:
    """Stop unless the configured database exists, is reachable and holds an imported agency.

    A SQLite file that does not exist is not created (a `serve` started in the wrong directory
    would otherwise run on a new, empty database where everyone is "belum terdaftar").
    """
    from bot.cli_data import _sqlite_file
    from db.engine import masked_url
    from db.health import read_facts
    from db.migrate import ensure_schema

    shown = masked_url(settings.database_url)
    database_file = _sqlite_file(settings.database_url)
    if database_file is not None and not database_file.exists():
        fail("cli.serve_no_database_file", 2, url=shown, path=str(database_file.resolve()))
    _backup_before_migrating(settings)
    ensure_schema(settings.database_url)
    facts = asyncio.run(read_facts(settings.database_url))
    if not facts.has_agency:
        fail("cli.serve_no_agency", 2, url=shown, units=facts.units, employees=facts.employees)
    logging.getLogger(__name__).info(
        "database %s: %d units, %d employees", shown, facts.units, facts.employees
    )


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
        fail(
            "cli.backup_before_migrating_failed",
            current=current,
            head=head_revision(),
            detail=str(error),
        )
    logging.getLogger(__name__).info("backup before migrating written to %s", target)


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def register(app: typer.Typer) -> None:
    """Add serve, invite, role and account commands."""

    @command(
        app,
        "serve",
        "mutasi serve",
        "mutasi serve --webhook https://bot.example.go.id/telegram/rahasia",
    )
    def serve(
        webhook: str | None = typer.Option(
            None,
            "--webhook",
            help="Terima update di alamat https ini (bawaan: long polling). / Receive updates "
            "at this https URL (default: long polling).",
        ),
    ) -> None:
        """Jalankan bot; SIGTERM menghentikannya dengan rapi. / Run the bot; SIGTERM stops it."""
        from bot.app import SystemClock, build_application
        from bot.logs import configure_logging
        from bot.serve import ServeError, serve_until_signalled, webhook_config
        from bot.settings import load_settings

        settings = load_settings()
        token = settings.require_token()
        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=secrets_of(settings)
        )
        url = webhook or settings.webhook_url
        try:
            hook = webhook_config(settings, url) if url else None
        except ServeError as error:  # a setting to fix: 2 (systemd does not restart on it)
            fail_text(
                t(error.key, **error.values), 1 if error.key == "serve.api_unreachable" else 2
            )
            return
        _require_agency(settings)
        engine, uows, dialogues = _runtime(settings)
        application = build_application(
            settings, uows, SystemClock(), dialogues=dialogues, token=token, rate_limit=True
        )
        from bot.jobs import install_cycle

        install_cycle(application)  # nightly plan, outbox dispatcher, reminders, TMT effect

        async def main() -> None:
            try:
                await serve_until_signalled(application, hook)
            finally:
                await engine.dispose()

        try:
            asyncio.run(main())
        except ServeError as error:  # a setting to fix: 2 (systemd does not restart on it)
            fail_text(
                t(error.key, **error.values), 1 if error.key == "serve.api_unreachable" else 2
            )

    @command(
        app,
        "invite",
        "mutasi invite --nip 198001012005011001",
        "mutasi invite --unit PKM-WONOSARI-1 --out tautan-pkm.csv",
        "mutasi invite --all --out links.csv",
    )
    def invite(
        nip: str | None = typer.Option(
            None, "--nip", help="Satu pegawai: cetak tautannya sendiri. / One employee's link."
        ),
        unit: str | None = typer.Option(
            None, "--unit", help="Semua pegawai satu unit (kode unit). / Everyone in a unit."
        ),
        all_units: bool = typer.Option(
            False, "--all", help="Semua pegawai semua unit. / Every employee of every unit."
        ),
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Tulis CSV (UTF-8 dengan BOM, terbaca Excel) ke sini. / Write the CSV here.",
            ),
        ] = None,
        bot_username: str | None = typer.Option(
            None,
            "--bot-username",
            help="@username bot untuk tautan (bawaan: tanya Telegram). / The bot's @username.",
        ),
    ) -> None:
        """Buat tautan pendaftaran sekali pakai; tautan lama yang belum dipakai diganti.
        / Issue one-time registration links; unused older links of the same people end."""
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.domain.errors import DomainError
        from core.usecases.invitations import (
            invitation_link,
            invitations_csv,
            issue_invitation_batch,
        )

        if sum((nip is not None, unit is not None, all_units)) != 1:
            fail("cli.invite_choose", 2)
        settings = load_settings()
        username = bot_username or _bot_username(settings)

        async def main() -> Any:
            engine, uows, _ = _runtime(settings)
            try:
                async with uows() as uow:
                    batch = await issue_invitation_batch(
                        uow,
                        unit_code=unit,
                        nip=nip,
                        caller=None,  # the operator, who already holds the database
                        actor=_actor(),
                        now=SystemClock().now(),
                        valid_days=settings.invitation_days,
                    )
                    names = {}
                    for replaced in batch.replaced_nips[:_NAMED]:
                        person = await uow.employees.get(replaced)
                        names[replaced] = person.name if person else replaced
                return batch, names
            finally:
                await engine.dispose()

        try:
            batch, names = asyncio.run(main())
        except DomainError as error:
            fail_text(domain_error_text(error))
        replaced_line = _replaced_line(batch.replaced_nips, names)
        expiry = _expiry_writer(settings)
        if nip is not None and out is None:
            item = batch.issued[0]
            echo(
                "cli.invite_one",
                name=item.name,
                nip=item.nip,
                link=invitation_link(username, item.code),
                expires=expiry(item.expires_at.astimezone(settings.zone)),
            )
            if replaced_line:
                typer.echo(replaced_line)
            return
        text = invitations_csv(batch.issued, username, settings.zone, expiry)
        if out is None:
            sys.stdout.write(text)
            if replaced_line:
                typer.echo(replaced_line, err=True)
            return
        out.write_text(text, encoding="utf-8-sig")  # a BOM: Excel then reads UTF-8 names right
        echo("cli.invite_written", count=len(batch.issued), path=str(out))
        if replaced_line:
            typer.echo(replaced_line)

    role_app = typer.Typer(
        help="Beri atau cabut peran. / Grant or revoke roles.", no_args_is_help=True
    )

    def _change(nip: str, role: str, scope: str | None, grant: bool) -> None:
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.domain import Role
        from core.domain.errors import DomainError
        from core.usecases.role_grants import change_role, resolve_scope

        try:
            parsed = Role(role.lower())
        except ValueError:
            fail("cli.role_unknown", 2, role=role)
        if parsed == Role.ASN:
            fail("cli.role_asn", 2)
        if scope is None and grant and parsed != Role.ADMIN:
            fail("cli.role_scope_needed", 2, role=parsed.value)
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
            fail_text(domain_error_text(error))
        shown_scope = scope or "all"
        if not changed:
            echo("cli.role_unchanged", role=parsed.value, nip=nip, scope=shown_scope)
        else:
            echo(
                "cli.role_granted" if grant else "cli.role_revoked",
                role=parsed.value,
                nip=nip,
                scope=shown_scope,
            )

    @command(
        role_app,
        "grant",
        "mutasi role grant 198001012005011001 admin --scope all",
        "mutasi role grant 197505052000031002 approver --scope all",
        "mutasi role grant 197505052000031002 approver --scope opd:Dinas Kesehatan",
        "mutasi role grant 198203032006042003 supervisor --scope PKM-WONOSARI-1",
    )
    def grant(
        nip: EmployeeNip,
        role: RoleName,
        scope: str | None = typer.Option(
            None,
            "--scope",
            help="Kode unit, unit:KODE, opd:NAMA, atau all (wajib untuk supervisor dan "
            "approver). / A unit code, unit:CODE, opd:NAME or all (required for supervisor "
            "and approver).",
        ),
    ) -> None:
        """Beri NIP peran ROLE atas suatu cakupan. / Give NIP the ROLE over a scope."""
        _change(nip, role, scope, True)

    @command(
        role_app,
        "revoke",
        "mutasi role revoke 198203032006042003 supervisor --scope PKM-WONOSARI-1",
    )
    def revoke(
        nip: EmployeeNip,
        role: RoleName,
        scope: str | None = typer.Option(
            None, "--scope", help="Cakupan yang dicabut (bawaan all). / The scope (default all)."
        ),
    ) -> None:
        """Cabut peran ROLE atas suatu cakupan dari NIP. / Take ROLE over a scope from NIP."""
        _change(nip, role, scope, False)

    app.add_typer(role_app, name="role")

    account_app = typer.Typer(
        help="Akun Telegram yang terikat ke pegawai. / Telegram accounts bound to employees.",
        no_args_is_help=True,
    )

    @command(account_app, "unbind", "mutasi account unbind 198001012005011001")
    def unbind(nip: EmployeeNip) -> None:
        """Lepas akun Telegram NIP (ganti HP), lalu buat undangan baru dengan `mutasi invite
        --nip`. / Unbind NIP's Telegram account(s) so a new invitation can bind another."""
        from bot.app import SystemClock
        from bot.settings import load_settings
        from core.usecases.registration import unbind_accounts

        settings = load_settings()

        async def main() -> int:
            engine, uows, _ = _runtime(settings)
            try:
                async with uows() as uow:
                    if await uow.employees.get(nip) is None:
                        return -1
                    return await unbind_accounts(
                        uow, nip=nip, actor=_actor(), now=SystemClock().now()
                    )
            finally:
                await engine.dispose()

        count = asyncio.run(main())
        if count < 0:
            fail("cli.not_found_nip", nip=nip)
        echo("cli.unbound", count=count, nip=nip)

    app.add_typer(account_app, name="account")


#: How many replaced people are named one by one before "and N more".
_NAMED = 5


def _replaced_line(nips: list[str], names: dict[str, str]) -> str:
    """Which unused older links this issue ended, by name (the first few) and count."""
    if not nips:
        return ""
    shown = ", ".join(f"{names.get(n, n)} ({n})" for n in nips[:_NAMED])
    if len(nips) > _NAMED:
        shown += " " + t("cli.and_more", count=len(nips) - _NAMED)
    return t("cli.invite_replaced", count=len(nips), people=shown)


def _expiry_writer(settings: Settings) -> Any:
    """Writes an expiry people read: 14 Desember 2026 16.00 WIB."""
    from bot.cli_text import language
    from handlers.i18n import translator

    tr = translator(language())
    zone = _ZONE_NAMES.get(settings.timezone, settings.timezone)

    def write(moment: Any) -> str:
        return f"{tr.date(moment.date())} {moment:%H.%M} {zone}"

    return write


_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def domain_error_text(error: Any) -> str:
    """A domain error in the CLI's words: the most specific `cli.*` message for what it names
    (a NIP, unit, OPD or scope not found), else the bot's own message for the error."""
    from bot.cli_text import language
    from handlers.i18n import catalog_messages

    known = catalog_messages(language())
    for name, value in error.values.items():
        specific = f"cli.{error.key.removeprefix('error.')}_{name}"
        if specific in known:
            return t(specific, **{name: value})
    try:
        return t(error.key, **error.values)
    except (KeyError, IndexError):  # the bot's message wants values this error lacks
        return t(error.key)


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

    from bot.logs import redact

    try:
        return asyncio.run(ask())
    except InvalidToken:
        fail("cli.username_token_rejected", 2)
    except NetworkError as error:
        fail("cli.username_unreachable", detail=redact(str(error), [token]))
