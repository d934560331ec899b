"""The engine adapter of the cycle's plan step: a Snapshot -> `mutasi-instance/2` -> the
rebalancing engine (core.rebalance) -> its validated, typed `Solution`. The planning use
case (core.usecases.planning.propose_plan) runs it in a worker thread (the engine releases the
GIL).

Settings never reach this module: the composition root (bot.composition) builds the engine's
Policy once and hands it over.
"""

from __future__ import annotations

from core.domain.eligibility import latest_plan_tmt
from core.rebalance import solve
from core.rebalance.model import Instance, Policy, Solution
from core.rebalance.snapshot import build_instance
from core.usecases.planning import Snapshot, SolveSnapshot


def instance_from_snapshot(
    snapshot: Snapshot,
    policy: Policy,
    wke_minutes: float,
    tmt_months_ahead: int = 2,
    expiry_working_days: int = 10,
) -> Instance:
    """The optimiser's view of a snapshot; people already in a transfer are locked in place.

    `wke_minutes` is the effective working minutes of one FTE per year (ABK); the TMT every
    move would carry is the latest one a plan made now can have (core.domain.eligibility)."""
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


def engine_solver(
    policy: Policy,
    *,
    wke_minutes: float,
    tmt_months_ahead: int = 2,
    expiry_working_days: int = 10,
) -> SolveSnapshot:
    """A SolveSnapshot that runs the rebalancing engine (docs/optimisation.md) with `policy`;
    the time limit it is called with is in seconds."""

    def solve_snapshot(snapshot: Snapshot, time_limit: float) -> Solution:
        instance = instance_from_snapshot(
            snapshot, policy, wke_minutes, tmt_months_ahead, expiry_working_days
        )
        return solve(instance, time_limit=time_limit)

    return solve_snapshot
