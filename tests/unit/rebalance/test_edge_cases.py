"""Instances where nothing can or should happen still get a proven, validated answer."""

from __future__ import annotations

from core.rebalance import solve
from tests.unit.rebalance.builders import crowd, instance, unit


def test_an_agency_without_employees_gets_an_empty_optimal_plan() -> None:
    # demand 2, nobody: 2 under with tolerance 1 -> 150 * (1 + 3 * 1)
    solution = solve(instance([unit("A", 0, {"f": 2.0})], []), time_limit=5)
    assert (solution.status, solution.moves, solution.objective) == ("OPTIMAL", (), 600.0)


def test_when_nobody_may_move_the_status_quo_is_proven_optimal() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 3.0})],
        crowd("a", "A", 3, locked=True) + crowd("b", "B", 1, 10, tenure_months=1),
    )
    solution = solve(inst, time_limit=5)
    assert solution.status == "OPTIMAL"
    assert solution.moves == ()
    assert solution.objective == solution.status_quo_objective == solution.bound


def test_a_balanced_agency_is_left_alone() -> None:
    inst = instance(
        [unit("A", 0, {"f": 3.0}), unit("B", 10, {"f": 3.0})],
        crowd("a", "A", 3) + crowd("b", "B", 3, 10),
    )
    solution = solve(inst, time_limit=5)
    assert solution.moves == ()
    assert solution.status == "OPTIMAL"
