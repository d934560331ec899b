"""`mutasi rebalance` with the real engine and `mutasi export sk`, on a SQLite file."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import build_app
from core.usecases.approval.decisions import decide
from core.usecases.effect import SK_COLUMNS
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.support.clock import FakeClock
from tests.support.loop_agency import APPROVER, JAKARTA, LOOP_AGENCY, rules


def mutasi(url: str, *args: str) -> str:
    result = CliRunner().invoke(build_app(), list(args), env={"MUTASI_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await LOOP_AGENCY.write_to(make_uow_factory(engine))
    await engine.dispose()


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "cli.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_seed(url))
    return url


def test_dry_run_prints_moves_with_their_numbers_and_stores_nothing(database: str) -> None:
    out = mutasi(database, "rebalance", "--dry-run", "--time-limit", "5")
    assert "Simulasi" in out and "Puskesmas Wonosari I → Puskesmas Playen" in out
    assert "(ABK 2,6)" in out and "Dasar hukum" in out
    out = mutasi(database, "rebalance", "--time-limit", "5")
    assert "Rencana #" in out and "dibuat" in out


async def _approve_first(url: str) -> tuple[int, str]:
    engine = create_engine(url)
    uows = make_uow_factory(engine)
    async with uows() as uow:
        plan = await uow.plans.latest()
        assert plan is not None and plan.id is not None
        first = (await uow.proposals.list_for_plan(plan.id))[0]
    assert first.id is not None
    await decide(
        uows,
        FakeClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)),
        rules().approval,
        proposal_id=first.id,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    await engine.dispose()
    return plan.id, first.nip


def test_plan_preview_for_the_demo_stores_nothing(database: str) -> None:
    from bot.cli_cycle import preview_plan_text
    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=database)  # type: ignore[call-arg]
    text = asyncio.run(preview_plan_text(settings, "en", time_limit=5))
    assert "Simulation" in text and "Puskesmas Playen" in text
    assert "Rencana #" not in mutasi(database, "rebalance", "--dry-run")


def test_export_sk_writes_domain_columns_for_approved_transfers(
    database: str, tmp_path: Path
) -> None:
    mutasi(database, "rebalance", "--time-limit", "5")
    plan_id, nip = asyncio.run(_approve_first(database))
    xlsx, text = tmp_path / "sk.xlsx", tmp_path / "sk.csv"
    written = mutasi(database, "export", "sk", "--plan", str(plan_id), "--out", str(xlsx))
    assert "1 baris draf SK" in written
    mutasi(database, "export", "sk", "--plan", str(plan_id), "--out", str(text))
    sheet = load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == SK_COLUMNS
    assert rows[1][0] == nip and rows[1][6] == "2027-01-01"
    assert rows[1][8] == "Kepala Dinkes"
    with text.open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["nomor_usulan"].startswith("MUT-") and row["unit_lama"] == "Puskesmas Wonosari I"


def test_chart_renders_the_stored_plan_for_a_phone_and_prints_its_caption(
    database: str, tmp_path: Path
) -> None:
    from PIL import Image

    mutasi(database, "rebalance", "--time-limit", "5")
    out = tmp_path / "chart.png"
    printed = mutasi(database, "chart", "--plan", "1", "--out", str(out))
    assert "Rencana mutasi" in printed and "usulan mutasi" in printed
    assert "menunggu keputusan Anda" not in printed  # no reader: no "yours to decide"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size[0] == 840
    english = mutasi(
        database, "chart", "--plan", "1", "--out", str(tmp_path / "en.png"), "--lang", "en"
    )
    assert "Transfer plan" in english
    result = CliRunner().invoke(
        build_app(),
        ["chart", "--plan", "99", "--out", str(out)],
        env={"MUTASI_DATABASE_URL": database},
    )
    assert result.exit_code == 2 and "tidak ada rencana nomor 99" in result.output


def test_chart_refuses_a_missing_folder_or_database_file_before_any_work(
    database: str, tmp_path: Path
) -> None:
    mutasi(database, "rebalance", "--time-limit", "5")
    nowhere = tmp_path / "tidak-ada" / "grafik.png"
    result = CliRunner().invoke(
        build_app(),
        ["chart", "--plan", "1", "--out", str(nowhere)],
        env={"MUTASI_DATABASE_URL": database},
    )
    assert result.exit_code == 2, result.output
    assert f"folder {nowhere.parent} tidak ada" in result.output
    assert "Traceback" not in result.output and not nowhere.parent.exists()

    missing = tmp_path / "belum-ada.sqlite3"
    result = CliRunner().invoke(
        build_app(),
        ["chart", "--plan", "1", "--out", str(tmp_path / "grafik.png")],
        env={"MUTASI_DATABASE_URL": f"sqlite+aiosqlite:///{missing}"},
    )
    assert result.exit_code == 2, result.output
    assert f"berkas database {missing} belum ada" in result.output
    assert not missing.exists() and not (tmp_path / "grafik.png").exists()
