"""The right database, or a clear stop: libpq's URL parameters work with asyncpg (SSL
included), an unreachable server is one line naming host and port, and `serve` refuses a
database without an imported agency, naming it with the password masked."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import DatabaseUrlError, asyncpg_connect_args, create_engine, masked_url
from tests.conftest import PostgresServer, _free_port

MUTASI = str(Path(sys.executable).with_name("mutasi"))


def test_libpq_parameters_become_asyncpg_arguments_and_leave_the_url() -> None:
    url = make_url(
        "postgresql+asyncpg://u:p@db.example:5432/mutasi?sslmode=require"
        "&connect_timeout=7&application_name=mutasi-bot&target_session_attrs=read-write"
    )
    bare, args = asyncpg_connect_args(url)
    assert dict(bare.query) == {}
    assert args["timeout"] == 7.0
    assert args["server_settings"] == {"application_name": "mutasi-bot"}
    assert args["target_session_attrs"] == "read-write"
    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext) or context == "require"


def test_each_sslmode_maps_to_what_asyncpg_understands() -> None:
    for mode in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
        _, args = asyncpg_connect_args(make_url(f"postgresql+asyncpg://h/db?sslmode={mode}"))
        assert args["ssl"] == mode
    with pytest.raises(DatabaseUrlError, match="sslmode"):
        asyncpg_connect_args(make_url("postgresql+asyncpg://h/db?sslmode=yes"))


def test_a_root_certificate_makes_a_verifying_context(postgres_server: PostgresServer) -> None:
    assert postgres_server.ssl_root_cert is not None, "openssl is needed for the SSL tests"
    cert = postgres_server.ssl_root_cert
    for mode, checks_name in (("verify-full", True), ("verify-ca", False), ("require", False)):
        _, args = asyncpg_connect_args(
            make_url(f"postgresql+asyncpg://h/db?sslmode={mode}&sslrootcert={cert}")
        )
        context = args["ssl"]
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is checks_name


def test_the_password_is_masked_when_a_url_is_shown() -> None:
    shown = masked_url("postgresql://mutasi:s3cr3t@db.example:5432/mutasi?sslmode=require")
    assert "s3cr3t" not in shown
    assert shown.startswith("postgresql://mutasi:***@db.example:5432/mutasi")


async def _ssl_in_use(url: str) -> tuple[bool, str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT ssl, current_setting('application_name') FROM pg_stat_ssl "
                        "WHERE pid = pg_backend_pid()"
                    )
                )
            ).one()
            return bool(row[0]), str(row[1])
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "encrypted"),
    [
        ("sslmode=disable", False),
        ("sslmode=prefer&connect_timeout=5", True),
        ("sslmode=require&application_name=mutasi-bot", True),
        ("sslmode=verify-full&sslrootcert={cert}", True),
        ("sslmode=verify-ca&sslrootcert={cert}", True),
    ],
)
async def test_libpq_urls_connect_to_a_real_server_with_and_without_ssl(
    postgres_server: PostgresServer, query: str, encrypted: bool
) -> None:
    assert postgres_server.ssl_root_cert is not None, "openssl is needed for the SSL tests"
    base = postgres_server.url("postgres")
    url = f"{base}?{query.format(cert=postgres_server.ssl_root_cert)}"
    in_use, name = await _ssl_in_use(url)
    assert in_use is encrypted
    if "application_name" in query:
        assert name == "mutasi-bot"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUTASI_")}
    return subprocess.run(
        [MUTASI, *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unreachable_database_is_one_line_naming_host_and_port(tmp_path: Path) -> None:
    port = _free_port()
    result = _cli(
        "db",
        "upgrade",
        cwd=tmp_path,
        MUTASI_DATABASE_URL=f"postgresql://mutasi:hunter2@127.0.0.1:{port}/mutasi?sslmode=prefer",
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("galat: database di 127.0.0.1:") and f":{port}/mutasi" in lines[0]
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_the_same_stop_in_english(tmp_path: Path) -> None:
    port = _free_port()
    result = _cli(
        "--lang",
        "en",
        "health",
        cwd=tmp_path,
        MUTASI_DATABASE_URL=f"postgresql://u@127.0.0.1:{port}/x",
    )
    assert result.returncode == 1
    assert f"cannot reach the database at 127.0.0.1:{port}/x" in result.stdout


@pytest.mark.postgres
def test_require_against_a_server_without_ssl_says_ssl_failed(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    # A certificate that does not sign the server's: the handshake fails verification.
    other = tmp_path / "other.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-keyout", str(tmp_path / "k"), "-out", str(other),
         "-days", "1", "-subj", "/CN=other"],
        check=True, capture_output=True,
    )  # fmt: skip
    url = f"{postgres_server.url('postgres')}?sslmode=verify-full&sslrootcert={other}"
    result = _cli("db", "upgrade", cwd=tmp_path, MUTASI_DATABASE_URL=url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("galat: koneksi SSL ke database di "), lines


@pytest.mark.postgres
def test_serve_refuses_a_database_without_an_agency_naming_it_with_the_password_masked(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    name = postgres_server.create_database()
    try:
        url = (
            f"postgresql://{postgres_server.user}:hunter2@{postgres_server.host}:"
            f"{postgres_server.port}/{name}?sslmode=prefer"
        )
        result = _cli(
            "serve", cwd=tmp_path, MUTASI_DATABASE_URL=url, MUTASI_BOT_TOKEN="111:UNUSED-token"
        )
    finally:
        postgres_server.drop_database(name)
    assert result.returncode != 0
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"galat: database postgresql://{postgres_server.user}:***@")
    assert f"/{name}" in line and "0 unit, 0 pegawai" in line
    assert "hunter2" not in result.stderr


def test_serve_in_the_wrong_directory_does_not_create_an_empty_database(tmp_path: Path) -> None:
    result = _cli(
        "serve",
        cwd=tmp_path,
        MUTASI_DATABASE_URL="sqlite:///mutasi.sqlite3",
        MUTASI_BOT_TOKEN="111:UNUSED-token",
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("galat: berkas database ") and "mutasi.sqlite3 belum ada" in last
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "mutasi.sqlite3").exists()


@pytest.mark.postgres
def test_a_backup_connects_with_the_urls_ssl_parameters(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    from db.backup import pg_tool

    assert pg_tool("pg_dump") is not None, "pg_dump comes with the PostgreSQL server packages"
    other = tmp_path / "other.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-keyout", str(tmp_path / "k"), "-out", str(other),
         "-days", "1", "-subj", "/CN=other"],
        check=True, capture_output=True,
    )  # fmt: skip
    name = postgres_server.create_database()
    try:
        base = postgres_server.url(name)
        _cli("db", "upgrade", cwd=tmp_path, MUTASI_DATABASE_URL=base)
        trusted = f"{base}?sslmode=verify-full&sslrootcert={postgres_server.ssl_root_cert}"
        good = _cli("db", "backup", str(tmp_path / "ok.dump"), cwd=tmp_path,
                    MUTASI_DATABASE_URL=trusted)  # fmt: skip
        assert good.returncode == 0, good.stderr
        assert (tmp_path / "ok.dump").stat().st_size > 0
        wrong = f"{base}?sslmode=verify-full&sslrootcert={other}"
        bad = _cli("db", "backup", str(tmp_path / "no.dump"), cwd=tmp_path,
                   MUTASI_DATABASE_URL=wrong)  # fmt: skip
        assert bad.returncode != 0 and "pg_dump failed" in bad.stderr
        assert not (tmp_path / "no.dump").exists()
    finally:
        postgres_server.drop_database(name)
