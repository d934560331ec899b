"""Explanations carry the §4 numbers; objective_delta is exact against the validator."""

from __future__ import annotations

import pytest

from core.rebalance import check_plan, solve
from core.rebalance.generator import generate_instance
from tests.unit.rebalance.builders import crowd, instance, person, unit


def test_objective_delta_is_plan_minus_plan_with_that_move_undone() -> None:
    inst = generate_instance(300, 12, seed=11)
    solution = solve(inst, time_limit=20)
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert solution.moves
    for move in solution.moves:
        undone = {e: u for e, u in plan.items() if e != move.employee}
        expected = solution.objective - check_plan(inst, undone).objective
        assert move.explanation.objective_delta == pytest.approx(expected, abs=1e-6)


def test_sides_show_required_and_staff_before_and_after() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.2}), unit("B", 10, {"f": 2.6}, skills=("x",))],
        crowd("a", "A", 2, skills=("x",)) + [person("b0", "B", 10)],
    )
    solution = solve(inst, time_limit=10)
    assert len(solution.moves) == 1
    ex = solution.moves[0].explanation
    assert (ex.origin.unit, ex.origin.required, ex.origin.staff_before, ex.origin.staff_after) == (
        "A",
        1.2,
        2,
        1,
    )
    assert (ex.destination.unit, ex.destination.staff_before, ex.destination.staff_after) == (
        "B",
        1,
        2,
    )
    assert ex.skills_matched == ("x",)
    assert ex.aspiration_rank is None
    assert ex.distance_before_km == pytest.approx(0.0, abs=1e-6)
    assert ex.distance_after_km == pytest.approx(10.0, abs=0.01)
    assert ex.chain == ()


def test_a_chain_links_a_move_into_the_slot_another_move_vacates() -> None:
    # e2 leaves B for C (C is short); e1 comes from over-staffed A into B (which e2 left).
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 1.0}), unit("C", 20, {"f": 1.0})],
        [
            person("e1", "A", 0),
            person("a", "A", 0, locked=True),
            person("e2", "B", 10, aspirations=("C",)),
        ],
        max_home_distance_km=15,
    )
    solution = solve(inst, time_limit=10)
    assert {m.employee: m.to_unit for m in solution.moves} == {"e1": "B", "e2": "C"}
    for move in solution.moves:
        assert move.explanation.chain == ("e2", "e1")


def test_next_best_alternative_is_the_cheapest_other_feasible_unit_with_its_exact_cost() -> None:
    # A is over by two; B and C are both short; B is nearer, so the plan prefers B for one
    # person and C for the other, and each card names the other unit as the next best.
    inst = instance(
        [
            unit("A", 0, {"f": 1.0}),
            unit("B", 5, {"f": 2.0}),
            unit("C", 30, {"f": 2.0}),
            unit("D", 60, {"g": 1.0}),
        ],
        crowd("a", "A", 3) + [person("b0", "B", 5), person("c0", "C", 30)],
    )
    solution = solve(inst, time_limit=10)
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert sorted(plan.values()) == ["B", "C"]
    for move in solution.moves:
        alt = move.explanation.alternative
        assert alt is not None and alt.unit not in {"A", move.to_unit, "D"}
        instead = {**plan, move.employee: alt.unit}
        check = check_plan(inst, instead)
        assert check.ok
        assert alt.objective_delta == pytest.approx(check.objective - solution.objective, abs=1e-6)
        assert alt.objective_delta >= -1e-9  # the plan is optimal: no alternative is better


def test_a_move_with_nowhere_else_to_go_has_no_alternative() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 5, {"f": 2.0}), unit("D", 8, {"g": 1.0})],
        crowd("a", "A", 2) + [person("b0", "B", 5)],
    )
    solution = solve(inst, time_limit=10)
    assert len(solution.moves) == 1
    assert solution.moves[0].explanation.alternative is None
    assert solution.to_dict()["moves"][0]["explanation"]["alternative"] is None
