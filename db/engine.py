"""Engines and sessions: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) for production."""

from __future__ import annotations

import ssl
from typing import Any, TypedDict

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import Pool

#: How long a SQLite writer waits for another writer's transaction before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def normalise_url(url: str) -> str:
    """The async-driver form of a database URL (sqlite:/// and postgresql:// are accepted)."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, echo: bool = False, poolclass: type[Pool] | None = None
) -> AsyncEngine:
    """An async engine for `url`, configured for the backend (FKs, WAL, pool). Statement
    parameters never appear in its errors or logs (they hold people's data). `poolclass`
    replaces SQLAlchemy's default pool (`NullPool` for one-shot commands such as migrations).
    Raises ValueError for a backend other than SQLite or PostgreSQL."""
    pool = {} if poolclass is None else {"poolclass": poolclass}
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(
            url, in_memory=parsed.database in (None, "", ":memory:"), echo=echo, **pool
        )
    if parsed.get_backend_name() == "postgresql":
        parsed, libpq_args = asyncpg_connect_args(parsed)
        sizes = {"pool_size": 10, "max_overflow": 20} if poolclass is None else {}
        return _create_async_engine(
            parsed,
            echo=echo,
            connect_args=dict(libpq_args),
            hide_parameters=True,
            pool_pre_ping=True,
            pool_recycle=1800,
            **sizes,
            **pool,
        )
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


#: libpq's `sslmode` values; asyncpg takes the same words for its `ssl` argument.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_LIBPQ_SSL_FILES = ("sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl")


class DatabaseUrlError(ValueError):
    """A database URL whose query parameters asyncpg cannot use; the message names the part."""


class AsyncpgConnectArgs(TypedDict, total=False):
    """The keyword arguments of asyncpg's `connect()` that libpq's URL parameters become (each
    present only when its parameter was given)."""

    #: An `sslmode` word, or a context checking the certificates named by `sslrootcert` & co.
    ssl: ssl.SSLContext | str
    timeout: float  # seconds, from `connect_timeout`
    server_settings: dict[str, str]  # `application_name`
    target_session_attrs: str


def asyncpg_connect_args(url: URL) -> tuple[URL, AsyncpgConnectArgs]:
    """URL without libpq's query parameters, and the asyncpg `connect()` arguments for them.

    libpq (psql, pg_dump) reads `?sslmode=…&sslrootcert=…&connect_timeout=…&application_name=…`;
    asyncpg takes `ssl=`, `timeout=` and `server_settings=` instead, and SQLAlchemy passes query
    parameters through unchanged, so `sslmode` would reach asyncpg as an unknown keyword. The
    modes follow libpq's table (PostgreSQL documentation, "SSL Support", 34.19): `require`
    encrypts without checking the certificate unless a root certificate is given (then it checks
    like `verify-ca`), `verify-ca` checks the chain, `verify-full` also the host name.
    """
    query = dict(url.query)
    args: AsyncpgConnectArgs = {}
    mode = _single(query.pop("sslmode", None), "sslmode")
    files = {name: _single(query.pop(name, None), name) for name in _LIBPQ_SSL_FILES}
    if mode is not None and mode not in SSL_MODES:
        raise DatabaseUrlError(f"sslmode={mode!r}: use one of {', '.join(SSL_MODES)}")
    if any(files.values()) and mode not in ("disable", "allow", "prefer"):
        args["ssl"] = _ssl_context(mode or "verify-full", files)
    elif mode is not None:
        args["ssl"] = mode
    timeout = _single(query.pop("connect_timeout", None), "connect_timeout")
    if timeout is not None:
        try:
            args["timeout"] = float(timeout)
        except ValueError:
            raise DatabaseUrlError(f"connect_timeout={timeout!r}: give seconds") from None
    name = _single(query.pop("application_name", None), "application_name")
    if name is not None:
        args["server_settings"] = {"application_name": name}
    attrs = _single(query.pop("target_session_attrs", None), "target_session_attrs")
    if attrs is not None:
        args["target_session_attrs"] = attrs
    return url.set(query=query), args


def _single(value: str | tuple[str, ...] | None, name: str) -> str | None:
    if isinstance(value, tuple):
        raise DatabaseUrlError(f"{name} is given more than once")
    return value


def _ssl_context(mode: str, files: dict[str, str | None]) -> ssl.SSLContext:
    """An SSL context for `require` / `verify-ca` / `verify-full` with libpq's file options."""
    from pathlib import Path

    for name in ("sslrootcert", "sslcert", "sslkey", "sslcrl"):
        path = files.get(name)
        if path and not Path(path).is_file():
            raise DatabaseUrlError(f"{name}: no file {path}")
    root = files.get("sslrootcert")
    context = ssl.create_default_context(cafile=root) if root else ssl.create_default_context()
    if mode == "require" and not root:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode in ("require", "verify-ca"):
        context.check_hostname = False
    revoked = files.get("sslcrl")
    if revoked:
        context.load_verify_locations(revoked)
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    certificate = files.get("sslcert")
    if certificate:
        context.load_cert_chain(
            certificate, files.get("sslkey"), password=files.get("sslpassword")
        )
    return context


def masked_url(url: str) -> str:
    """URL as an operator may see it in a message: the password replaced by ***."""
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return url.rsplit("@", 1)[-1]  # unparsable: nothing before the host is shown
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def where(url: str) -> str:
    """Where a database lives, for one-line messages: `host:port/db` or the SQLite file."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database or ":memory:")
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def _sqlite_engine(
    url: str, *, in_memory: bool, echo: bool, poolclass: type[Pool] | None = None
) -> AsyncEngine:
    """SQLite with foreign keys enforced, WAL for readers beside the writer, a busy timeout."""
    pool = {} if poolclass is None else {"poolclass": poolclass}
    engine = _create_async_engine(
        url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        hide_parameters=True,
        **pool,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (we map rows to dataclasses anyway)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def failure_of(url: str, error: BaseException) -> tuple[str, dict[str, str]] | None:
    """A message key and values for a database that cannot be used, or None for other errors.

    Keys: `db.unreachable` (no server at host:port, a DNS failure, a timeout), `db.refused`
    (login or database refused), `db.ssl` (the TLS handshake failed), `db.url` (a URL asyncpg
    cannot use), `db.sqlite_file` (a SQLite file that cannot be opened), `db.no_schema` (a
    database whose tables were never created: `mutasi db upgrade` was not run). Values: `where`
    (`host:port/db` or the file) and `detail` (one line, without the password).
    """
    import sqlite3

    place = where(url) if _parsable(url) else masked_url(url)
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        detail = " ".join(str(current).split())[:200] or type(current).__name__
        name = type(current).__name__
        module = type(current).__module__
        if isinstance(current, DatabaseUrlError):
            return "db.url", {"where": place, "detail": detail}
        if isinstance(current, ssl.SSLError) or "SSL" in detail and "rejected" in detail:
            return "db.ssl", {"where": place, "detail": detail}
        if module.startswith("asyncpg") and name in (
            "InvalidPasswordError",
            "InvalidAuthorizationSpecificationError",
            "InvalidCatalogNameError",
            "InsufficientPrivilegeError",
        ):
            return "db.refused", {"where": place, "detail": detail}
        if isinstance(current, sqlite3.OperationalError) and "unable to open" in detail:
            return "db.sqlite_file", {"where": place, "detail": detail}
        if (isinstance(current, sqlite3.OperationalError) and "no such table" in detail) or (
            module.startswith("asyncpg") and name == "UndefinedTableError"
        ):
            return "db.no_schema", {"where": place, "detail": detail}
        if isinstance(current, OSError | TimeoutError) and not isinstance(current, ssl.SSLError):
            return "db.unreachable", {"where": place, "detail": detail}
        pending.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])
    return None


def _parsable(url: str) -> bool:
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return False
    return True
