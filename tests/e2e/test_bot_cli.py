"""`mutasi invite`, `mutasi role grant|revoke` and `mutasi account unbind` on a real database."""

from __future__ import annotations

import asyncio
import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from core.domain import Role, RoleGrant, ScopeKind, TelegramAccount
from db.engine import create_engine
from db.uow import uow_factory
from tests.support.handler_agency import HANDLER_AGENCY, KEPALA, SITI


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A seeded SQLite file named by MUTASI_DATABASE_URL."""
    path = tmp_path / "cli.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"

    async def seed() -> None:
        engine = create_engine(url)
        async with uow_factory(engine)() as uow:
            await HANDLER_AGENCY.write(uow)
            await uow.accounts.save(TelegramAccount(501, SITI.nip))
            await uow.commit()
        await engine.dispose()

    asyncio.run(seed())
    for name in ("MUTASI_BOT_TOKEN", "MUTASI_BOT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MUTASI_DATABASE_URL", url)
    return url


def _grants_and_audit(url: str, nip: str) -> tuple[list[RoleGrant], list[str]]:
    async def read() -> tuple[list[RoleGrant], list[str]]:
        engine = create_engine(url)
        async with uow_factory(engine)() as uow:
            grants = list(await uow.roles.list_for(nip))
            actions = [e.action for e in await uow.audit.list(f"employee:{nip}")]
        await engine.dispose()
        return grants, actions

    return asyncio.run(read())


def test_role_grant_and_revoke_by_unit_and_opd_are_audited(database: str) -> None:
    runner = CliRunner()
    app = build_app()
    granted = runner.invoke(app, ["role", "grant", SITI.nip, "supervisor", "--scope", "PKM-B"])
    assert granted.exit_code == 0, granted.output
    opd = runner.invoke(app, ["role", "grant", SITI.nip, "approver", "--scope", "Dinas Kesehatan"])
    assert opd.exit_code == 0, opd.output
    grants, actions = _grants_and_audit(database, SITI.nip)
    assert set(grants) == {
        RoleGrant(SITI.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-B"),
        RoleGrant(SITI.nip, Role.APPROVER, ScopeKind.OPD, "Dinas Kesehatan"),
    }
    revoked = runner.invoke(app, ["role", "revoke", SITI.nip, "supervisor", "--scope", "PKM-B"])
    assert revoked.exit_code == 0 and "dicabut" in revoked.output
    grants, actions = _grants_and_audit(database, SITI.nip)
    assert [g.role for g in grants] == [Role.APPROVER]
    assert actions.count("role.grant") == 2 and actions.count("role.revoke") == 1


def test_role_commands_refuse_unknown_people_roles_and_scopes(database: str) -> None:
    runner = CliRunner()
    app = build_app()
    assert runner.invoke(app, ["role", "grant", "000", "admin"]).exit_code != 0
    assert runner.invoke(app, ["role", "grant", SITI.nip, "king"]).exit_code != 0
    nowhere = runner.invoke(app, ["role", "grant", SITI.nip, "admin", "--scope", "NOWHERE"])
    assert nowhere.exit_code != 0
    assert _grants_and_audit(database, SITI.nip) == ([], [])


def test_invite_writes_one_link_per_employee_of_the_unit(database: str, tmp_path: Path) -> None:
    out = tmp_path / "links.csv"
    result = CliRunner().invoke(
        build_app(),
        ["invite", "--unit", "PKM-A", "--out", str(out), "--bot-username", "mutasi_bot"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 3 and KEPALA.nip in {r["nip"] for r in rows}
    assert all(r["tautan"].startswith("https://t.me/mutasi_bot?start=") for r in rows)
    assert all(r["nip"] not in r["tautan"] for r in rows)


def test_invite_needs_exactly_one_of_unit_or_all(database: str) -> None:
    runner = CliRunner()
    assert runner.invoke(build_app(), ["invite", "--bot-username", "b"]).exit_code == 2
    everyone = runner.invoke(build_app(), ["invite", "--all", "--bot-username", "b"])
    assert everyone.exit_code == 0
    assert len(everyone.output.strip().splitlines()) == 1 + 5


def test_account_unbind_lets_a_new_invitation_bind_another_phone(database: str) -> None:
    result = CliRunner().invoke(build_app(), ["account", "unbind", SITI.nip])
    assert result.exit_code == 0 and "1 akun Telegram dilepas" in result.output
