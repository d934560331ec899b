"""`mutasi bench` (issue 12): its JSON results and the README tables written from them.

Only shapes and rendering are checked here, never a time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from benchmarks.nightly import (
    BEGIN_MARKER,
    END_MARKER,
    BenchResults,
    Phase,
    ReferenceRun,
    StepRun,
    phases_of,
    render_tables,
    replace_block,
    unrealised,
)

ROOT = Path(__file__).resolve().parents[2]


def run(size: str, database: str, bound: float, *, engine: bool = True) -> StepRun:
    solve = (
        (
            Phase("instance", 0.5, 300.0),
            Phase("candidates", 1.0, 400.0),
            Phase("lp", 2.0, 500.0),
            Phase("integer_plan", 0.75, 520.0),
            Phase("validation", 0.25, 510.0),
            Phase("explanations", 0.5, 505.0),
        )
        if engine
        else (Phase("solve", 5.0, 520.0),)
    )
    return StepRun(
        size=size,
        database=database,
        employees=20_693,
        units=401,
        phases=(Phase("snapshot", 1.25, 250.0), *solve, Phase("store", 0.5, 530.0)),
        seconds=6.75,
        process_seconds=8.5,
        process_peak_mib=612.4,
        status="FEASIBLE",
        objective=200.0,
        bound=bound,
        status_quo=1_200.0,
        moves=1_454,
    )


def results() -> BenchResults:
    return BenchResults(
        seed=1,
        time_limit=60.0,
        cpu_count=2,
        command="mutasi bench --sizes L",
        runs=(run("L", "SQLite", 100.0), run("L", "PostgreSQL", 150.0, engine=False)),
        references=(
            ReferenceRun("L", "OPTIMAL", seconds=15.0, build_seconds=2.0, objective=190.0),
        ),
        measured_on="2026-11-30",
    )


def test_unrealised_share_is_measured_against_the_bound() -> None:
    assert unrealised(200.0, 190.0, 1_200.0) == pytest.approx(10 / 1_010)
    assert unrealised(200.0, None, 1_200.0) is None
    assert unrealised(5.0, 5.0, 5.0) == 0.0


def test_the_best_proven_bound_takes_a_solved_reference_lp_and_every_database() -> None:
    assert results().best_bound("L") == 190.0
    unsolved = dataclasses.replace(
        results(), references=(ReferenceRun("L", "TIME_LIMIT", seconds=60.0, objective=999.0),)
    )
    assert unsolved.best_bound("L") == 150.0
    assert results().best_bound("XL") is None


def test_the_tables_show_every_phase_with_time_and_peak_and_the_lp_ratio() -> None:
    text = render_tables(results())
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| size (ASN / units)"))
    assert header.split(" | ")[2:11] == [
        "snapshot",
        "instance",
        "candidates",
        "LP",
        "integer plan",
        "validation",
        "explanations",
        "solve",
        "store",
    ]
    sqlite = next(line for line in lines if line.startswith("| L (20,693 / 401) | SQLite"))
    assert "| 1.25 · 250 | 0.50 · 300 | 1.00 · 400 | 2.00 · 500 |" in sqlite
    assert "| **6.75** | 8.50 · 612 |" in sqlite
    postgres = next(line for line in lines if line.startswith("| L (20,693 / 401) | PostgreSQL"))
    assert "| – | – |" in postgres and "| 5.00 · 520 |" in postgres
    # Quality against the best proven bound (the reference LP's 190 here), per database.
    assert "| L | SQLite | FEASIBLE | 1,454 | 200.0 | 190.0 | 1,200.0 | 0.99 % |" in lines
    # The engine's solve is instance + its phases (5 s); HiGHS took 15 s: 3x.
    assert any(line.startswith("| L | 5.00 | 15.00 (+ 2.00) | 3.00× | 190.0 |") for line in lines)
    assert text.startswith("`mutasi bench --sizes L` — 2026-11-30, 2 cores, seed 1")
    # An LP stopped by its limit: the engine is at least that much faster, and it says why.
    stopped = dataclasses.replace(
        results(),
        references=(ReferenceRun("L", "Time limit reached", seconds=15.0, build_seconds=2.0),),
    )
    assert any(
        line.startswith("| L | 5.00 | 15.00 (+ 2.00), Time limit reached | ≥ 3.00× | – |")
        for line in render_tables(stopped).splitlines()
    )


def test_results_survive_their_json() -> None:
    again = BenchResults.from_json(results().to_json())
    assert again == results()
    with pytest.raises(ValueError, match="mutasi-bench/2"):
        BenchResults.from_json('{"format": "mutasi-bench/1", "runs": []}')


def test_the_readme_block_between_the_markers_is_replaced_and_nothing_else() -> None:
    text = f"# Title\n\nbefore\n{BEGIN_MARKER}\nold table\n{END_MARKER}\nafter\n"
    new = replace_block(text, "| new |\n")
    assert new == f"# Title\n\nbefore\n{BEGIN_MARKER}\n| new |\n{END_MARKER}\nafter\n"
    assert replace_block(new, "| new |") == new
    with pytest.raises(ValueError, match="markers"):
        replace_block("no markers here", "| new |")
    with pytest.raises(ValueError, match="markers"):
        replace_block(f"{END_MARKER}\n{BEGIN_MARKER}", "| new |")


def test_engine_phases_are_laid_inside_the_solve_and_the_rest_is_the_instance() -> None:
    windows: list[tuple[float, float]] = []

    def peak(start: float, end: float) -> float:
        windows.append((start, end))
        return 100.0 + len(windows)

    laps = {"snapshot": 1.0, "solve": 10.0, "store": 2.0, "queue": 0.5}
    engine = {"candidates": 3.0, "lp": 4.0, "explanations": 1.0}
    phases = phases_of(laps, engine, 50.0, peak)
    assert [(p.name, p.seconds) for p in phases] == [
        ("snapshot", 1.0),
        ("instance", 2.0),
        ("candidates", 3.0),
        ("lp", 4.0),
        ("explanations", 1.0),
        ("store", 2.0),
        ("queue", 0.5),
    ]
    assert windows[0] == (50.0, 51.0) and windows[2] == (53.0, 56.0)
    assert windows[-1] == (63.0, 63.5)
    assert [p.peak_mib for p in phases] == [101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0]
    # Without the engine's phases the solve is one phase.
    assert [p.name for p in phases_of(laps, {}, 0.0, peak)] == [
        "snapshot",
        "solve",
        "store",
        "queue",
    ]


def test_the_readme_tables_are_the_rendering_of_the_committed_results() -> None:
    """README.md's benchmark block is written by `mutasi bench --readme` from
    benchmarks/results-nightly.json, never by hand."""
    results = BenchResults.from_json(
        (ROOT / "benchmarks" / "results-nightly.json").read_text(encoding="utf-8")
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_block(readme, render_tables(results)) == readme
    assert {r.database for r in results.runs} >= {"SQLite"}
