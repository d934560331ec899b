"""The import rule of docs/architecture.md, checked on the source tree with the AST (not by
grepping)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"bot", "handlers", "core", "db"}


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module PATH imports, dotted: `import` and `from` statements anywhere (inside
    functions and TYPE_CHECKING blocks too), relative ones resolved against PATH's package,
    and `importlib.import_module` / `__import__` calls with a constant name."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            if node.level:  # `from . import outbox` names a module too
                names.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func)
            in {"importlib.import_module", "import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.partition(":")[0])
    return {n for n in names if n}


def imported_top_levels(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Map each module file of a package to the top-level names it imports."""
    return {
        path.relative_to(root).as_posix(): {
            name.split(".")[0] for name in imported_modules(path, root)
        }
        for path in sorted((root / package).rglob("*.py"))
    }


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


def core_imports(room: str, root: Path = ROOT, depth: int = 2) -> dict[str, set[str]]:
    """Map each module of core/ROOM to the core modules it imports, cut to DEPTH parts
    (2: core.domain, core.usecases, ...)."""
    return {
        path.relative_to(root).as_posix(): {
            ".".join(name.split(".")[:depth])
            for name in imported_modules(path, root)
            if name.startswith("core.")
        }
        for path in sorted((root / "core" / room).rglob("*.py"))
    }


def test_the_domain_never_imports_use_cases_or_views() -> None:
    # core/ is three rooms over the engine (docs/architecture.md): the domain (values, rules,
    # the engine's contract types) sits below the use cases and the read side.
    bad = [
        f"{file}: {name}"
        for file, names in core_imports("domain").items()
        for name in sorted(names & {"core.usecases", "core.views"})
    ]
    assert bad == []


def test_the_engine_imports_only_the_domain() -> None:
    # The engine (core/rebalance) is reusable on its own: it reads the domain's eligibility
    # rules and nothing of the use cases or views.
    bad = [
        f"{file}: {name}"
        for file, names in core_imports("rebalance").items()
        for name in sorted(names - {"core.domain", "core.rebalance"})
    ]
    assert bad == []


#: What the domain may use of the engine: its contract types (docs/optimisation.md), which a
#: notice and a stored plan carry. Nothing that solves.
ENGINE_CONTRACT = {"core.rebalance.model", "core.rebalance.documents"}


def test_the_domain_uses_only_the_engines_contract_types() -> None:
    bad = [
        f"{file}: {name}"
        for file, names in core_imports("domain", depth=3).items()
        for name in sorted(names)
        if name.startswith("core.rebalance") and name not in ENGINE_CONTRACT
    ]
    assert bad == []


def test_every_core_module_is_in_a_room() -> None:
    # A new module goes into exactly one room (docs/architecture.md, "Rooms"); only the ports
    # sit beside them.
    loose = sorted(
        p.name for p in (ROOT / "core").glob("*.py") if p.name not in {"__init__.py", "ports.py"}
    )
    rooms = sorted(
        p.name for p in (ROOT / "core").iterdir() if p.is_dir() and p.name != "__pycache__"
    )
    assert loose == []
    assert rooms == ["domain", "rebalance", "usecases", "views"]


def test_the_checker_resolves_relative_and_dynamic_imports(tmp_path: Path) -> None:
    room = tmp_path / "core" / "domain"
    room.mkdir(parents=True)
    (room / "sly.py").write_text(
        "import importlib\n"
        "from ..usecases import outbox\n"
        "from . import values\n"
        "def f() -> None:\n"
        "    importlib.import_module('db.rows')\n"
        "    __import__('sqlalchemy')\n",
        encoding="utf-8",
    )
    assert imported_modules(room / "sly.py", root=tmp_path) == {
        "importlib",
        "core.usecases",
        "core.usecases.outbox",
        "core.domain",
        "core.domain.values",
        "db.rows",
        "sqlalchemy",
    }
    assert core_imports("domain", root=tmp_path)["core/domain/sly.py"] == {
        "core.usecases",
        "core.domain",
    }


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
