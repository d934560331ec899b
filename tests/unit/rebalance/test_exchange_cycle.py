"""A plan only a 3-cycle improves: the engine finds it, single-move descent cannot."""

from __future__ import annotations

import time

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns
from core.rebalance.compiled import compile_instance
from core.rebalance.greedy import greedy_descent
from core.rebalance.model import Instance
from tests.unit.rebalance.builders import instance, person, unit


def three_cycle() -> Instance:
    """Three balanced units; each person wishes to be where the next one is."""
    return instance(
        [unit("A", 0), unit("B", 10), unit("C", 20)],
        [
            person("eA", "A", 0, aspirations=("B",)),
            person("eB", "B", 10, aspirations=("C",)),
            person("eC", "C", 20, aspirations=("A",)),
        ],
    )


def test_engine_finds_the_three_cycle_and_proves_it_optimal() -> None:
    inst = three_cycle()
    solution = solve(inst, time_limit=10)
    assert {(m.employee, m.to_unit) for m in solution.moves} == {
        ("eA", "B"),
        ("eB", "C"),
        ("eC", "A"),
    }
    assert solution.status == "OPTIMAL"
    assert solution.objective < solution.status_quo_objective
    assert check_plan(inst, {m.employee: m.to_unit for m in solution.moves}).ok


def test_every_move_of_the_cycle_names_the_whole_cycle_as_its_chain() -> None:
    solution = solve(three_cycle(), time_limit=10)
    for move in solution.moves:
        assert sorted(move.explanation.chain) == ["eA", "eB", "eC"]
        assert move.explanation.aspiration_rank == 1
        # undoing one move of a cycle leaves one unit short and one over: it helps a lot
        assert move.explanation.objective_delta < -200


def test_single_move_descent_stays_put_on_the_three_cycle() -> None:
    ci = compile_instance(three_cycle())
    plan = greedy_descent(ci, build_columns(ci), time.perf_counter() + 10)
    assert (plan == ci.emp_unit).all()
