"""No loose value crosses a layer: every public signature of `core`, `db` and `handlers` names
typed values.

What the scan reads, in every module of the three packages (not only the names another layer
imports today, so a re-export or a `from handlers import approval` cannot hide anything):

- every public function, and every public method of a public class (nested classes too):
  each parameter, including `*args` and `**kwargs`, and the return value;
- the annotated fields of every public class, whatever kind it is (dataclass, TypedDict,
  Protocol, NamedTuple, a plain class with annotated attributes);
- public module-level annotated names and type aliases (`X: TypeAlias = ...`, `X = A[...]`).

What it refuses, at any depth of an annotation (`list[Any]`, `Optional[dict]`, `tuple[Any,
...]`, a quoted annotation): `Any` (also as `typing.Any`), bare `object`, `dict`/`Dict`/
`Mapping`/`MutableMapping` unsubscripted or with `Any`/`object` values. A JSON document with
known keys crosses as a TypedDict (the engine's instance, solution and stats, the stored plan),
a value that really is any JSON (audit details, Telegram's updates) as `core.domain.JsonValue`,
a catalog message's arguments as `core.domain.errors.MessageValue`.

The exemptions and the allowed annotations are the lists below, each with its reason; a test
checks that each is still needed.

The scan reads the annotations as written (the modules use `from __future__ import
annotations`), so it needs no imports and sees TYPE_CHECKING-only names too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("core", "db", "handlers")

#: Files whose job is the untyped value, all inside `db` and imported by no other package
#: (test_db_plumbing_stays_inside_db).
EXEMPT_FILES = {
    # The JSON edge of the outbox: turns each typed payload into the JSON dict stored and back.
    "db/outbox_codec.py": "the outbox's JSON codec: the dict is what it makes and reads",
    # SQLAlchemy's bind parameters are `column name -> any value` by nature.
    "db/statements.py": "INSERT ... ON CONFLICT helpers over SQLAlchemy's column-value dicts",
    "db/mapping.py": "reads any dataclass's fields into column values and back, by name",
}
#: Alembic's migrations: Alembic's own signatures, frozen with the schema they made.
EXEMPT_DIRS = ("db/migrations/",)
#: Modules of `db` that no other package may import (what makes their exemption safe).
DB_PLUMBING = ("db.outbox_codec", "db.statements", "db.mapping")

#: Annotations allowed where found, each for a reason; keep this short.
ALLOWED = {
    # python-telegram-bot's Application is generic over six parameters (bot, context, user,
    # chat and bot data, job queue); feature modules only register handlers on it.
    "handlers/context.py:AnyApplication": "PTB's Application, its type parameters PTB's own",
}
#: Generic forms whose `Any` carries no data: `Coroutine[Any, Any, T]` is an `async def`'s
#: result (the Anys are the coroutine protocol's send and yield types; PTB types its
#: callbacks so), and SQLAlchemy's `Row[Any]` is the row of a select of mixed columns, read
#: into a domain dataclass by the db function that takes it (core and handlers never import
#: sqlalchemy: test_import_rule).
ALLOWED_GENERICS = {"Coroutine": 2, "Row": 1}  # name -> how many leading Any it may have

MAPPINGS = {"dict", "Dict", "Mapping", "MutableMapping"}
ANYTHING = {"Any", "object"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.Dict, t.Any
        return node.attr
    return None


def _arguments(node: ast.Subscript) -> list[ast.expr]:
    return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]


def loose(annotation: ast.expr | None) -> bool:
    """Whether ANNOTATION is or holds, at any depth, an Any, an object, or an untyped mapping."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return True  # not a type we can read: refuse rather than pass
        return loose(annotation)
    name = _name(annotation)
    if name in ANYTHING or name in MAPPINGS:  # also a bare dict / Mapping
        return True
    if isinstance(annotation, ast.Subscript):
        base = _name(annotation.value)
        if base == "Literal":
            return False
        arguments = _arguments(annotation)
        if base in ALLOWED_GENERICS:
            leading = ALLOWED_GENERICS[base]
            if all(_name(a) == "Any" for a in arguments[:leading]):
                arguments = arguments[leading:]
        return any(loose(a) for a in arguments)
    if isinstance(annotation, ast.BinOp):  # X | Y
        return loose(annotation.left) or loose(annotation.right)
    if isinstance(annotation, ast.Tuple | ast.List):  # Callable's [args], tuple's elements
        return any(loose(e) for e in annotation.elts)
    return False


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _function_crossings(where: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    found: list[str] = []
    arguments = node.args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if loose(arg.annotation):
            found.append(f"{where}({arg.arg})")
    if arguments.vararg is not None and loose(arguments.vararg.annotation):
        found.append(f"{where}(*{arguments.vararg.arg})")
    if arguments.kwarg is not None and loose(arguments.kwarg.annotation):
        found.append(f"{where}(**{arguments.kwarg.arg})")
    if loose(node.returns):
        found.append(f"{where} -> return")
    return found


def _defined_name(node: ast.stmt) -> str | None:
    """The name a statement of a module or class body defines, if one."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None


def _body_crossings(prefix: str, body: list[ast.stmt]) -> list[str]:
    """Loose annotations of the public names of a module or class body: functions and methods,
    classes of any kind (recursively), annotated names and fields, type aliases."""
    found: list[str] = []
    for node in body:
        name = _defined_name(node)
        if name is None or not _public(name):
            continue
        where = prefix + name
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(_function_crossings(where, node))
        elif isinstance(node, ast.ClassDef):
            found.extend(_body_crossings(where + ".", node.body))
        elif isinstance(node, ast.AnnAssign):
            is_alias = _name(node.annotation) == "TypeAlias"  # X: TypeAlias = ...
            if loose(node.value if is_alias else node.annotation):
                found.append(where)
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Subscript | ast.BinOp)  # an alias: X = A[...] | B
            and loose(node.value)
        ):
            found.append(where)
    return found


def module_crossings(rel: str, tree: ast.Module) -> list[str]:
    """Every loose annotation in the public names of one module, as `path:Name.member(arg)`."""
    return _body_crossings(f"{rel}:", tree.body)


def crossings(root: Path = ROOT) -> set[str]:
    """Every loose annotation in the public names of `core`, `db` and `handlers` under ROOT,
    except the exempt files."""
    found: set[str] = set()
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel in EXEMPT_FILES or rel.startswith(EXEMPT_DIRS):
                continue
            found.update(module_crossings(rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


@pytest.mark.parametrize(
    "annotation",
    [
        "dict[str, Any]",
        "Dict[str, Any]",
        "typing.Dict[str, typing.Any]",
        "Dict",
        "dict",
        "Mapping",
        "Optional[dict]",
        "dict | None",
        "None | Any",
        "Any",
        "typing.Any",
        "object",
        "list[Any]",
        "tuple[Any, ...]",
        "Sequence[tuple[str, Any]]",
        "Mapping[Any, Any]",
        "Mapping[str, object]",
        "MutableMapping[str, Any]",
        "dict[Any, Any]",
        "dict[str, object]",
        "Callable[..., Any]",
        "Callable[[Any], None]",
        "'dict[str, Any]'",
        "list['Any']",
        "Awaitable[Any]",
    ],
)
def test_the_scan_refuses_a_loose_annotation(annotation: str) -> None:
    assert loose(ast.parse(annotation, mode="eval").body)


@pytest.mark.parametrize(
    "annotation",
    [
        "dict[str, int]",
        "typing.Dict[str, int]",
        "Mapping[str, JsonValue]",
        "list[str] | None",
        "tuple[int, ...]",
        "Callable[[ProposalLine, Translator], CellValue]",
        "Coroutine[Any, Any, None]",
        "Row[Any]",
        "Literal['Any', 'dict']",
        "'SolveStats'",
    ],
)
def test_the_scan_passes_a_typed_annotation(annotation: str) -> None:
    assert not loose(ast.parse(annotation, mode="eval").body)


def test_the_scan_reads_every_kind_of_public_name(tmp_path: Path) -> None:
    """Each place a loose value could hide, in a module no other layer imports."""
    (tmp_path / "core").mkdir()
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "handlers").mkdir()
    (tmp_path / "core" / "nobody_imports_me.py").write_text(
        "from typing import Any, NamedTuple, Protocol, TypedDict\n"
        "def varargs(*parts: Any) -> None: ...\n"
        "def keywords(message: str, **values: Any) -> None: ...\n"
        "async def fetch(key: str) -> 'list[Any]': ...\n"
        "class Document(TypedDict):\n    raw: dict[str, Any]\n"
        "class Port(Protocol):\n    data: Mapping[str, object]\n"
        "    def read(self) -> Optional[dict]: ...\n"
        "class Plain:\n    values: tuple[Any, ...]\n"
        "    def __init__(self, **values: Any) -> None: ...\n"
        "    class Inner:\n        extra: Dict[str, object]\n"
        "class Pair(NamedTuple):\n    left: Any\n"
        "Alias: TypeAlias = dict[Any, Any]\n"
        "Shorthand = Callable[..., Any]\n"
        "REGISTRY: dict = {}\n"
        # private names and typed values are not crossings
        "def _private(a: Any) -> Any: ...\n"
        "class _Hidden:\n    a: Any\n"
        "def typed(a: dict[str, int], *parts: str, **values: int) -> Coroutine[Any, Any, None]:\n"
        "    def inner(b: Any) -> Any: ...\n",
        encoding="utf-8",
    )
    (tmp_path / "handlers" / "__init__.py").write_text(
        "from core.nobody_imports_me import Plain as Plain\ndef reexported(x: Any) -> None: ...\n",
        encoding="utf-8",
    )
    (tmp_path / "db" / "outbox_codec.py").write_text("def dump(x: Any) -> dict: ...\n")
    (tmp_path / "db" / "migrations" / "env.py").write_text("def run(x: Any) -> None: ...\n")
    module = "core/nobody_imports_me.py"
    assert crossings(tmp_path) == {
        f"{module}:varargs(*parts)",
        f"{module}:keywords(**values)",
        f"{module}:fetch -> return",
        f"{module}:Document.raw",
        f"{module}:Port.data",
        f"{module}:Port.read -> return",
        f"{module}:Plain.values",
        f"{module}:Plain.__init__(**values)",
        f"{module}:Plain.Inner.extra",
        f"{module}:Pair.left",
        f"{module}:Alias",
        f"{module}:Shorthand",
        f"{module}:REGISTRY",
        "handlers/__init__.py:reexported(x)",
    }


def test_no_loose_value_in_the_public_signatures_of_core_db_and_handlers() -> None:
    assert crossings() - set(ALLOWED) == set(), "typed values cross layers, not Any or dicts"


def test_every_exemption_is_still_needed() -> None:
    """An allowance that no longer matches anything goes, so the lists stay short."""
    found = crossings()
    assert set(ALLOWED) <= found
    for rel in EXEMPT_FILES:
        path = ROOT / rel
        assert module_crossings(rel, ast.parse(path.read_text(encoding="utf-8"))), rel


def test_db_plumbing_stays_inside_db() -> None:
    """The exempt db modules are db's own: no module of another package imports them."""
    importers: list[str] = []
    for package in ("bot", "core", "handlers", "benchmarks", "devtools"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                if any(name in DB_PLUMBING for name in names):
                    importers.append(path.relative_to(ROOT).as_posix())
    assert importers == []
