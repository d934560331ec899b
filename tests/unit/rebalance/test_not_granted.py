"""Each not_granted reason from a crafted case, with cost_to_force checked by the validator."""

from __future__ import annotations

import pytest

from core.rebalance import check_plan, solve
from core.rebalance.model import Instance, NotGranted, Solution
from tests.unit.rebalance.builders import crowd, instance, person, unit


def entry(solution: Solution, employee: str) -> NotGranted:
    found = [n for n in solution.not_granted if n.employee == employee]
    assert len(found) == 1, solution.not_granted
    return found[0]


def plan_of(solution: Solution) -> dict[str, str]:
    return {m.employee: m.to_unit for m in solution.moves}


def lone_wish(**fields: object) -> Instance:
    """e in balanced A wishes to go to under-staffed B, 10 km away."""
    return instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 2.0})],
        [person("e", "A", aspirations=("B",), **fields), person("b", "B", 10)],
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"tenure_months": 10}, "TENURE"),
        ({"locked": True}, "LOCKED"),
        ({"months_to_retirement": 6}, "RETIREMENT"),
    ],
)
def test_people_who_may_not_move_get_their_rule_as_reason(
    fields: dict[str, object], reason: str
) -> None:
    found = entry(solve(lone_wish(**fields), time_limit=10), "e")
    assert (found.aspiration, found.reason, found.cost_to_force) == ("B", reason, None)


def test_wish_for_a_unit_without_the_family_says_so() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"g": 2.0})],
        [person("e", "A", aspirations=("B",)), person("b", "B", 10, family="g")],
    )
    assert entry(solve(inst, time_limit=10), "e").reason == "FAMILY_NOT_IN_UNIT"


def test_wish_that_would_separate_a_couple_says_spouse() -> None:
    inst = instance(
        [unit("A", 0, {"f": 2.0}), unit("B", 60, {"f": 2.0})],
        [
            person("e", "A", aspirations=("B",), spouse="s"),
            person("s", "A", spouse="e", locked=True),
            *crowd("b", "B", 1, 60),
        ],
    )
    found = entry(solve(inst, time_limit=10), "e")
    assert (found.reason, found.cost_to_force) == ("SPOUSE", None)


def test_wish_that_only_makes_things_worse_is_not_better_with_exact_cost() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 1.0})],
        [person("e", "A", aspirations=("B",)), person("b", "B", 10)],
    )
    solution = solve(inst, time_limit=10)
    found = entry(solution, "e")
    assert found.reason == "NOT_BETTER"
    forced = check_plan(inst, {**plan_of(solution), "e": "B"}).objective
    assert found.cost_to_force == pytest.approx(forced - solution.objective, abs=1e-5)


def test_second_wish_for_a_full_unit_says_arrivals_cap() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("C", 2, {"f": 1.0}), unit("X", 10, {"f": 3.0})],
        [
            person("p", "A", aspirations=("X",)),
            person("pa", "A", locked=True),
            person("q", "C", 2, aspirations=("X",)),
            person("qc", "C", 2, locked=True),
            person("x", "X", 10),
        ],
        min_moves_cap=1,
    )
    solution = solve(inst, time_limit=10)
    assert len(solution.moves) == 1
    left_out = "q" if plan_of(solution).get("p") == "X" else "p"
    found = entry(solution, left_out)
    assert found.reason == "ARRIVALS_CAP"
    swapped = check_plan(inst, {left_out: "X"}).objective
    assert found.cost_to_force == pytest.approx(swapped - solution.objective, abs=1e-5)


def test_second_person_leaving_a_small_unit_says_departures_cap() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 2.0}), unit("C", 12, {"f": 2.0})],
        [
            person("p", "A", aspirations=("B",)),
            person("q", "A", aspirations=("C",)),
            person("a", "A", locked=True),
            person("b", "B", 10),
            person("c", "C", 12),
        ],
        min_moves_cap=1,
    )
    solution = solve(inst, time_limit=10)
    assert len(solution.moves) == 1
    left_out = "q" if "p" in plan_of(solution) else "p"
    assert entry(solution, left_out).reason == "DEPARTURES_CAP"
    assert entry(solution, left_out).cost_to_force is not None


def test_wish_beyond_the_total_moves_cap_says_so() -> None:
    inst = instance(
        [
            unit("A", 0, {"f": 1.0}),
            unit("B", 10, {"f": 2.0}),
            unit("C", 50, {"f": 1.0}),
            unit("D", 60, {"f": 2.0}),
        ],
        [
            person("p", "A", aspirations=("B",)),
            person("a", "A", locked=True),
            person("b", "B", 10),
            person("q", "C", 50, aspirations=("D",)),
            person("c", "C", 50, locked=True),
            person("d", "D", 60),
        ],
        max_total_moves=1,
    )
    solution = solve(inst, time_limit=10)
    assert len(solution.moves) == 1
    left_out = "q" if "p" in plan_of(solution) else "p"
    found = entry(solution, left_out)
    assert found.reason == "TOTAL_MOVES_CAP"
    assert found.cost_to_force is not None and found.cost_to_force >= -1e-6


def test_granted_aspiration_has_no_entry_but_better_ranked_ones_do() -> None:
    inst = instance(
        [
            unit("A", 0, {"f": 1.0}),
            unit("B", 10, {"f": 1.0}),
            unit("X", 10, {"f": 2.0}),
            unit("Y", 10, {"f": 1.0}),
        ],
        [
            person("e", "A", aspirations=("B", "X", "Y")),
            person("pa", "A", locked=True),
            person("b", "B", 10),
            person("x", "X", 10),
            person("y", "Y", 10),
        ],
    )
    solution = solve(inst, time_limit=10)
    assert plan_of(solution) == {"e": "X"}
    assert [(n.aspiration, n.reason) for n in solution.not_granted] == [("B", "NOT_BETTER")]
    assert solution.moves[0].explanation.aspiration_rank == 2
