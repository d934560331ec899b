"""The solve's stopping rule (a share of the achievable improvement left) and the dive that
rounds the master LP: valid plans, bounds proven over every allowed move, small instances
still proven optimal by default."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns
from core.rebalance.compiled import compile_instance
from core.rebalance.formulation import build_segments
from core.rebalance.generator import generate_bench_instance, generate_instance
from core.rebalance.master import MasterLP, dive
from core.rebalance.pipeline import (
    FULL_ENUMERATION_MAX,
    IMPROVEMENT_LEFT_STOP,
    assignment_map,
    default_gap_tolerance,
    plan_of,
)
from core.rebalance.relaxation import solve_relaxation

TOL = 1e-6


def share_left(objective: float, bound: float, status_quo: float) -> float:
    return (objective - bound) / max(1e-9, status_quo - bound)


def test_the_rule_applies_by_default_only_above_the_listing_threshold() -> None:
    assert default_gap_tolerance(FULL_ENUMERATION_MAX) == 0.0
    assert default_gap_tolerance(FULL_ENUMERATION_MAX + 1) == IMPROVEMENT_LEFT_STOP
    assert 0.0 < IMPROVEMENT_LEFT_STOP <= 1e-3  # the tightest target is 0.1 % (M)
    # a small instance keeps its proven optimum
    solution = solve(generate_instance(114, 5, seed=2), time_limit=10)
    assert solution.stats["gap_tolerance"] == 0.0
    assert solution.status == "OPTIMAL"


@pytest.mark.parametrize("listed", [True, False])
def test_a_solve_stopped_by_the_rule_leaves_at_most_that_share_with_a_proven_bound(
    listed: bool,
) -> None:
    inst = generate_bench_instance("S", 1)
    exact = solve(inst, time_limit=60)
    assert exact.status == "OPTIMAL"
    tolerance = 0.02
    stopped = solve(
        inst,
        time_limit=60,
        gap_tolerance=tolerance,
        full_enumeration_max=FULL_ENUMERATION_MAX if listed else 0,
    )
    assert stopped.stats["gap_tolerance"] == tolerance
    result = check_plan(inst, {m.employee: m.to_unit for m in stopped.moves})
    assert result.ok, result.violations
    assert result.objective == pytest.approx(stopped.objective, rel=TOL)
    # the bound stays proven: never above the true optimum
    assert stopped.bound <= exact.objective + TOL * abs(exact.objective)
    assert stopped.bound <= stopped.objective + TOL * abs(stopped.objective)
    left = share_left(stopped.objective, stopped.bound, stopped.status_quo_objective)
    assert left <= tolerance + 1e-9
    # FEASIBLE unless the bound met the plan
    gap = stopped.objective - stopped.bound
    assert (stopped.status == "OPTIMAL") == (gap <= TOL * max(1.0, abs(stopped.objective)))


def test_diving_the_master_gives_a_valid_integral_plan_from_a_fractional_lp() -> None:
    inst = generate_instance(114, 5, seed=2)  # its LP optimum splits employees
    ci = compile_instance(inst)
    cols = build_columns(ci)
    relaxed = solve_relaxation(ci, cols, build_segments(ci, cols), time.perf_counter() + 10)
    assert relaxed.priced_out and not relaxed.integral
    master = MasterLP(ci, build_segments(ci, None))
    master.add_columns(cols, cols)
    lp = master.solve(10)
    assert lp.status == "OPTIMAL"
    assert lp.objective == pytest.approx(relaxed.lp_objective, rel=1e-9, abs=1e-6)
    values = dive(master, lp.x, time.perf_counter() + 10)
    assert values is not None
    assert set(np.unique(values).tolist()) <= {0.0, 1.0}
    plan = plan_of(ci, cols, values)
    result = check_plan(inst, assignment_map(ci, plan))
    assert result.ok, result.violations
    # the dive's plan is exactly its 0/1 LP point: no couple had to be sent home
    moved = np.nonzero(values)[0]
    assert (plan[cols.emp[moved]] == cols.unit[moved]).all()
    assert result.objective >= lp.objective - TOL * abs(lp.objective)


def test_a_dive_that_runs_out_of_time_gives_nothing() -> None:
    inst = generate_instance(114, 5, seed=2)
    ci = compile_instance(inst)
    cols = build_columns(ci)
    master = MasterLP(ci, build_segments(ci, None))
    master.add_columns(cols, cols)
    lp = master.solve(10)
    frac = (lp.x > 1e-6) & (lp.x < 1 - 1e-6)
    assert frac.any()
    assert dive(master, lp.x, time.perf_counter() - 1.0) is None
