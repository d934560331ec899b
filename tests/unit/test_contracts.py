"""No loose dict crosses a layer: the public signatures of `core`, `db` and `handlers` (the
parameters and return values of public functions and methods, and the fields of public
dataclasses) name typed values, never `dict[str, Any]`, `Mapping[str, Any]`, a bare `dict` or a
bare `Any`. JSON dicts exist only inside the db edge's codecs (private there); a JSON document
with known keys crosses as a TypedDict (the engine's solution and explanation, the stored plan),
and a value that really is any JSON (audit details, Telegram's updates) as `core.domain.JsonValue`.

The scan reads the annotations as written (the modules use `from __future__ import
annotations`), so it needs no imports and sees TYPE_CHECKING-only names too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("core", "db", "handlers")
#: Serialisation helpers and schema code the rule does not apply to: the migrations (Alembic's
#: own signatures) and the db edge's codecs, whose job is the dict.
EXEMPT_FILES = {"db/outbox_codec.py"}
EXEMPT_DIRS = ("db/migrations/",)

LOOSE = [
    re.compile(r"\b(?:dict|Mapping|MutableMapping)\[\s*str\s*,\s*(?:Any|object)\s*\]"),
    re.compile(r"^(?:Any|dict|object)(?:\s*\|\s*None)?$"),
    re.compile(r"^(?:None\s*\|\s*)(?:Any|dict)$"),
]



def _loose(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation).replace("'", "").replace('"', "")
    return any(pattern.search(text) for pattern in LOOSE)


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _implements_a_port(node: ast.stmt) -> bool:
    """A db class the unit of work hands to core as one of core.ports' repositories."""
    return isinstance(node, ast.ClassDef) and node.name.startswith("Sql")


def _is_dataclass(node: ast.ClassDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target).endswith("dataclass"):
            return True
    return False


def _function_crossings(where: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    found: list[str] = []
    arguments = node.args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if _loose(arg.annotation):
            found.append(f"{where}({arg.arg})")
    if _loose(node.returns):
        found.append(f"{where} -> return")
    return found


def imported_across() -> set[tuple[str, str]]:
    """(module, name) pairs that a module of another top-level package imports."""
    pairs: set[tuple[str, str]] = set()
    for package in (*LAYERS, "bot"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    if node.module.split(".")[0] in (package,):
                        continue
                    pairs.update((node.module, alias.name) for alias in node.names)
    return pairs


def crossings() -> set[str]:
    """Every loose annotation in the public signature of a function, method or dataclass field
    that another layer imports (or that implements a port of core.ports), as
    `path:Name.member(arg)`."""
    across = imported_across()
    found: set[str] = set()
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in EXEMPT_FILES or rel.startswith(EXEMPT_DIRS):
                continue
            module = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    continue
                if (
                    (module, node.name) not in across
                    and not _implements_a_port(node)
                    and module != "core.ports"  # every port crosses: the unit of work holds it
                ):
                    continue
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _public(node.name):
                    found.update(_function_crossings(f"{rel}:{node.name}", node))
                if isinstance(node, ast.ClassDef) and _public(node.name):
                    dataclass = _is_dataclass(node)
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _public(
                            item.name
                        ):
                            found.update(
                                _function_crossings(f"{rel}:{node.name}.{item.name}", item)
                            )
                        if (
                            dataclass
                            and isinstance(item, ast.AnnAssign)
                            and isinstance(item.target, ast.Name)
                            and _public(item.target.id)
                            and _loose(item.annotation)
                        ):
                            found.add(f"{rel}:{node.name}.{item.target.id}")
    return found


def test_the_scan_sees_a_loose_dict_where_there_is_one() -> None:
    def signature(source: str) -> ast.FunctionDef:
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.FunctionDef)
        return node

    assert _function_crossings("f", signature("def f(a: dict[str, Any]) -> None: ..."))
    assert _function_crossings("f", signature("def f(a: int) -> Mapping[str, object]: ..."))
    assert _function_crossings("f", signature("def f(a: Any | None) -> dict: ..."))
    assert not _function_crossings("f", signature("def f(a: dict[str, int]) -> list[str]: ..."))
    assert not _function_crossings("f", signature("def f(a: Callable[..., Any]) -> None: ..."))


def test_no_loose_dict_crosses_a_layer_in_public_signatures() -> None:
    assert crossings() == set(), "typed values cross layers, not dicts"
