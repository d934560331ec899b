"""The planning path's solver: a Snapshot -> `mutasi-instance/2` -> the rebalancing engine ->
a validated `mutasi-solution/2` dict. Runs in a worker thread (the engine releases the GIL).
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from core.eligibility import latest_plan_tmt
from core.planning import Snapshot, SolveSnapshot
from core.rebalance import solve
from core.rebalance.model import Instance, Policy, Weights
from core.rebalance.snapshot import build_instance


def policy_of(settings: Settings) -> Policy:
    """The optimisation policy from the agency's settings (docs/optimisation.md, docs/rules.md;
    weights: the defaults, plus the two issue 15 weights)."""
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
        teacher_min_tenure_months=settings.teacher_min_tenure_months,
        max_tenure_months=settings.max_tenure_months,
        skp_gate=settings.skp_gate,
        weights=Weights(
            very_willing=settings.weight_very_willing, long_tenure=settings.weight_long_tenure
        ),
    )


def instance_from_snapshot(
    snapshot: Snapshot,
    policy: Policy,
    wke_minutes: float,
    tmt_months_ahead: int = 2,
    expiry_working_days: int = 10,
) -> Instance:
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
        catalogue=snapshot.catalogue,
        unit_heads=snapshot.unit_heads,
        tmt=latest_plan_tmt(snapshot.as_of, tmt_months_ahead, expiry_working_days),
    )


def solver_for(settings: Settings) -> SolveSnapshot:
    """A SolveSnapshot using the engine with the agency's policy."""
    policy = policy_of(settings)

    def solve_snapshot(snapshot: Snapshot, time_limit: float) -> dict[str, Any]:
        instance = instance_from_snapshot(
            snapshot,
            policy,
            settings.wke_minutes,
            settings.tmt_months_ahead,
            settings.expiry_working_days,
        )
        return solve(instance, time_limit=time_limit).to_dict()

    return solve_snapshot
