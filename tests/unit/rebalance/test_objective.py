"""The §3 objective: hand-computed values, and the plan's objective equals the validator's."""

from __future__ import annotations

import pytest

from core.rebalance import check_plan, solve
from tests.unit.rebalance.builders import crowd, instance, person, unit


def test_over_staffing_beyond_tolerance_costs_the_steep_rate() -> None:
    # demand 2.5, staff 4: dev 1.5, tol 1 -> 100 * (1 + 3 * 0.5) = 250; nobody lives away
    inst = instance([unit("A", 0, {"f": 2.5})], crowd("a", "A", 4))
    assert check_plan(inst, {}).objective == pytest.approx(250.0)


def test_under_staffing_within_tolerance_costs_the_plain_rate() -> None:
    # demand 20, staff 19: under 1 within tol 2 -> 150
    inst = instance([unit("A", 0, {"f": 20.0})], crowd("a", "A", 19))
    assert check_plan(inst, {}).objective == pytest.approx(150.0)


def test_person_terms_count_move_aspiration_skill_and_distance() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 1.0}, skills=("x", "y"))],
        [person("e", "A", 0, aspirations=("B",), skills=("x",))],
    )
    # e moves to B: imbalance A under 1 (150), B over 0 (e replaces nobody; staff 1, req 1)
    # person: 30 - 40 - 5 + 0.1 * 10
    result = check_plan(inst, {"e": "B"})
    assert result.ok
    assert result.objective == pytest.approx(150 + 30 - 40 - 5 + 1.0, rel=1e-4)


def test_solution_numbers_are_the_validators_numbers() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 3.0})],
        crowd("a", "A", 3) + [person("b0", "B", 10)],
    )
    solution = solve(inst, time_limit=10)
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert solution.objective == pytest.approx(check_plan(inst, plan).objective, rel=1e-9)
    assert solution.status_quo_objective == pytest.approx(check_plan(inst, {}).objective)
    assert solution.bound <= solution.objective + 1e-6
