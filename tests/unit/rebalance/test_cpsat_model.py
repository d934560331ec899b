"""CP-SAT on the full formulation agrees with the proven LP optimum (the fallback's model)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns
from core.rebalance.compiled import compile_instance
from core.rebalance.cpsat import solve_cpsat
from core.rebalance.formulation import build_formulation, build_segments
from core.rebalance.generator import generate_instance
from core.rebalance.pipeline import assignment_map
from core.rebalance.relaxation import solve_relaxation


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cpsat_on_every_allowed_move_reaches_the_lp_proven_optimum(seed: int) -> None:
    inst = generate_instance(80, 5, seed=seed)
    proven = solve(inst, time_limit=10)
    assert proven.status == "OPTIMAL"
    ci = compile_instance(inst)
    cols = build_columns(ci)
    form = build_formulation(ci, cols, build_segments(ci, cols), np.ones(cols.size, dtype=bool))
    out = solve_cpsat(ci, cols, form, time_limit=20, hint=ci.emp_unit, workers=2, seed=0)
    assert out.assignment is not None
    result = check_plan(inst, assignment_map(ci, out.assignment))
    assert result.ok, result.violations
    assert result.objective == pytest.approx(proven.objective, abs=1e-3)


def test_a_fractional_lp_falls_back_to_cpsat_and_still_proves_the_optimum() -> None:
    inst = generate_instance(114, 5, seed=2)  # its LP optimum splits employees
    ci = compile_instance(inst)
    cols = build_columns(ci)
    relaxed = solve_relaxation(ci, cols, build_segments(ci, cols), time.perf_counter() + 10)
    assert relaxed.priced_out and not relaxed.integral
    solution = solve(inst, time_limit=10)
    assert "cp-sat" in str(solution.stats["method"])
    assert solution.status == "OPTIMAL"
    assert solution.objective > relaxed.lp_objective  # the integer optimum costs more
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert check_plan(inst, plan).ok
