"""docs/architecture.md: handlers render what core returns. They reach data only through core
(views, use cases, `load_caller`), never a repository of the unit of work themselves: checked
on the source with the AST."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What a handler may do with a unit of work itself: pass it on, and commit what a use case wrote.
ALLOWED = {"commit"}


def repository_reads(source: str, filename: str = "<source>") -> list[str]:
    """Every `<uow>.<attribute>` in SOURCE but `commit`, where <uow> is a name bound by
    `async with ... as <name>` over a call of `.uow()` or of a unit-of-work factory, or a
    parameter annotated `UnitOfWork`: as "line: uow.attribute"."""
    tree = ast.parse(source, filename=filename)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and isinstance(item.optional_vars, ast.Name):
                    callee = ast.unparse(call.func)
                    if callee.endswith("uow") or "uow_factory" in callee:
                        names.add(item.optional_vars.id)
        elif (
            isinstance(node, ast.arg)
            and node.annotation is not None
            and ast.unparse(node.annotation).endswith("UnitOfWork")
        ):
            names.add(node.arg)
    found = [
        (node.lineno, f"{node.value.id}.{node.attr}")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in names
        and node.attr not in ALLOWED
    ]
    return [f"{line}: {name}" for line, name in sorted(found)]


def test_no_handler_reads_a_repository_itself() -> None:
    found = {
        path.name: reads
        for path in sorted((ROOT / "handlers").glob("*.py"))
        if (reads := repository_reads(path.read_text(encoding="utf-8"), str(path)))
    }
    assert found == {}


def test_the_check_sees_each_way_a_handler_could_read() -> None:
    source = """
async def one(turn):
    async with turn.context.uow() as uow:
        units = await uow.units.list()
        await uow.commit()

async def two(uow_factory):
    async with uow_factory() as store:
        return await store.roles.list_by_role("admin")

async def three(uow: UnitOfWork, nip):
    return await uow.employees.get(nip)

async def fine(turn):
    async with turn.context.uow() as uow:
        view = await some_view(uow, turn.me)
        await uow.commit()
"""
    assert repository_reads(source) == [
        "4: uow.units",
        "9: store.roles",
        "12: uow.employees",
    ]
