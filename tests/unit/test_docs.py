"""The specification lives in docs/ and its index links every document."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_the_docs_index_links_every_document_in_docs() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+)\)", index))
    documents = {p.name for p in DOCS.glob("*.md") if p.name != "README.md"}
    assert documents <= linked, f"docs/README.md does not link {sorted(documents - linked)}"


def test_the_readme_points_at_the_deployment_guide_and_the_guide_at_the_shipped_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/deploy.md" in readme
    guide = (DOCS / "deploy.md").read_text(encoding="utf-8")
    for shipped in ("mutasi-bot.service", "mutasi-bot.env.example", "nginx-mutasi-bot.conf"):
        assert (ROOT / "deploy" / shipped).is_file()
        assert shipped in guide


def test_every_setting_the_program_reads_is_in_the_readme_configuration_table() -> None:
    from bot.settings import ENV_PREFIX, Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        ENV_PREFIX + name.upper()
        for name in Settings.model_fields
        if f"`{ENV_PREFIX}{name.upper()}`" not in readme
    ]
    assert missing == []
