"""The production install of docs/deploy.md, done the way it documents, then started as the
systemd unit starts it, against the Bot API emulator and PostgreSQL over SSL.

1. The tracked files are copied to a fresh directory (a clone without .venv or build files).
2. `make install PREFIX=…` makes the program's own virtual environment and `pip install .`s the
   package into it: not editable, no dev tools. No test may touch the internet, so the new
   environment sees this test run's already installed dependencies through a `.pth` file and
   pip runs with `--no-index --no-build-isolation` (PIP_FLAGS); everything else is as documented.
3. The source copy is deleted: the installed program must not need it.
4. In a state directory elsewhere, with the settings of `deploy/mutasi-bot.env.example`
   (token, database URL with `sslmode`, the emulator as Bot API): `mutasi db upgrade`, the three
   imports (files built here by the sample-agency generator), `role grant … admin`,
   `invite --nip …`; then the unit's ExecStart (`…/bin/mutasi serve`) answers /start CODE with
   the person's registration, `mutasi health` says all is well, and SIGTERM stops it with 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.cli_data import write_agency_files
from bot.sample_agency import generate_sample_agency
from bot.sample_catalogue import load_jabatan_catalogue
from devtools.emulator import BotApiEmulator
from tests.conftest import PostgresServer

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "313131:INSTALL-test-token"
PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"
DEV_TOOLS = ("pytest", "ruff", "mypy", "hypothesis")


def _tracked_files() -> list[str]:
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        return [name for name in listed.decode().split("\0") if name]
    skip = {".venv", ".git", "build", "__pycache__", ".pytest_cache", ".mypy_cache"}
    return [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
    ]


def _copy_clone(target: Path) -> None:
    for name in _tracked_files():
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def _env_example() -> dict[str, str]:
    """KEY=VALUE lines of the shipped environment file (comments skipped)."""
    values = {}
    for line in (ROOT / "deploy/mutasi-bot.env.example").read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _exec_start(prefix: Path) -> list[str]:
    unit = (ROOT / "deploy/mutasi-bot.service").read_text("utf-8")
    command = re.search(r"^ExecStart=(.+)$", unit, re.MULTILINE)
    assert command is not None
    return shlex.split(command.group(1).replace("/opt/mutasi-bot", str(prefix)))


@pytest.mark.postgres
async def test_the_documented_production_install_starts_and_serves(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    assert shutil.which("make"), "make is needed (scripts/install-system-packages installs it)"
    assert postgres_server.ssl_root_cert is not None, "openssl is needed for the SSL server"
    clone, prefix, state = tmp_path / "clone", tmp_path / "opt" / "mutasi-bot", tmp_path / "var"
    _copy_clone(clone)
    state.mkdir()

    # The venv first, so the offline .pth can go in before `make install` installs into it.
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    site = Path(
        subprocess.run(
            [str(prefix / "bin/python"), "-c", PURELIB],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "zz_offline_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run(
        ["make", "install", f"PREFIX={prefix}", f"PYTHON={sys.executable}",
         "PIP_FLAGS=--no-index --no-build-isolation"],
        cwd=clone, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    shutil.rmtree(clone)

    mutasi = prefix / "bin/mutasi"
    version = subprocess.run([str(mutasi), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("mutasi-bot ")
    own = sorted(p.name.lower() for p in site.iterdir())
    assert any(name.startswith("mutasi_bot-") and name.endswith(".dist-info") for name in own)
    assert not [n for n in own if n.startswith(DEV_TOOLS)], own
    assert not [n for n in own if n.startswith("__editable__")], "installed, not editable"
    # The sample agency's jabatan catalogue is package data: the installed program reads its own.
    read = "from bot.sample_catalogue import load_jabatan_catalogue as c; print(len(c()))"
    catalogue = subprocess.run(
        [str(prefix / "bin/python"), "-c", read], capture_output=True, text=True, cwd=state
    )
    assert catalogue.returncode == 0, catalogue.stderr
    assert int(catalogue.stdout) == len(load_jabatan_catalogue())

    database = postgres_server.create_database()
    try:
        await _run_installed(prefix, state, postgres_server, database)
    finally:
        postgres_server.drop_database(database)


async def _run_installed(prefix: Path, state: Path, server: PostgresServer, database: str) -> None:
    mutasi = str(prefix / "bin/mutasi")
    settings = _env_example()
    assert {"MUTASI_BOT_TOKEN", "MUTASI_DATABASE_URL", "MUTASI_TIMEZONE"} <= set(settings)
    assert "sslmode=" in settings["MUTASI_DATABASE_URL"]
    settings["MUTASI_DATABASE_URL"] = (
        f"postgresql://{server.user}:unused-password@{server.host}:{server.port}/{database}"
        f"?sslmode=verify-full&sslrootcert={server.ssl_root_cert}"
    )
    today = dt.datetime.now(dt.UTC).date()
    agency = generate_sample_agency("S", 11, today)
    files = write_agency_files(agency, state / "data", "xlsx")
    admin = agency.employees[0]

    async with BotApiEmulator(TOKEN, bot_username="dinas_mutasi_bot") as emulator:
        settings.update(MUTASI_BOT_TOKEN=TOKEN, MUTASI_BOT_API_URL=emulator.base_url)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
        env = {**clean, **settings}

        async def run(*args: str) -> str:
            # Not subprocess.run: the emulator answers on this event loop.
            done = await asyncio.create_subprocess_exec(
                mutasi, *args, env=env, cwd=state,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(done.communicate(), timeout=300)
            assert done.returncode == 0, (args, out.decode(), err.decode())
            return out.decode()

        await run("db", "upgrade")
        for kind in ("units", "employees", "activities"):
            assert "dibuat" in await run("import", kind, str(files[kind]))
        assert "diberikan" in await run("role", "grant", admin.nip, "admin", "--scope", "all")
        link_text = await run("invite", "--nip", admin.nip)
        found = re.search(r"https://t\.me/dinas_mutasi_bot\?start=([A-Za-z0-9_-]+)", link_text)
        assert found is not None and admin.name in link_text

        process = await asyncio.create_subprocess_exec(
            *_exec_start(prefix),
            env=env,
            cwd=state,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await emulator.wait_for_call("getUpdates", timeout=120)
            person = emulator.user(4242, "Admin BKPSDM")
            await person.send_command("/start", found.group(1))
            await person.wait_for_message(contains=admin.name.split()[0], timeout=60)
            health = await asyncio.create_subprocess_exec(
                mutasi, "health", env=env, cwd=state,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            report, _ = await asyncio.wait_for(health.communicate(), timeout=120)
            assert health.returncode == 0, report.decode()
            process.send_signal(signal.SIGTERM)
            _, log = await asyncio.wait_for(process.communicate(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, log.decode()
        assert "unused-password" not in log.decode()
