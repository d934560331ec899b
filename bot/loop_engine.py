"""The planning path's solver: a Snapshot -> `mutasi-instance/1` -> the rebalancing engine ->
a validated `mutasi-solution/1` dict. Runs in a worker thread (the engine releases the GIL).
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from core.planning import Snapshot, SolveSnapshot
from core.rebalance import solve
from core.rebalance.model import Instance, Policy
from core.rebalance.snapshot import build_instance


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
    return build_instance(
        snapshot.units,
        snapshot.employees,
        snapshot.activities,
        snapshot.aspirations,
        snapshot.busy_nips,
        snapshot.as_of,
        policy,
        wke_minutes,
    )


def solver_for(settings: Settings) -> SolveSnapshot:
    """A SolveSnapshot using the engine with the agency's policy."""
    policy = policy_of(settings)

    def solve_snapshot(snapshot: Snapshot, time_limit: float) -> dict[str, Any]:
        instance = instance_from_snapshot(snapshot, policy, settings.wke_minutes)
        return solve(instance, time_limit=time_limit).to_dict()

    return solve_snapshot
