"""The command line speaks with one voice: Indonesian unless `--lang en`, never a raw message
key, one "galat:"/"error:" line per failure; `--version`; examples in every command's help;
`role grant` asks for a scope; `invite` names the links it replaces; links.csv opens in Excel."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path

import pytest

from bot.cli import build_app, main
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from handlers.i18n import catalog_messages
from tests.integration.sample_data import NURSE, SAMPLE

UNKNOWN_NIP = "190001012000011999"
KEYS = set(catalog_messages("id"))
NAMESPACES = sorted({key.split(".")[0] for key in KEYS})
KEY_LIKE = re.compile(r"\b(?:" + "|".join(NAMESPACES) + r")\.[a-z_]+(?:\.[a-zA-Z_]+)*\b")
INDONESIAN_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip


@pytest.fixture
def agency_db(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "agency.sqlite3"
    shutil.copyfile(sqlite_template, path)

    async def seed() -> None:
        engine = create_engine(f"sqlite:///{path}")
        try:
            async with make_uow_factory(engine)() as uow:
                await SAMPLE.write(uow)
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return path


def run_main(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    **env: str,
) -> tuple[int, str, str]:
    """`mutasi ARGS` through the console entry point, in-process."""
    import os

    for key in [k for k in os.environ if k.startswith("MUTASI_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["mutasi", *args])
    code = 0
    try:
        main()
    except SystemExit as stop:
        code = int(stop.code or 0) if not isinstance(stop.code, str) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_paths(tmp: Path) -> list[tuple[list[str], dict[str, str]]]:
    bad_units = tmp / "units.csv"
    bad_units.write_text("kode,nama,opd,lat,lon\nSD-1,,Disdik,-97.2,110.1\n", encoding="utf-8")
    bad_instance = tmp / "instance.json"
    bad_instance.write_text('{"format": "mutasi-instance/1", "units": 3}', encoding="utf-8")
    unreachable = {"MUTASI_DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x?sslmode=prefer"}
    return [
        (["import", "units", str(tmp / "missing.csv")], {}),
        (["import", "units", str(bad_units)], {}),
        (["demo", "--database", "mysql://x"], {}),
        (["invite", "--bot-username", "b"], {}),
        (["invite", "--nip", UNKNOWN_NIP, "--bot-username", "b"], {}),
        (["invite", "--unit", "NOPE", "--bot-username", "b"], {}),
        (["role", "grant", UNKNOWN_NIP, "admin"], {}),
        (["role", "grant", NURSE.nip, "supervisor"], {}),
        (["role", "grant", NURSE.nip, "boss", "--scope", "all"], {}),
        (["role", "grant", NURSE.nip, "asn", "--scope", "all"], {}),
        (["role", "grant", NURSE.nip, "approver", "--scope", "NOPE"], {}),
        (["role", "revoke", UNKNOWN_NIP, "admin"], {}),
        (["account", "unbind", UNKNOWN_NIP], {}),
        (["serve"], {}),
        (["solve", str(tmp / "missing.json")], {}),
        (["solve", str(bad_instance)], {}),
        (["bench", "--sizes", "Q"], {}),
        (["rebalance", "--time-limit", "0"], {}),
        (["export", "sk", "--plan", "99", "--out", str(tmp / "sk.xlsx")], {}),
        (["export", "sk", "--plan", "1", "--out", str(tmp / "sk.txt")], {}),
        (["export", "plan", "--plan", "99", "--out", str(tmp / "plan.xlsx")], {}),
        (["export", "plan", "--plan", "1", "--out", str(tmp / "plan.csv")], {}),
        (["health"], {}),
        (["db", "upgrade"], unreachable),
        (["health"], {"MUTASI_WORK_DAYS": "senin"}),
        (["spmt", "999", "--admin", UNKNOWN_NIP], {}),
        (["surat-menteri", "999", "--nomor", "1", "--tanggal", "kemarin", "--admin", "x"], {}),
        (["surat-menteri", "999", "--nomor", "1", "--tanggal", "2026-12-01", "--admin", "x"], {}),
        (["invite", "--all", "--bot-username", "b"], {"MUTASI_APPROVAL_CHAIN": ""}),
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_error_path_speaks_one_language_without_raw_keys(
    agency_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for args, env in error_paths(tmp_path):
        values = {"MUTASI_DATABASE_URL": f"sqlite:///{agency_db}", **env}
        code, out, err = run_main(monkeypatch, capsys, ["--lang", language, *args], **values)
        said = out + err
        assert code != 0, (args, said)
        assert KEY_LIKE.search(said) is None, (args, said)
        assert "Traceback" not in said, (args, said)
        errors = [line for line in said.splitlines() if line.startswith(("galat:", "error:"))]
        if errors:
            assert errors[0].startswith("galat:" if language == "id" else "error:"), said
        if language == "en":
            assert "galat" not in said and "tidak" not in said, (args, said)


def test_the_key_detector_would_see_a_raw_key() -> None:
    assert KEY_LIKE.search("error: error.not_found: nip=1") is not None
    assert KEY_LIKE.search("units.csv: 3 dibuat") is None


def test_version_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(monkeypatch, capsys, ["--version"])
    assert code == 0 and re.fullmatch(r"mutasi-bot \S+\n", out)


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import typer.main

    click_group = typer.main.get_command(group)  # type: ignore[arg-type]
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(click_group, prefix)
    return found


def test_every_command_has_examples_and_no_bool_placeholders() -> None:
    from typer.testing import CliRunner

    app = build_app()
    commands = _commands(app)
    assert ("invite",) in commands and ("role", "grant") in commands and len(commands) >= 14
    for command in commands:
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Contoh / examples:" in result.output, command
        assert "<bool>" not in result.output and "BOOLEAN" not in result.output, command
        assert "mutasi " + " ".join(command) in result.output, command


def test_supervisor_and_approver_grants_need_a_scope_and_change_nothing_without(
    agency_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{agency_db}"
    code, _, err = run_main(
        monkeypatch, capsys, ["role", "grant", NURSE.nip, "supervisor"], MUTASI_DATABASE_URL=url
    )
    assert code == 2 and "--scope" in err

    async def grants() -> list[object]:
        engine = create_engine(url)
        try:
            async with make_uow_factory(engine)() as uow:
                return list(await uow.roles.list_for(NURSE.nip))
        finally:
            await engine.dispose()

    assert asyncio.run(grants()) == []
    code, out, _ = run_main(
        monkeypatch,
        capsys,
        ["role", "grant", NURSE.nip, "supervisor", "--scope", "PKM-A"],
        MUTASI_DATABASE_URL=url,
    )
    assert code == 0 and "supervisor" in out and "PKM-A" in out
    assert len(asyncio.run(grants())) == 1


def test_invite_prints_one_persons_link_and_names_the_links_it_replaces(
    agency_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{agency_db}"
    args = ["invite", "--nip", NURSE.nip, "--bot-username", "dinas_bot"]
    code, first, _ = run_main(monkeypatch, capsys, args, MUTASI_DATABASE_URL=url)
    assert code == 0
    assert NURSE.name in first and "https://t.me/dinas_bot?start=" in first
    assert "diganti" not in first
    code, second, _ = run_main(monkeypatch, capsys, args, MUTASI_DATABASE_URL=url)
    assert code == 0
    replaced = [line for line in second.splitlines() if "diganti" in line]
    assert len(replaced) == 1 and replaced[0].startswith("1 tautan lama")
    assert f"{NURSE.name} ({NURSE.nip})" in replaced[0]

    links = tmp_path / "links.csv"
    code, out, _ = run_main(
        monkeypatch,
        capsys,
        ["invite", "--unit", "PKM-A", "--bot-username", "dinas_bot", "--out", str(links)],
        MUTASI_DATABASE_URL=url,
    )
    assert code == 0 and "diganti" in out
    raw = links.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = raw.decode("utf-8-sig").splitlines()
    assert rows[0] == "nip,nama,kode_unit,tautan,berlaku_sampai"
    expiry = rows[1].rsplit(",", 1)[1]
    day, month, year, clock, zone = expiry.split()
    assert month in INDONESIAN_MONTHS and zone == "WIB" and re.fullmatch(r"\d\d\.\d\d", clock)
