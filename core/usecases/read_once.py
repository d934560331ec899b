"""A unit of work that reads reference data once: for use cases that decide hundreds of moves in
one transaction (a group decision) and would otherwise ask the database the same questions
(the units, an approver's grants, a supervisor's chats, a person's name) for every move.

Only reads of tables the wrapped use case does not write are remembered: units, employees, role
grants, Telegram accounts and delegations. Any other call on one of those repositories (a
write, or a read not listed) forgets what that repository remembered, so a caller that does
write them still reads its own writes. Everything else (proposals, decisions, the outbox, the
audit log) goes straight to the wrapped unit of work. Remembered answers live as long as the
wrapper, i.e. one transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from core.ports import UnitOfWork

#: Repository attribute -> read methods whose answers are remembered.
REMEMBERED: dict[str, frozenset[str]] = {
    "units": frozenset({"get", "list", "list_by_opd"}),
    "employees": frozenset({"get"}),
    "roles": frozenset({"list_for", "list_by_role"}),
    "accounts": frozenset({"list_for_nip", "list_for_chat", "get_by_telegram"}),
    "delegations": frozenset({"list_for", "list_all"}),
}


class _Remembering:
    """One repository whose listed reads are answered from memory after the first time."""

    def __init__(self, target: Any, remembered: frozenset[str]) -> None:
        self._target = target
        self._remembered = remembered
        self._answers: dict[tuple[str, tuple[Any, ...], tuple[Any, ...]], Any] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._target, name)
        if not callable(method):
            return method
        if name not in self._remembered:
            return self._forgetting(method)
        return self._remembering(name, method)

    def _remembering(
        self, name: str, method: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def read(*args: Any, **kwargs: Any) -> Any:
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in self._answers:
                self._answers[key] = await method(*args, **kwargs)
            answer = self._answers[key]
            # A fresh list each time, so a caller that changes its list changes no other's.
            return list(answer) if isinstance(answer, list | tuple) else answer

        return read

    def _forgetting(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            self._answers.clear()
            return await method(*args, **kwargs)

        return call


class _ReadOnce:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._repositories = {
            name: _Remembering(getattr(uow, name), methods) for name, methods in REMEMBERED.items()
        }

    def __getattr__(self, name: str) -> Any:
        if name in self._repositories:
            return self._repositories[name]
        return getattr(self._uow, name)


def read_once(uow: UnitOfWork) -> UnitOfWork:
    """UOW with its reference reads remembered (see the module doc); commit and rollback are
    UOW's own."""
    return cast(UnitOfWork, _ReadOnce(uow))
