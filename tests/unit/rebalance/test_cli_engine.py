"""`mutasi solve` from the command line: plan to stdout or a file, clear refusal when malformed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import build_app
from core.rebalance.generator import generate_instance


def test_solve_writes_the_solution_to_stdout_and_a_summary_to_stderr(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text(generate_instance(120, 6, seed=2).to_json())
    result = CliRunner().invoke(
        build_app(), ["--lang", "en", "solve", str(path), "--time-limit", "10"]
    )
    assert result.exit_code == 0, result.output
    solution = json.loads(result.stdout)
    assert solution["format"] == "mutasi-solution/2"
    assert solution["status"] == "OPTIMAL"
    assert "moves" in result.stderr and "OPTIMAL" in result.stderr


def test_solve_writes_the_solution_file_when_asked(tmp_path: Path) -> None:
    path, out = tmp_path / "instance.json", tmp_path / "solution.json"
    path.write_text(generate_instance(50, 4, seed=5).to_json())
    result = CliRunner().invoke(build_app(), ["solve", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (
        json.loads(out.read_text())["objective"]
        <= json.loads(out.read_text())["status_quo_objective"]
    )


def test_malformed_instance_exits_non_zero_listing_the_problems(tmp_path: Path) -> None:
    doc = json.loads(generate_instance(10, 2, seed=1).to_json())
    doc["employees"][0]["unit"] = "NOWHERE"
    doc["employees"][1]["aspirations"] = ["A", "B", "C", "D"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(build_app(), ["solve", str(path)])
    assert result.exit_code == 2
    assert "unknown unit 'NOWHERE'" in result.stderr
    assert "at most 3" in result.stderr
    assert result.stdout == ""
