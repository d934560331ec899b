"""The aggregate LP (aggregate.py) that starts column generation on large instances: its duals
give a bound proven over every allowed move, its counts carried out give a lawful plan, and the
solve falls back to the status quo's marginal costs when it cannot be solved in time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from core.rebalance import check_plan, solve
from core.rebalance import pipeline as pipeline_module
from core.rebalance.candidates import aspiration_columns, move_rules
from core.rebalance.compiled import compile_instance
from core.rebalance.formulation import build_segments
from core.rebalance.generator import generate_bench_instance
from core.rebalance.model import Instance
from core.rebalance.pipeline import aggregate_start
from core.rebalance.pricing import build_index
from tests.unit.rebalance.builders import crowd, instance, person, unit
from tests.unit.rebalance.test_implicit_pricing import small_instances

TOL = 1e-6


def _plan_map(inst: Instance, plan: np.ndarray) -> dict[str, str]:
    ci = compile_instance(inst)
    return {
        inst.employees[e].id: ci.unit_ids[int(plan[e])]
        for e in np.nonzero(plan != ci.emp_unit)[0].tolist()
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_the_bound_at_the_aggregate_duals_holds_and_its_plan_is_lawful(inst: Instance) -> None:
    ci = compile_instance(inst)
    index = build_index(ci, move_rules(ci))
    start = aggregate_start(ci, index, build_segments(ci, None), 20.0)
    assert start is not None
    # the plan carrying out the aggregate's counts breaks no rule of §2
    result = check_plan(inst, _plan_map(inst, start.plan))
    assert result.ok, result.violations
    assert result.objective == pytest.approx(ci.objective(start.plan), rel=TOL, abs=TOL)
    # every move of that plan is in the first pool, with every allowed aspiration move
    moved = np.nonzero(start.plan != ci.emp_unit)[0]
    assert all(start.columns.find(int(e), int(start.plan[e])) >= 0 for e in moved)
    aspirations = aspiration_columns(ci, index.rules)
    assert all(
        start.columns.find(int(e), int(u)) >= 0
        for e, u in zip(aspirations.emp, aspirations.unit, strict=True)
    )
    # the Lagrangian bound at its duals is below the proven optimum over every allowed move
    optimum = solve(inst, time_limit=20)
    bound = start.start.bound
    assert bound <= optimum.objective + TOL * max(1.0, abs(optimum.objective))
    if optimum.status == "OPTIMAL":
        assert bound <= optimum.bound + TOL * max(1.0, abs(optimum.bound))
    assert bound <= result.objective + TOL * max(1.0, abs(result.objective))


def test_the_aggregate_sends_a_surplus_to_the_nearby_shortage() -> None:
    # A holds 6 where 2 are needed, B 1 where 5 are needed, 10 km apart; C, far off and
    # balanced, must not be touched. Caps: 2 arrivals into B whatever the headcount.
    inst = instance(
        [
            unit("A", 0.0, {"f": 2.0}),
            unit("B", 10.0, {"f": 5.0}),
            unit("C", 60.0, {"f": 3.0}),
        ],
        crowd("a", "A", 6, 0.0) + [person("b0", "B", 10.0)] + crowd("c", "C", 3, 60.0),
        min_moves_cap=2,
    )
    ci = compile_instance(inst)
    index = build_index(ci, move_rules(ci))
    start = aggregate_start(ci, index, build_segments(ci, None), 10.0)
    assert start is not None
    moves = _plan_map(inst, start.plan)
    assert len(moves) == 2
    assert all(e.startswith("a") and u == "B" for e, u in moves.items())
    optimum = solve(inst, time_limit=10)
    assert optimum.status == "OPTIMAL"
    assert ci.objective(start.plan) == pytest.approx(optimum.objective, rel=TOL)
    # its bound is proven and, with one family and no skills, within a point of the optimum
    assert optimum.objective - 1.0 <= start.start.bound <= optimum.objective + TOL


@pytest.mark.parametrize("use_aggregate", [True, False])
def test_an_implicit_solve_starts_from_the_aggregate_or_falls_back(
    use_aggregate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_module, "USE_AGGREGATE", use_aggregate)
    inst = generate_bench_instance("S", 1)
    listed = solve(inst, time_limit=60)
    implicit = solve(inst, time_limit=60, full_enumeration_max=0)
    assert implicit.stats["first_pool"] == ("aggregate" if use_aggregate else "status-quo")
    assert implicit.stats["lp_priced_out"] is True
    assert implicit.bound == pytest.approx(listed.bound, rel=1e-6)
    assert implicit.objective <= listed.objective + 1e-6 * abs(listed.objective)
    result = check_plan(inst, {m.employee: m.to_unit for m in implicit.moves})
    assert result.ok, result.violations
    if use_aggregate:
        assert implicit.stats["aggregate_bound"] <= implicit.bound + 1e-6 * abs(implicit.bound)


def test_a_tiny_limit_with_the_aggregate_still_gives_a_valid_plan() -> None:
    inst = generate_bench_instance("M", 0)  # moves priced once listing is switched off
    solution = solve(inst, time_limit=0.5, full_enumeration_max=0)
    assert solution.stats["implicit_pricing"] is True
    assert len(solution.moves) > 0
    result = check_plan(inst, {m.employee: m.to_unit for m in solution.moves})
    assert result.ok, result.violations
    assert solution.objective < solution.status_quo_objective
    assert solution.bound <= solution.objective + TOL * abs(solution.objective)


def test_an_aggregate_lp_that_runs_out_of_its_time_counts_as_lp_work_and_the_lp_still_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS stopping the aggregate LP at its time share (as under heavy load) must not eat
    the column generation's time: before, its seconds were counted as candidate listing, the
    validation reserve grew by 1.8 times them, and no LP round was left at all."""
    import time

    from core.rebalance import aggregate as aggregate_module

    real = aggregate_module.solve_aggregate
    waited = 1.2

    def timed_out(*args: object) -> object:
        answer = real(*args)  # type: ignore[arg-type]
        time.sleep(waited)
        return dataclasses.replace(answer, status="Time limit reached")

    monkeypatch.setattr(aggregate_module, "solve_aggregate", timed_out)
    inst = generate_bench_instance("S", 1)
    solution = solve(inst, time_limit=4.0, full_enumeration_max=0)
    assert solution.stats["first_pool"] == "status-quo"
    assert solution.stats["phase_seconds"]["lp"] >= waited
    assert solution.stats["phase_seconds"]["candidates"] < waited
    assert solution.stats["lp_rounds"] >= 1
    result = check_plan(inst, {m.employee: m.to_unit for m in solution.moves})
    assert result.ok, result.violations
    assert solution.bound <= solution.objective + TOL * abs(solution.objective)
