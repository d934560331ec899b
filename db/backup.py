"""Backups of the whole database, and restoring one.

* SQLite: SQLite's online backup API (`sqlite3.Connection.backup`), page by page, consistent
  even while the bot is running; the backup is itself a SQLite file. Restoring copies it back
  with the same API.
* PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`
  (PostgreSQL's client tools, which must be installed, at least the server's major version).
  Without them: BackupError saying what to install.

Errors are BackupError with one line for the operator (never the password).
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from db.engine import normalise_url

#: libpq URL parameters and the environment variables libpq reads for them.
LIBPQ_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore could not be made; the message is one line."""


def _url(database_url: str) -> URL:
    return make_url(normalise_url(database_url))


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def default_backup_path(database_url: str, reason: str, now: dt.datetime) -> Path:
    """Where an automatic backup goes: beside the SQLite file, or in the working directory for
    PostgreSQL; the name says when and why (e.g. `mutasi-backup-20261130T0101Z-downgrade`)."""
    url = _url(database_url)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        return path.with_name(f"{path.stem}-backup-{stamp}-{reason}{path.suffix or '.sqlite3'}")
    return Path(f"mutasi-backup-{stamp}-{reason}.pgdump")


def backup(database_url: str, target: Path) -> Path:
    """Write a full backup of the database to TARGET (refuses to overwrite); returns TARGET."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose another file name")
    url = _url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"the SQLite database {source_path} does not exist")
        _sqlite_copy(source_path, target)
        return target
    try:
        _pg_run("pg_dump", url, ["--format=custom", "--no-owner", f"--file={target}"])
    except BackupError:
        target.unlink(missing_ok=True)  # a failed pg_dump may leave a file that is no backup
        raise
    return target


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database SOURCE over TARGET with SQLite's online backup."""
    from_db = sqlite3.connect(source)
    try:
        to_db = sqlite3.connect(target)
        try:
            from_db.backup(to_db)
        finally:
            to_db.close()
    finally:
        from_db.close()


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in SOURCE (made by `backup`)."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    url = _url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        _sqlite_copy(source, _sqlite_path(url))
        return
    with source.open("rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise BackupError(f"{source} is not a PostgreSQL backup made by `mutasi db backup`")
    _pg_run(
        "pg_restore",
        url,
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
    )


def _check_sqlite_backup(source: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            names = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        raise BackupError(f"{source} is not a SQLite backup made by `mutasi db backup`") from None
    if "alembic_version" not in names:
        raise BackupError(f"{source} is not a mutasi database backup (no schema version in it)")


def pg_tool(name: str) -> str | None:
    """The path of a PostgreSQL client tool: on PATH, else the newest of Debian's versioned
    directories (`/usr/lib/postgresql/<major>/bin`); None when not installed."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path))

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        tool = Path(candidate, name)
        if tool.exists():
            return str(tool)
    return None


def _pg_run(tool_name: str, url: URL, arguments: list[str]) -> None:
    tool = pg_tool(tool_name)
    if tool is None:
        raise BackupError(
            f"{tool_name} is not installed: install PostgreSQL's client tools (Debian/Ubuntu: "
            "apt-get install postgresql-client, the server's major version or newer)"
        )
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # The URL's libpq parameters (sslmode, sslrootcert, …) reach pg_dump/pg_restore as libpq's
    # own environment variables, so a backup connects exactly as the bot does.
    for name, variable in LIBPQ_ENVIRONMENT.items():
        value = url.query.get(name)
        if isinstance(value, str):
            env[variable] = value
    command = [tool, "--dbname", str(url.database or "")]
    if url.host:
        command += ["--host", url.host]
    if url.port:
        command += ["--port", str(url.port)]
    if url.username:
        command += ["--username", url.username]
    result = subprocess.run(
        [*command, "--no-password", *arguments], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        detail = next((line for line in result.stderr.splitlines() if line.strip()), "no message")
        raise BackupError(f"{tool_name} failed: {detail}")
