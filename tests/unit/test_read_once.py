"""core.usecases.read_once: reference reads are asked once per transaction; writes make them
fresh."""

from __future__ import annotations

from core.domain import Role, RoleGrant, ScopeKind, Unit
from core.usecases.read_once import read_once
from tests.support.loop_agency import APPROVER, world


class Counting:
    """Wraps a repository and counts each method call by name."""

    def __init__(self, target: object) -> None:
        self.target = target
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> object:
        method = getattr(self.target, name)

        async def counted(*args: object, **kwargs: object) -> object:
            self.calls[name] = self.calls.get(name, 0) + 1
            return await method(*args, **kwargs)

        return counted


async def test_reference_reads_reach_the_repository_once() -> None:
    factory, _ = await world()
    async with factory() as uow:
        units, roles = Counting(uow.units), Counting(uow.roles)
        uow.units, uow.roles = units, roles  # type: ignore[assignment]
        shared = read_once(uow)
        first = await shared.units.list()
        for _ in range(5):
            assert await shared.units.list() == first
            assert (await shared.units.get("PKM-A")) == (await uow.units.get("PKM-A"))
            await shared.roles.list_for(APPROVER)
    assert units.calls == {"list": 1, "get": 6}  # 1 remembered + 5 asked directly
    assert roles.calls == {"list_for": 1}


async def test_a_write_forgets_what_its_repository_remembered() -> None:
    factory, _ = await world()
    async with factory() as uow:
        shared = read_once(uow)
        before = await shared.roles.list_for(APPROVER)
        await shared.roles.grant(RoleGrant(APPROVER, Role.ADMIN, ScopeKind.ALL, None))
        after = await shared.roles.list_for(APPROVER)
    assert len(after) == len(before) + 1


async def test_a_caller_changing_its_list_changes_no_other_callers() -> None:
    factory, _ = await world()
    async with factory() as uow:
        shared = read_once(uow)
        mine = list(await shared.units.list())
        count = len(mine)
        theirs = await shared.units.list()
        assert isinstance(theirs, list)
        theirs.append(Unit("X", "X", "X", 0.0, 0.0))
        assert len(await shared.units.list()) == count


async def test_other_repositories_and_commit_are_the_wrapped_ones() -> None:
    factory, _ = await world()
    async with factory() as uow:
        shared = read_once(uow)
        assert shared.proposals is uow.proposals and shared.outbox is uow.outbox
        await shared.units.upsert(Unit("PKM-Z", "Puskesmas Z", "Dinkes", -7.9, 110.6))
        await shared.commit()
    async with factory() as uow:
        assert await uow.units.get("PKM-Z") is not None
