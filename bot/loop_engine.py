"""The planning path's solver: a Snapshot -> `mutasi-instance/1` -> the rebalancing engine ->
a validated `mutasi-solution/1` dict. Runs in a worker thread (the engine releases the GIL).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bot.settings import Settings
from core.aspirations import months_between, retirement_date
from core.planning import Snapshot, SolveSnapshot, demand_by_unit_family
from core.rebalance.model import Employee as EngineEmployee
from core.rebalance.model import Instance, Policy
from core.rebalance.model import Unit as EngineUnit


def policy_of(settings: Settings) -> Policy:
    """REBALANCE.md policy from the agency's settings (weights: the defaults)."""
    return Policy(
        min_tenure_months=settings.min_tenure_months,
        retirement_guard_months=settings.retirement_guard_months,
        max_home_distance_km=settings.max_home_distance_km,
        spouse_max_distance_km=settings.spouse_max_distance_km,
        arrivals_fraction=settings.arrivals_fraction,
        departures_fraction=settings.departures_fraction,
        min_moves_cap=settings.min_moves_cap,
        max_total_moves=settings.max_total_moves,
        voluntary_only=settings.voluntary_only,
    )


def instance_from_snapshot(snapshot: Snapshot, policy: Policy, wke_minutes: float) -> Instance:
    """The optimiser's view of a snapshot; people already in a transfer are locked in place."""
    demand = demand_by_unit_family(snapshot.activities, wke_minutes)
    per_unit: dict[str, dict[str, float]] = {}
    for (unit_code, family), fte in demand.items():
        per_unit.setdefault(unit_code, {})[family] = fte
    units = tuple(
        EngineUnit(u.code, u.name, u.lat, u.lon, tuple(u.skills_needed), per_unit.get(u.code, {}))
        for u in snapshot.units
    )
    where = {u.code: (u.lat, u.lon) for u in snapshot.units}
    choices = {a.nip: tuple(a.choices[:3]) for a in snapshot.aspirations}
    nips = {e.nip for e in snapshot.employees}
    employees = []
    for e in snapshot.employees:
        retire = retirement_date(e)
        to_retirement = (
            float(months_between(snapshot.as_of, retire)) if retire is not None else 1e9
        )
        home = (e.home_lat, e.home_lon)
        if home[0] is None or home[1] is None:
            home = where.get(e.unit_code, (0.0, 0.0))
        employees.append(
            EngineEmployee(
                id=e.nip,
                unit=e.unit_code,
                family=e.jabatan,
                skills=tuple(e.skills),
                home_lat=float(home[0] or 0.0),
                home_lon=float(home[1] or 0.0),
                tenure_months=float(max(0, months_between(e.tmt_unit, snapshot.as_of))),
                months_to_retirement=to_retirement,
                locked=bool(e.lock_reason) or e.nip in snapshot.busy_nips,
                aspirations=tuple(c for c in choices.get(e.nip, ()) if c in where),
                spouse=e.spouse_nip if e.spouse_nip in nips else None,
            )
        )
    return Instance(policy, units, tuple(employees))


def _engine_solve() -> Callable[..., Any]:
    """The engine's `solve(instance, time_limit=...)` (imported on first use)."""
    for module_name in ("core.rebalance", "core.rebalance.solver", "core.rebalance.solve"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        solve = getattr(module, "solve", None)
        if callable(solve):
            return solve  # type: ignore[no-any-return]
    raise RuntimeError("the rebalancing engine (core.rebalance.solve) is not available")


def solver_for(settings: Settings) -> SolveSnapshot:
    """A SolveSnapshot using the engine with the agency's policy."""
    policy = policy_of(settings)

    def solve_snapshot(snapshot: Snapshot, time_limit: float) -> dict[str, Any]:
        instance = instance_from_snapshot(snapshot, policy, settings.wke_minutes)
        solution = _engine_solve()(instance, time_limit=time_limit)
        result: dict[str, Any] = solution.to_dict() if hasattr(solution, "to_dict") else solution
        return result

    return solve_snapshot
