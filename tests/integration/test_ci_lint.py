"""`.ci/run` lints (ruff, then mypy --strict) before the tests and fails on any finding.

Each test runs the real `.ci/run`, the real Makefile and the real pyproject.toml in a scratch
tree holding a tiny module in each linted package; the project's ruff, mypy and Python are
reached through small wrapper scripts in the scratch tree's `.venv/bin`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent
CLEAN = 'def double(n: int) -> int:\n    """Twice N."""\n    return 2 * n\n'
A_TEST = "from bot.m import double\n\n\ndef test_double() -> None:\n    assert double(2) == 4\n"


def linted_packages() -> list[str]:
    """The directories `make lint` checks, read from the Makefile."""
    found = re.search(r"^LINTED := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found is not None, "the Makefile names what `make lint` checks in LINTED"
    return found.group(1).split()


def scratch_tree(tmp_path: Path) -> Path:
    """A copy of the CI entry point, Makefile, pyproject and system-package script with one
    clean module per linted package, a passing test, and a set-up virtual environment."""
    tree = tmp_path / "tree"
    (tree / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", tree / ".ci" / "run")
    shutil.copytree(ROOT / "scripts", tree / "scripts")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tree / name)
    for package in linted_packages():
        (tree / package).mkdir()
        (tree / package / "__init__.py").write_text("")
        (tree / package / "m.py").write_text(CLEAN)
    (tree / "tests" / "test_m.py").write_text(A_TEST)
    venv_bin = tree / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for tool in ("python", "ruff", "mypy"):
        wrapper = venv_bin / tool
        wrapper.write_text(f'#!/bin/sh\nexec "{TOOLS / tool}" "$@"\n')
        wrapper.chmod(0o755)
    installed = tree / ".venv" / ".installed"
    installed.touch()
    stamp = (tree / "pyproject.toml").stat().st_mtime + 10
    os.utime(installed, (stamp, stamp))  # newer than pyproject.toml: `make setup` is done
    return tree


def ci_run(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "MYPY"))}
    return subprocess.run(
        ["bash", str(tree / ".ci" / "run")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_every_python_package_of_the_repository_is_linted() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= set(linted_packages())


def test_a_clean_tree_passes_lint_and_then_runs_the_tests(tmp_path: Path) -> None:
    result = ci_run(scratch_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ruff check" in result.stdout and "mypy" in result.stdout
    assert "-m pytest" in result.stdout and "1 passed" in result.stdout


@pytest.mark.parametrize(
    ("package", "source", "finding"),
    [
        ("core", "import os\n" + CLEAN, "F401"),  # ruff: unused import
        ("tests", 'def double(n: int) -> int:\n    return "twice"\n', "return-value"),  # mypy
        ("benchmarks", "def double(n):\n    return 2 * n\n", "no-untyped-def"),  # mypy --strict
    ],
)
def test_a_ruff_or_mypy_finding_fails_ci_before_the_tests(
    tmp_path: Path, package: str, source: str, finding: str
) -> None:
    tree = scratch_tree(tmp_path)
    (tree / package / "m.py").write_text(source)
    result = ci_run(tree)
    assert result.returncode != 0
    assert finding in result.stdout + result.stderr
    assert "-m pytest" not in result.stdout  # make never started the tests
