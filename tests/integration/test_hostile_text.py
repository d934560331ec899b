"""Text the database or Telegram refuses, at the file and command-line edges, on SQLite and
PostgreSQL: imports name line and column and change nothing; a command-line argument that is
not valid text is one line; database errors never carry the statement's parameters."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.engine import create_engine
from tests.integration.test_import_files import cli, small_agency_files, snapshot

MUTASI = str(Path(sys.executable).with_name("mutasi"))


@pytest.mark.parametrize(("bad", "shown"), [("\x00", "U+0000"), ("\x07", "U+0007")])
def test_an_import_with_a_control_character_names_line_and_column_and_changes_nothing(
    migrated_database_url: str, tmp_path: Path, bad: str, shown: str
) -> None:
    files = small_agency_files(tmp_path)
    assert cli(migrated_database_url, "import", "units", str(files.units))[0] == 0
    with files.employees.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    name = rows[0].index("nama")
    rows[3][name] = rows[3][name][:4] + bad + rows[3][name][4:]  # line 4
    hostile = tmp_path / "pegawai.csv"
    with hostile.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before = snapshot(migrated_database_url)
    code, output = cli(migrated_database_url, "import", "employees", str(hostile))
    assert code != 0
    assert f"baris 4, kolom nama: karakter {shown} tidak boleh ada dalam teks" in output
    assert snapshot(migrated_database_url) == before
    code, output = cli(migrated_database_url, "import", "employees", str(hostile), "--lang", "en")
    assert f"line 4, column nama: the character {shown} is not allowed in text" in output


def test_a_command_line_argument_that_is_not_text_is_one_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "cli.sqlite3"
    result = subprocess.run(
        [MUTASI.encode(), b"account", b"unbind", b"19900101\xff2015031001"],
        capture_output=True,
        env={"MUTASI_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "galat: argumen 3 berisi karakter U+DCFF (bukan teks yang sah); tidak ada yang berubah"
    ]
    assert not database.exists()


def test_database_errors_never_show_the_statement_parameters(migrated_database_url: str) -> None:
    secret_nip = "199001012015031999"

    async def fail() -> str:
        engine = create_engine(migrated_database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO telegram_accounts "
                        "(telegram_user_id, nip, language, chat_id, blocked) "
                        "VALUES (1, :nip, 'id', NULL, false)"
                    ),
                    {"nip": secret_nip},
                )
        except DBAPIError as error:
            return str(error)
        finally:
            await engine.dispose()
        raise AssertionError("the foreign key should have refused the row")

    message = asyncio.run(fail())
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert "[parameters:" not in message
    # PostgreSQL's own DETAIL line may still echo a key's value: that is why the bot's logs
    # withhold exception messages altogether (tests/e2e/test_logs_without_personal_data.py).
