"""CP-SAT on the same formulation: the fallback when the LP is fractional, and a baseline.

Costs are scaled to integers (millionths of a point); the plan it returns is re-evaluated
exactly by the caller, and the bound it reports is corrected for the rounding, so it stays a
proven bound for the model it was given.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.rebalance.candidates import Columns
from core.rebalance.compiled import CompiledInstance, IntArray
from core.rebalance.formulation import Formulation

COST_SCALE = 1_000_000


@dataclass(frozen=True, slots=True, eq=False)
class CpSatOutcome:
    """What CP-SAT returned: a plan (or none), its status and its own bound (scaled back)."""

    status: str
    assignment: IntArray | None
    bound: float
    seconds: float
    build_seconds: float


def segment_values(ci: CompiledInstance, form: Formulation, assignment: IntArray) -> np.ndarray:
    """Segment variable values that complete a plan's move values (fill runs in order)."""
    staff = ci.staff_of(assignment)
    change = staff - ci.pair_base
    segs = form.segments
    values = np.zeros(segs.pair.shape[0], dtype=np.int64)
    left = change.copy()
    for i in range(segs.pair.shape[0]):
        p, d = int(segs.pair[i]), int(segs.direction[i])
        want = left[p] * d
        if want > 0:
            take = min(want, int(segs.length[i]))
            values[i] = take
            left[p] -= take * d
    return values


def _stop_at(stop_at: float, constant: float) -> Any:
    """A solution callback that stops the search at the first solution whose objective (in
    points, `constant` the formulation's) is at most `stop_at`."""
    from ortools.sat.python import cp_model

    target = (stop_at - constant) * COST_SCALE  # in CP-SAT's scaled integers

    class StopAt(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if self.objective_value <= target:
                self.stop_search()

    return StopAt()


def solve_cpsat(
    ci: CompiledInstance,
    cols: Columns,
    form: Formulation,
    time_limit: float,
    hint: IntArray | None = None,
    workers: int = 2,
    seed: int = 0,
    fixed_columns: IntArray | None = None,
    stop_at: float | None = None,
) -> CpSatOutcome:
    """Solve the integer model over the formulation's columns within the time limit.

    `fixed_columns` (column indices, all in the formulation) are forced to be moves.
    `stop_at` (objective points): the search stops at the first solution whose objective is at
    most this (the caller's stopping rule: close enough to a bound it proved elsewhere); the
    status is then FEASIBLE unless CP-SAT had proven it optimal.
    """
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    model = cp_model.CpModel()
    k = form.n_moves
    xs = [model.new_bool_var("") for _ in range(k)]
    zs = [model.new_int_var(0, int(length), "") for length in form.segments.length.tolist()]
    allvars = xs + zs
    if fixed_columns is not None and fixed_columns.shape[0]:
        position = {int(c): i for i, c in enumerate(form.active.tolist())}
        for c in fixed_columns.tolist():
            model.add(xs[position[int(c)]] == 1)
    order = np.argsort(form.coo_row, kind="stable")
    rows, vars_, coefs = form.coo_row[order], form.coo_var[order], form.coo_coef[order]
    bounds = np.searchsorted(rows, np.arange(form.n_rows + 1))
    for r in range(form.n_rows):
        lo, hi = int(bounds[r]), int(bounds[r + 1])
        if lo == hi:
            continue
        expr = cp_model.LinearExpr.weighted_sum(
            [allvars[v] for v in vars_[lo:hi].tolist()], [int(c) for c in coefs[lo:hi].tolist()]
        )
        lb, ub = float(form.row_lb[r]), float(form.row_ub[r])
        if np.isfinite(lb) and lb == ub:
            model.add(expr == int(round(lb)))
        else:
            if np.isfinite(ub):
                model.add(expr <= int(np.floor(ub + 1e-9)))
            if np.isfinite(lb):
                model.add(expr >= int(np.ceil(lb - 1e-9)))
    scaled = np.rint(form.var_cost * COST_SCALE).astype(np.int64)
    model.minimize(cp_model.LinearExpr.weighted_sum(allvars, scaled.tolist()))
    if hint is not None:
        chosen = np.zeros(cols.size, dtype=bool)
        moved = np.nonzero(hint != ci.emp_unit)[0]
        for e in moved.tolist():
            j = cols.find(e, int(hint[e]))
            if j >= 0:
                chosen[j] = True
        x_hint = chosen[form.active]
        for v, val in zip(xs, x_hint.tolist(), strict=True):
            model.add_hint(v, bool(val))
        for v, val in zip(zs, segment_values(ci, form, hint).tolist(), strict=True):
            model.add_hint(v, int(val))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - start))
    solver.parameters.num_workers = max(1, min(workers, os.cpu_count() or 1))
    solver.parameters.random_seed = seed
    build_seconds = time.perf_counter() - start
    callback = None if stop_at is None else _stop_at(stop_at, form.constant)
    status = solver.solve(model, callback)
    seconds = time.perf_counter() - start
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignment = ci.emp_unit.copy()
        values = np.array([solver.boolean_value(v) for v in xs], dtype=bool)
        picked = form.active[values]
        assignment[cols.emp[picked]] = cols.unit[picked]
        # every variable's rounded cost may exceed its true cost: take that off the bound
        excess = np.maximum(0.0, scaled - form.var_cost * COST_SCALE) * form.var_ub
        bound = (solver.best_objective_bound - float(excess.sum())) / COST_SCALE + form.constant
        name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
        return CpSatOutcome(name, assignment, bound, seconds, build_seconds)
    if status == cp_model.UNKNOWN:
        return CpSatOutcome("UNKNOWN", None, -np.inf, seconds, build_seconds)
    # INFEASIBLE or MODEL_INVALID: staying put is always feasible, so the model is wrong.
    raise RuntimeError(f"CP-SAT reported {solver.status_name(status)}; the model is wrong")
