"""`mutasi demo`: a sample kabupaten in a fresh SQLite file, and the ABK gaps it shows."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from core.ports import UnitOfWorkFactory
from core.views.staffing_gaps import StaffingSummary, read_staffing_summary
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.conftest import PostgresServer


def run_cli(database: Path, *args: str) -> tuple[int, str]:
    """The real CLI, in-process, on DATABASE (MUTASI_DATABASE_URL, or the demo's --database)."""
    url = f"sqlite:///{database}"
    extra = ["--database", url] if args and args[0] == "demo" else []
    result = CliRunner().invoke(build_app(), [*args, *extra], env={"MUTASI_DATABASE_URL": url})
    return result.exit_code, result.output


def read_back(database: Path) -> tuple[StaffingSummary, int, int, int]:
    """The staffing summary, employee, aspiration and role-grant counts stored in DATABASE."""

    async def read() -> tuple[StaffingSummary, int, int, int]:
        engine = create_engine(f"sqlite:///{database}")
        try:
            factory: UnitOfWorkFactory = make_uow_factory(engine)
            summary = await read_staffing_summary(factory)
            async with factory() as uow:
                people = await uow.employees.list()
                aspirations = [await uow.aspirations.current_for(p.nip) for p in people]
                grants = await uow.roles.list_by_role("supervisor")
            return summary, len(people), sum(a is not None for a in aspirations), len(grants)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_demo_builds_a_size_s_agency_and_names_over_and_under_staffed_units(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    code, output = run_cli(
        database, "demo", "--size", "S", "--seed", "3", "--data-dir", str(tmp_path / "files")
    )
    assert code == 0, output
    summary, people, aspirations, heads = read_back(database)
    assert 500 <= people <= 700
    assert aspirations >= 50 and heads >= 20
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == [
        "activities.csv", "employees.csv", "jabatan.csv", "units.csv",
    ]  # fmt: skip
    assert "jabatan.csv: 20 dibuat, 0 diperbarui, 0 tidak berubah" in output
    assert f"employees.csv: {people} dibuat, 0 diperbarui, 0 tidak berubah" in output
    over_part, under_part = output.split("Kekurangan pegawai menurut ABK")
    assert "Kelebihan pegawai menurut ABK" in over_part
    worst_over, worst_under = summary.over[0], summary.under[0]
    assert worst_over.surplus >= 2 and worst_under.surplus <= -2
    first_over_row = next(line for line in over_part.splitlines() if worst_over.unit_code in line)
    assert worst_over.jabatan[:20] in first_over_row
    assert f"{worst_over.surplus:+.2f}".replace(".", ",") in first_over_row
    first_under_row = next(
        line for line in under_part.splitlines() if worst_under.unit_code in line
    )
    assert f"{worst_under.surplus:+.2f}".replace(".", ",") in first_under_row
    assert f"Total: {people} pegawai" in output


def test_running_the_demo_again_replaces_the_previous_demo_instead_of_adding_to_it(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    files = str(tmp_path / "files")
    assert run_cli(database, "demo", "--seed", "3", "--data-dir", files)[0] == 0
    first = read_back(database)
    code, output = run_cli(database, "demo", "--seed", "4", "--data-dir", files, "--lang", "en")
    assert code == 0, output
    assert output.startswith("Previous demo data removed.")
    assert "Over their ABK need" in output and "Under their ABK need" in output
    assert run_cli(database, "demo", "--seed", "3", "--data-dir", files)[0] == 0
    again = read_back(database)
    assert again[1:] == first[1:]
    assert again[0] == first[0]


def test_the_demo_writes_xlsx_files_that_go_through_the_same_import(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    code, output = run_cli(database, "demo", "--format", "xlsx", "--data-dir", str(tmp_path))
    assert code == 0, output
    assert "units.xlsx: " in output and "employees.xlsx: " in output
    assert read_back(database)[1] >= 500


def test_the_demo_refuses_a_database_that_holds_real_data_and_leaves_it_alone(
    tmp_path: Path,
) -> None:
    database = tmp_path / "agency.sqlite3"
    units = tmp_path / "units.csv"
    units.write_text("kode,nama,opd,lat,lon\nSD-1,SD Negeri 1,Disdik,-7.2,110.1\n", "utf-8")
    assert run_cli(database, "db", "upgrade")[0] == 0
    assert run_cli(database, "import", "units", str(units))[0] == 0
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    code, output = run_cli(database, "demo", "--data-dir", str(tmp_path / "files"))
    assert code != 0
    assert "--database" in output
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest


def test_the_demo_uses_its_own_file_and_never_the_agency_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = tmp_path / "agency.sqlite3"
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        build_app(),
        ["demo", "--data-dir", str(tmp_path / "files")],
        env={"MUTASI_DATABASE_URL": f"sqlite:///{agency}"},
    )
    assert result.exit_code == 0, result.output
    assert not agency.exists()
    assert read_back(tmp_path / "mutasi-demo.sqlite3")[1] >= 500


@pytest.mark.postgres
def test_the_demo_runs_and_reruns_on_postgresql(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    try:
        env = {"MUTASI_DATABASE_URL": url}
        args = ["demo", "--seed", "5", "--data-dir", str(tmp_path), "--database", url]
        first = CliRunner().invoke(build_app(), args, env=env)
        assert first.exit_code == 0, first.output
        second = CliRunner().invoke(build_app(), args, env=env)
        assert second.exit_code == 0, second.output
        assert second.output.startswith("Data demo sebelumnya dihapus.")
        assert second.output.split("\n", 1)[1] == first.output
    finally:
        postgres_server.drop_database(name)


def test_the_demo_runs_the_nightly_plan_and_shows_each_move_with_its_reasons(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    code, output = run_cli(database, "demo", "--seed", "5", "--data-dir", str(tmp_path / "f"))
    assert code == 0, output

    async def stored_plan() -> tuple[int, list[tuple[str, str, str]]]:
        engine = create_engine(f"sqlite:///{database}")
        try:
            async with make_uow_factory(engine)() as uow:
                plan = await uow.plans.latest()
                assert plan is not None and plan.id is not None
                proposals = await uow.proposals.list_for_plan(plan.id)
                return plan.id, [(p.nip, p.from_unit, p.to_unit) for p in proposals]
        finally:
            await engine.dispose()

    plan_id, moves = asyncio.run(stored_plan())
    assert moves, "the sample agency is uneven on purpose: the plan must move someone"
    assert f"Rencana #{plan_id} dibuat: {len(moves)} usulan" in output
    plan_part = output.split(f"Rencana #{plan_id}", 1)[1]
    first_nip = plan_part.split("NIP ", 1)[1].split()[0]
    assert first_nip in {nip for nip, _, _ in moves}
    # Every shown move carries the numbers behind it: origin and destination against need.
    assert plan_part.count("Unit asal") == plan_part.count("Unit tujuan") >= min(len(moves), 5)
    assert "kebutuhan" in plan_part and "Dasar hukum" in plan_part
