"""The rebalancing engine of REBALANCE.md: instance in, validated and explained plan out.

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
from core.rebalance.pipeline import solve
from core.rebalance.validator import PlanCheck, PlanRejected, check_plan, validate_plan

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
