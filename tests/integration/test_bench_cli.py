"""`mutasi bench` (issue 12) runs the real nightly step on the sample agency, on SQLite and on
PostgreSQL, and writes the README tables from its JSON results. Shapes and correctness only:
no time is asserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.nightly import (
    BEGIN_MARKER,
    END_MARKER,
    BenchResults,
    render_tables,
    replace_block,
)
from bot.cli import build_app
from core.domain import Unit
from db.engine import create_engine
from db.migrate import ensure_schema_async
from db.uow import uow_factory

KEEP = Unit("KEEP-ME", "Dinas yang tidak boleh hilang", "Setda", -7.3, 110.1)
README = f"# Mutasi\n\nBefore.\n{BEGIN_MARKER}\n| old table |\n{END_MARKER}\nAfter.\n"


def bench(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["bench", *args])
    return result.exit_code, result.output


@pytest.mark.postgres
def test_bench_measures_every_phase_on_sqlite_and_postgresql_and_writes_the_readme(
    postgres_server: Any, tmp_path: Path
) -> None:
    url = postgres_server.url(postgres_server.create_database())
    readme, out = tmp_path / "README.md", tmp_path / "results.json"
    readme.write_text(README, encoding="utf-8")
    code, output = bench(
        "--sizes",
        "S",
        "--time-limit",
        "5",
        "--postgres-url",
        url,
        "--reference-sizes",
        "",
        "--out",
        str(out),
        "--readme",
        str(readme),
    )
    assert code == 0, output
    results = BenchResults.from_json(out.read_text(encoding="utf-8"))
    assert [(r.size, r.database) for r in results.runs] == [("S", "SQLite"), ("S", "PostgreSQL")]
    for run in results.runs:
        names = [p.name for p in run.phases]
        assert names[0] == "snapshot" and names[-2:] == ["store", "queue"]
        assert all(p.seconds >= 0 and p.peak_mib > 0 for p in run.phases)
        assert run.process_peak_mib >= max(p.peak_mib for p in run.phases) * 0.9
        assert 500 <= run.employees <= 700 and run.units > 20
        # A valid plan: the bound is proven below it, and it improves on the status quo.
        assert run.bound <= run.objective + 1e-6 < run.status_quo
        assert run.moves > 0
    # The same agency and engine on both databases: the same plan's objective.
    assert results.runs[0].objective == pytest.approx(results.runs[1].objective)
    text = readme.read_text(encoding="utf-8")
    assert text == replace_block(README, render_tables(results))
    assert "| old table |" not in text and text.endswith(f"{END_MARKER}\nAfter.\n")
    assert "| S (" in output  # the tables are printed too

    # A second run reloads the bench's own database; the tables can be re-rendered from JSON.
    readme.write_text(README, encoding="utf-8")
    code, output = bench("--from-json", str(out), "--readme", str(readme))
    assert code == 0, output
    assert readme.read_text(encoding="utf-8") == text


def test_bench_refuses_unknown_sizes_a_readme_without_markers_and_foreign_results(
    tmp_path: Path,
) -> None:
    code, output = bench("--sizes", "S,XXL")
    assert code == 2 and "XXL" in output
    results = tmp_path / "results.json"
    results.write_text('{"format": "something-else"}', encoding="utf-8")
    code, output = bench("--from-json", str(results))
    assert code == 2 and "results.json" in output and "mutasi-bench/2" in output
    good = BenchResults(seed=1, time_limit=5.0, cpu_count=2, command="mutasi bench", runs=())
    results.write_text(good.to_json(), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    code, output = bench("--from-json", str(results), "--readme", str(readme))
    assert code == 2 and "mutasi-bench:begin" in output
    assert readme.read_text(encoding="utf-8") == "# no markers\n"


@pytest.mark.postgres
async def test_bench_never_empties_a_database_that_holds_other_data(
    postgres_server: Any, tmp_path: Path
) -> None:
    url = postgres_server.url(postgres_server.create_database())
    await ensure_schema_async(url)
    engine = create_engine(url)
    try:
        async with uow_factory(engine)() as uow:
            await uow.units.upsert(KEEP)
            await uow.commit()
        out = tmp_path / "results.json"
        code, output = bench(
            "--sizes", "S", "--time-limit", "5", "--postgres-url", url, "--reference-sizes", "",
            "--out", str(out),
        )  # fmt: skip
        assert code == 0, output
        results = BenchResults.from_json(out.read_text(encoding="utf-8"))
        assert [(r.size, r.database) for r in results.runs] == [("S", "SQLite")]
        (note,) = results.notes
        assert note.startswith("S on PostgreSQL: not measured") and "not a sample agency" in note
        assert note in render_tables(results)
        async with uow_factory(engine)() as uow:
            assert list(await uow.units.list()) == [KEEP]
    finally:
        await engine.dispose()
