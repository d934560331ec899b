"""Each allowed-moves rule of docs/optimisation.md on a tiny case where it binds and one where
it does not."""

from __future__ import annotations

from dataclasses import replace

from core.rebalance import check_plan, solve
from core.rebalance.model import Instance, Solution
from tests.unit.rebalance.builders import crowd, instance, person, unit


def moved(solution: Solution) -> set[str]:
    return {m.employee for m in solution.moves}


def solved(inst: Instance) -> Solution:
    solution = solve(inst, time_limit=10)
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert check_plan(inst, plan).ok
    return solution


def surplus_to_deficit(**fields: object) -> Instance:
    """A has 3 people for 1 FTE, B has 1 for 3 FTE, 10 km apart: two moves fix both."""
    return instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 3.0})],
        crowd("a", "A", 3, **fields) + [person("b0", "B", 10)],
    )


def test_two_people_move_from_surplus_to_deficit_when_nothing_stops_them() -> None:
    solution = solved(surplus_to_deficit())
    assert len(solution.moves) == 2
    assert solution.status == "OPTIMAL"


def test_short_tenure_keeps_people_in_place() -> None:
    assert solved(surplus_to_deficit(tenure_months=23)).moves == ()


def test_tenure_equal_to_the_minimum_allows_a_move() -> None:
    assert len(solved(surplus_to_deficit(tenure_months=24)).moves) == 2


def test_locked_people_never_move() -> None:
    assert solved(surplus_to_deficit(locked=True)).moves == ()


def test_twelve_months_to_retirement_keeps_people_in_place() -> None:
    assert solved(surplus_to_deficit(months_to_retirement=12)).moves == ()


def test_thirteen_months_to_retirement_allows_a_move() -> None:
    assert len(solved(surplus_to_deficit(months_to_retirement=13)).moves) == 2


def test_a_unit_without_the_family_in_its_demand_receives_nobody() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 10, {"g": 3.0})],
        crowd("a", "A", 3) + [person("b0", "B", 10, family="g")],
    )
    assert solved(inst).moves == ()


def test_a_unit_too_far_from_home_is_not_a_destination() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 130, {"f": 3.0})],
        crowd("a", "A", 3) + [person("b0", "B", 130)],
    )
    assert solved(inst).moves == ()


def test_a_far_unit_is_allowed_when_it_is_an_aspiration() -> None:
    inst = instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 130, {"f": 3.0})],
        crowd("a", "A", 3, aspirations=("B",)) + [person("b0", "B", 130)],
    )
    assert len(solved(inst).moves) == 2


def test_voluntary_only_moves_nobody_without_an_aspiration() -> None:
    base = surplus_to_deficit()
    inst = replace(base, policy=replace(base.policy, voluntary_only=True))
    assert solved(inst).moves == ()


def test_voluntary_only_moves_people_to_their_aspirations() -> None:
    base = surplus_to_deficit(aspirations=("B",))
    inst = replace(base, policy=replace(base.policy, voluntary_only=True))
    assert len(solved(inst).moves) == 2


def test_arrivals_cap_limits_how_many_join_a_small_unit() -> None:
    units = [unit("A", 0, {"f": 18.0}), unit("B", 10, {"f": 3.0})]
    people = crowd("a", "A", 20) + [person("b0", "B", 10)]
    assert len(solved(instance(units, people, min_moves_cap=1)).moves) == 1
    assert len(solved(instance(units, people, min_moves_cap=2)).moves) == 2


def test_departures_cap_limits_how_many_leave_a_small_unit() -> None:
    units = [unit("A", 0, {"f": 1.0}), unit("B", 10, {"f": 22.0})]
    people = crowd("a", "A", 3) + crowd("b", "B", 20, 10)
    assert len(solved(instance(units, people, min_moves_cap=1)).moves) == 1
    assert len(solved(instance(units, people, min_moves_cap=2)).moves) == 2


def test_total_moves_cap_limits_the_whole_plan() -> None:
    base = surplus_to_deficit()
    assert len(solved(replace(base, policy=replace(base.policy, max_total_moves=1))).moves) == 1
    assert len(solved(replace(base, policy=replace(base.policy, max_total_moves=5))).moves) == 2


def couple_case(spouse_locked: bool, linked: bool = True) -> Instance:
    """a0 is the only one free to go 60 km to B; s0, in A with a0, is their spouse."""
    a0 = person("a0", "A", spouse="s0" if linked else None)
    s0 = person("s0", "A", spouse="a0" if linked else None, locked=spouse_locked)
    others = crowd("x", "A", 2, locked=True)
    return instance(
        [unit("A", 0, {"f": 1.0}), unit("B", 60, {"f": 3.0})],
        [a0, s0, *others, person("b0", "B", 60)],
    )


def test_a_couple_is_never_separated_beyond_the_spouse_distance() -> None:
    assert "a0" not in moved(solved(couple_case(spouse_locked=True)))


def test_without_the_couple_the_same_person_would_move() -> None:
    assert "a0" in moved(solved(couple_case(spouse_locked=True, linked=False)))


def test_a_couple_may_move_together() -> None:
    assert moved(solved(couple_case(spouse_locked=False))) == {"a0", "s0"}
