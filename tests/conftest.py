"""Shared fixtures: real databases for integration tests.

- `postgres_server` (session): a throwaway PostgreSQL cluster (initdb + pg_ctl) on a free
  loopback port. Missing server binaries FAIL the tests that need it; CI installs them.
- `database_backend` is parametrised over "sqlite" and "postgresql" (ids `[sqlite]`,
  `[postgresql]`); every fixture below that depends on it runs each test on both.
- `database_url`: an empty database of its own; `migrated_database_url`: one at the newest
  schema with every table empty (SQLite: a copy of a file migrated once per session;
  PostgreSQL: one database migrated once per session, emptied before each test).
- `engine`, `sessions`, `uow_factory`: the app's own objects over the migrated database.
- `sqlite_uow_factory`: SQLite only, for tests that need a real database but not both.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.ports import UnitOfWorkFactory
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.rows import TABLE_NAMES
from db.uow import uow_factory as make_uow_factory

#: The end-to-end fixtures (`runtime`, `loop`) of the one harness.
pytest_plugins = ["tests.support.e2e"]

POSTGRES_USER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway PostgreSQL cluster reachable over TCP on 127.0.0.1 (trust auth)."""

    bin_dir: Path
    host: str
    port: int
    user: str
    major_version: int
    #: The server's self-signed certificate (SSL is on; plain connections are accepted too).
    ssl_root_cert: Path | None = None

    def url(self, database: str) -> str:
        """The asyncpg URL of one database on this server."""
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one admin statement with psql (outside any transaction)."""
        subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )

    def create_database(self, template: str = "template0") -> str:
        """A new empty (or template-copied) database; returns its name."""
        name = f"test_{uuid.uuid4().hex[:16]}"
        # FILE_COPY (PostgreSQL 15+) copies a small template several times faster than WAL_LOG.
        strategy = " STRATEGY FILE_COPY" if self.major_version >= 15 else ""
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database even if a connection was left open."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_bin_dir() -> Path:
    """The directory holding initdb/pg_ctl/psql: PATH first, then Debian's versioned dirs."""
    found = shutil.which("initdb")
    if found:
        directory = Path(found).resolve().parent
        if (directory / "pg_ctl").exists():
            return directory

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path))

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
        "/usr/lib/postgresql/*/bin: install the `postgresql` package (CI does).",
        pytrace=False,
    )


def _major_version(bin_dir: Path) -> int:
    """The server's major version, from `postgres --version` ("postgres (PostgreSQL) 15.18")."""
    output = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> tuple[list[str], int | None, int | None]:
    """initdb and postgres refuse to run as root: run them as an unprivileged account."""
    if os.geteuid() != 0:
        return command, None, None
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", name, "--", *command], account.pw_uid, account.pw_gid
        return (
            ["su", name, "-s", "/bin/sh", "-c", " ".join(command)],
            account.pw_uid,
            account.pw_gid,
        )
    pytest.fail("running as root and no `postgres` or `nobody` account to run PostgreSQL as")


def _run_server_command(command: list[str]) -> None:
    wrapped, _, _ = _as_server_user(command)
    result = subprocess.run(wrapped, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{command[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def _self_signed_certificate(root: Path, uid: int | None, gid: int | None) -> Path | None:
    """A certificate for 127.0.0.1 and its key in ROOT (owned by the server's account), made
    with openssl; None when openssl is missing (the server then runs without SSL)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    certificate, key = root / "server.crt", root / "server.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", str(key),
            "-out", str(certificate), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    if uid is not None and gid is not None:
        for path in (certificate, key):
            os.chown(path, uid, gid)
    return certificate


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster for this test session, removed at the end."""
    bin_dir = _postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="mutasi-pg-"))
    _, uid, gid = _as_server_user(["true"])
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
    data = root / "data"
    log = root / "server.log"
    started = False
    try:
        _run_server_command(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                POSTGRES_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        certificate = _self_signed_certificate(root, uid, gid)
        ssl_options = (
            f" -c ssl=on -c ssl_cert_file={certificate} -c ssl_key_file={root / 'server.key'}"
            if certificate
            else ""
        )
        for _attempt in range(3):
            port = _free_port()
            options = (
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F "
                "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
                + ssl_options
            )
            try:
                _run_server_command(
                    [
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-l",
                        str(log),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        options,
                        "start",
                    ]
                )
            except RuntimeError:
                continue  # the port was taken between probing and binding: try another
            started = True
            break
        if not started:
            server_log = log.read_text() if log.exists() else "(no log)"
            pytest.fail(f"PostgreSQL did not start:\n{server_log}", pytrace=False)
        yield PostgresServer(
            bin_dir=bin_dir,
            host="127.0.0.1",
            port=port,
            user=POSTGRES_USER,
            major_version=_major_version(bin_dir),
            ssl_root_cert=certificate,
        )
    finally:
        if started:
            _run_server_command(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_shared_database(postgres_server: PostgresServer) -> str:
    """One database at the newest schema for the session; emptied before each test using it
    (TRUNCATE takes ~40 ms where copying a template database takes ~300 ms)."""
    name = postgres_server.create_database()
    upgrade(postgres_server.url(name))
    return name


def _empty_all_tables(server: PostgresServer, database: str) -> None:
    """Drop leftover connections (they would block TRUNCATE), then empty every table."""
    tables = ", ".join(f'"{name}"' for name in TABLE_NAMES)
    server.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid(); "
        f"TRUNCATE {tables} RESTART IDENTITY CASCADE",
        database=database,
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; every dependant runs on both."""
    return str(request.param)


@pytest.fixture
def database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """An empty database (no tables) on the parametrised backend."""
    if database_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def migrated_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A fresh database at the newest schema on the parametrised backend."""
    if database_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "mutasi.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name: str = request.getfixturevalue("postgres_shared_database")
    _empty_all_tables(server, name)
    yield server.url(name)


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """The application's engine over a migrated database; disposed after the test."""
    built = create_engine(migrated_database_url)
    try:
        yield built
    finally:
        await built.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The application's session factory over the migrated database."""
    return session_factory(engine)


@pytest.fixture
def uow_factory(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    """Units of work over a migrated database, on SQLite and on PostgreSQL."""
    return make_uow_factory(sessions)


@pytest.fixture
async def sqlite_uow_factory(
    sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work over a migrated SQLite file (for tests that need one real backend)."""
    path = tmp_path / "mutasi-sqlite-only.sqlite3"
    shutil.copyfile(sqlite_template, path)
    built = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        yield make_uow_factory(built)
    finally:
        await built.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against the real PostgreSQL server and over the HTTP emulator."""

    def count(marker: str, outcome: str) -> int:
        return sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if getattr(report, "when", "call") == "call" and marker in report.nodeid
        )

    postgres_passed, postgres_failed = (
        count("[postgresql]", "passed"),
        count("[postgresql]", "failed"),
    )
    e2e_passed = count("tests/e2e/", "passed")
    e2e_failed = count("tests/e2e/", "failed")
    terminalreporter.write_line(
        f"PostgreSQL tests: {postgres_passed} passed, {postgres_failed} failed; "
        f"end-to-end (HTTP Bot API emulator): {e2e_passed} passed, {e2e_failed} failed"
    )


# --- the token-leak watch over the whole session (tests/leak_watch.py) -----------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start watching every log record, error and CLI/subprocess output for a bot token."""
    from tests import leak_watch

    leak_watch.start(session)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Search each test phase's error text and captured output."""
    from tests import leak_watch

    leak_watch.report(report)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when a bot token was seen anywhere."""
    from tests import leak_watch

    leaks = leak_watch.finish(session)
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in leaks:
        if reporter is not None:
            reporter.write_line(f"TOKEN LEAK: {line}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
