"""Properties on random small instances: every plan passes the validator and beats no plan."""

from __future__ import annotations

import time
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns
from core.rebalance.compiled import compile_instance
from core.rebalance.generator import generate_instance
from core.rebalance.model import Instance
from core.rebalance.pipeline import assignment_map


@st.composite
def small_instances(draw: st.DrawFn) -> Instance:
    base = generate_instance(
        draw(st.integers(4, 60)), draw(st.integers(2, 7)), seed=draw(st.integers(0, 10_000))
    )
    policy = replace(
        base.policy,
        min_moves_cap=draw(st.integers(0, 3)),
        max_total_moves=draw(st.one_of(st.none(), st.integers(0, 6))),
        voluntary_only=draw(st.booleans()),
        max_home_distance_km=draw(st.sampled_from([5.0, 30.0, 120.0])),
        spouse_max_distance_km=draw(st.sampled_from([0.0, 10.0, 40.0])),
        min_tenure_months=draw(st.sampled_from([0, 24, 60])),
    )
    return replace(base, policy=policy)


FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(small_instances())
def test_every_returned_plan_passes_the_validator_and_never_loses_to_status_quo(
    inst: Instance,
) -> None:
    solution = solve(inst, time_limit=10)
    plan = {m.employee: m.to_unit for m in solution.moves}
    result = check_plan(inst, plan)
    assert result.ok, result.violations
    assert abs(result.objective - solution.objective) <= 1e-6 * max(1.0, abs(result.objective))
    assert solution.objective <= solution.status_quo_objective + 1e-6
    assert solution.bound <= solution.objective + 1e-6
    assert solution.status in ("OPTIMAL", "FEASIBLE")


@FAST
@given(small_instances())
def test_single_move_descent_plans_also_pass_the_validator(inst: Instance) -> None:
    from core.rebalance.greedy import greedy_descent

    ci = compile_instance(inst)
    plan = greedy_descent(ci, build_columns(ci), time.perf_counter() + 10)
    result = check_plan(inst, assignment_map(ci, plan))
    assert result.ok, result.violations
    assert result.objective <= check_plan(inst, {}).objective + 1e-6


@FAST
@given(small_instances())
def test_the_engine_is_never_worse_than_single_move_descent(inst: Instance) -> None:
    from core.rebalance.greedy import greedy_descent

    ci = compile_instance(inst)
    greedy = check_plan(
        inst, assignment_map(ci, greedy_descent(ci, build_columns(ci), time.perf_counter() + 10))
    ).objective
    solution = solve(inst, time_limit=10)
    if solution.status == "OPTIMAL":
        assert solution.objective <= greedy + 1e-6
