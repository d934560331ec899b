"""Small hand-made instances for the rebalancing tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.rebalance.model import Employee, Instance, Policy, Unit, Weights

# Degrees of latitude per km, near the equator-ish latitudes used here.
KM = 1.0 / 111.195


def unit(
    uid: str,
    km_east: float = 0.0,
    demand: dict[str, float] | None = None,
    skills: tuple[str, ...] = (),
) -> Unit:
    """A unit `km_east` km east of the origin on the equator."""
    return Unit(uid, uid, 0.0, km_east * KM, skills, demand if demand is not None else {"f": 1.0})


def person(eid: str, at: str, km_east: float = 0.0, /, **fields: Any) -> Employee:
    """A movable employee of family f living `km_east` km east of the origin."""
    base = Employee(
        id=eid,
        unit=at,
        family="f",
        home_lat=0.0,
        home_lon=km_east * KM,
        tenure_months=36,
        months_to_retirement=240,
    )
    return replace(base, **fields)


def instance(
    units: list[Unit],
    employees: list[Employee],
    weights: dict[str, Any] | None = None,
    **policy: Any,
) -> Instance:
    """An instance with default policy except the given keys."""
    w = replace(Weights(), **(weights or {}))
    return Instance(replace(Policy(), weights=w, **policy), tuple(units), tuple(employees))


def crowd(
    prefix: str, at: str, count: int, km_east: float = 0.0, /, **fields: Any
) -> list[Employee]:
    """`count` alike employees in one unit."""
    return [person(f"{prefix}{i}", at, km_east, **fields) for i in range(count)]
