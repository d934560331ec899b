"""The rebalancing engine of docs/optimisation.md: instance in, validated and explained plan out.

from core.rebalance import Instance, solve
solution = solve(Instance.from_json(text), time_limit=30)
solution.to_json()
"""

from __future__ import annotations

from core.rebalance.model import (
    Employee,
    Explanation,
    Instance,
    InstanceError,
    Move,
    NotGranted,
    Policy,
    Solution,
    StaffingSide,
    Unit,
    Weights,
)
from core.rebalance.validator import PlanCheck, PlanRejected, check_plan, validate_plan


def solve(
    instance: Instance,
    time_limit: float = 60.0,
    *,
    seed: int = 0,
    workers: int | None = None,
    gap_tolerance: float | None = None,
    full_enumeration_max: int | None = None,
) -> Solution:
    """The best plan within `time_limit` seconds, validated, with its bound and explanations.

    `gap_tolerance`: the share of the achievable improvement (status quo - bound) the solve may
    leave (None: the pipeline's stopping rule, `pipeline.default_gap_tolerance`).

    `full_enumeration_max` (default: the pipeline's): up to this many (movable employee, unit of
    their family) pairs every allowed move is listed; above it moves are priced implicitly.
    """
    # numpy and OR-Tools load on the first solve, not when the types are imported
    from core.rebalance.pipeline import FULL_ENUMERATION_MAX
    from core.rebalance.pipeline import solve as run_pipeline

    return run_pipeline(
        instance,
        time_limit,
        seed=seed,
        workers=workers,
        gap_tolerance=gap_tolerance,
        full_enumeration_max=(
            FULL_ENUMERATION_MAX if full_enumeration_max is None else full_enumeration_max
        ),
    )


__all__ = [
    "Employee",
    "Explanation",
    "Instance",
    "InstanceError",
    "Move",
    "NotGranted",
    "PlanCheck",
    "PlanRejected",
    "Policy",
    "Solution",
    "StaffingSide",
    "Unit",
    "Weights",
    "check_plan",
    "solve",
    "validate_plan",
]
