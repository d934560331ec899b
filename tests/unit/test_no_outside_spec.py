"""The specification lives in docs/: no tracked file cites the original brief's files outside
the repository (the shared folder beside it, or its three specification files)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Built from parts so that this file does not cite them itself.
OUTSIDE = re.compile(
    r"\.\./" + "shared" + r"|\b(?:" + "|".join(("DESIGN", "DOMAIN", "REBALANCE")) + r")\.md\b"
)


def _tracked_text_files() -> list[Path]:
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [ROOT / name for name in listed.split("\0") if name]
    else:
        skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", "build"}
        paths = [p for p in ROOT.rglob("*") if not skip & set(p.relative_to(ROOT).parts)]
    return [p for p in paths if p.is_file()]


def test_no_tracked_file_cites_the_specification_outside_the_repository() -> None:
    citing = []
    for path in _tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files (spreadsheets, images) cite nothing
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                citing.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert citing == [], "cite docs/ instead:\n" + "\n".join(citing)


def test_the_check_would_see_a_citation() -> None:
    assert OUTSIDE.search("see " + "DOMAIN" + ".md, Roles")
    assert OUTSIDE.search("in `../" + "shared/`")
    assert not OUTSIDE.search("see docs/domain.md")
