"""The import rule of docs/architecture.md, checked on the source tree with the AST (not by
grepping)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"bot", "handlers", "core", "db"}


def imported_top_levels(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Map each module file of a package to the top-level names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path.relative_to(root).as_posix()] = names
    return found


def violations(package: str, allowed: set[str] | None, forbidden: set[str]) -> list[str]:
    """Every (file, import) pair that breaks the rule for a package."""
    bad = []
    for file, names in imported_top_levels(package).items():
        for name in sorted(names):
            if name in forbidden or allowed is not None and name not in allowed:
                bad.append(f"{file}: {name}")
    return bad


def test_core_imports_only_stdlib_numpy_ortools_and_highspy() -> None:
    # highspy: HiGHS's own bindings, for the engine's warm-restarted master LP (issue 12)
    allowed = set(sys.stdlib_module_names) | {"numpy", "ortools", "highspy", "core", "__future__"}
    assert violations("core", allowed, forbidden=set()) == []


def test_handlers_never_touch_the_database() -> None:
    assert violations("handlers", None, forbidden={"sqlalchemy", "db", "alembic"}) == []


def test_db_never_imports_handlers_or_bot() -> None:
    assert violations("db", None, forbidden={"handlers", "bot", "telegram"}) == []


#: What each layer sits on: a layer may import the ones below it, never one above it
#: (bot -> handlers -> core; bot -> db -> core). Imports inside functions count too.
ABOVE = {
    "core": {"handlers", "bot", "db"},
    "handlers": {"bot"},
    "db": {"handlers", "bot"},
}


def test_no_upward_imports() -> None:
    bad = [
        found
        for package, above in ABOVE.items()
        for found in violations(package, None, forbidden=above)
    ]
    assert bad == []


def core_imports(room: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Map each module of core/ROOM to the core sub-packages it imports (core.domain, ...)."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / "core" / room).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            names.update(".".join(m.split(".")[:2]) for m in modules if m.startswith("core."))
        found[path.relative_to(root).as_posix()] = names
    return found


def test_the_domain_never_imports_use_cases_or_views() -> None:
    # core/ is three rooms over the engine (docs/architecture.md): the domain (values, rules,
    # the engine's contract types) sits below the use cases and the read side.
    bad = [
        f"{file}: {name}"
        for file, names in core_imports("domain").items()
        for name in sorted(names & {"core.usecases", "core.views"})
    ]
    assert bad == []


def test_the_room_checker_sees_a_use_case_imported_by_the_domain(tmp_path: Path) -> None:
    room = tmp_path / "core" / "domain"
    room.mkdir(parents=True)
    (room / "late.py").write_text(
        "def f() -> None:\n    from core.usecases.outbox import enqueue\n", encoding="utf-8"
    )
    assert core_imports("domain", root=tmp_path) == {"core/domain/late.py": {"core.usecases"}}


def test_production_never_imports_development_code() -> None:
    # The installed package holds bot, handlers, core and db, and benchmarks for one command:
    # `mutasi bench` (bot/cli_engine.py) measures the nightly step (pyproject.toml, issue 12).
    development = {"tests", "devtools", "benchmarks"}
    the_bench_command = "bot/cli_engine.py: benchmarks"
    for package in sorted(FIRST_PARTY):
        found = violations(package, None, forbidden=development)
        assert [v for v in found if v != the_bench_command] == []
    assert violations("bot", None, forbidden=development) == [the_bench_command]


def test_benchmarks_and_devtools_never_import_the_tests() -> None:
    # Shared development code (the Bot API emulator) lives in devtools/, not under tests/.
    for package in ("benchmarks", "devtools"):
        assert violations(package, None, forbidden={"tests"}) == []


def test_the_rule_checker_sees_a_violation(tmp_path: Path) -> None:
    # The checker itself must be able to fail: feed it a module that breaks the rule.
    module = tmp_path / "bad.py"
    module.write_text("import sqlalchemy\nfrom db.rows import X\n", encoding="utf-8")
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = {
        n.names[0].name.split(".")[0] if isinstance(n, ast.Import) else str(n.module).split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
    }
    assert names == {"sqlalchemy", "db"}


def test_the_checker_sees_an_upward_import_inside_a_function(tmp_path: Path) -> None:
    package = tmp_path / "handlers"
    package.mkdir()
    (package / "late.py").write_text(
        "def f() -> None:\n    from bot.settings import Settings\n", encoding="utf-8"
    )
    found = imported_top_levels("handlers", root=tmp_path)
    assert found == {"handlers/late.py": {"bot"}}
