"""The solver pipeline of docs/optimisation.md (method): columns, LP by column generation,
CP-SAT if fractional.

Every plan returned has passed the solver-independent validator; a plan that does not is a bug
and raises `PlanRejected`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from core.rebalance.candidates import Columns, build_columns
from core.rebalance.compiled import CompiledInstance, IntArray, compile_instance
from core.rebalance.explain import explain_moves, not_granted
from core.rebalance.formulation import Segments, build_formulation, build_segments
from core.rebalance.greedy import greedy_descent
from core.rebalance.model import Instance, Solution
from core.rebalance.relaxation import Relaxation, solve_relaxation
from core.rebalance.validator import PlanRejected, validate_plan

DEFAULT_TIME_LIMIT = 60.0
# Below this many allowed moves, CP-SAT on all of them can close a fractional LP's gap.
FULL_CPSAT_MAX_COLUMNS = 20_000
OPTIMALITY_TOL = 1e-6  # relative: objective within this of the bound counts as proven optimal


def trivial_bound(ci: CompiledInstance, cols: Columns) -> float:
    """A weak but proven bound: every person at their cheapest option, no imbalance at all."""
    best = ci.stay_cost.copy()
    has = np.diff(cols.emp_start) > 0
    if cols.size:
        mins = np.minimum.reduceat(cols.cost, cols.emp_start[:-1][has])
        best[has] += np.minimum(mins, 0.0)
    return float(best.sum())


def assignment_map(ci: CompiledInstance, assignment: IntArray) -> dict[str, str]:
    """Employee id -> final unit id for the employees who move."""
    moved = np.nonzero(assignment != ci.emp_unit)[0]
    return {ci.instance.employees[e].id: ci.unit_ids[int(assignment[e])] for e in moved.tolist()}


def rounded_plan(ci: CompiledInstance, cols: Columns, rel: Relaxation) -> IntArray:
    """Moves the LP makes fully, couples kept together by sending both home when needed."""
    assignment = ci.emp_unit.copy()
    whole = np.nonzero(rel.x >= 1.0 - 1e-6)[0]
    assignment[cols.emp[whole]] = cols.unit[whole]
    for e in np.nonzero(ci.spouse >= 0)[0].tolist():
        s = int(ci.spouse[e])
        apart = float(ci.unit_distance(int(assignment[e]), int(assignment[s])))
        if apart > ci.spouse_limit_km(e) + 1e-9:
            assignment[e], assignment[s] = ci.emp_unit[e], ci.emp_unit[s]
    return assignment


@dataclass(frozen=True, slots=True, eq=False)
class NeighbourhoodOutcome:
    """CP-SAT's answer on the fractional part of the LP, the rest fixed to the LP's moves."""

    status: str
    assignment: IntArray | None
    free_employees: int


def fractional_neighbourhood_cpsat(
    ci: CompiledInstance,
    cols: Columns,
    segs: Segments,
    rel: Relaxation,
    time_limit: float,
    hint: IntArray | None,
    workers: int,
    seed: int,
) -> NeighbourhoodOutcome:
    """CP-SAT over the employees the LP splits, those sharing their pairs, and their spouses.

    Every other employee keeps the LP's whole move (or stays). All-free-stay is feasible, so
    CP-SAT always has a plan to start from; the hint is the rounded LP plan.
    """
    from core.rebalance.cpsat import solve_cpsat

    x = rel.x
    split = (x > 1e-6) & (x < 1.0 - 1e-6)
    whole = x >= 1.0 - 1e-6
    free = np.zeros(ci.n_employees, dtype=bool)
    free[cols.emp[split]] = True
    pairs = np.zeros(ci.n_pairs, dtype=bool)
    pairs[cols.dest_pair[split]] = True
    pairs[cols.orig_pair[split]] = True
    free[cols.emp[whole & (pairs[cols.dest_pair] | pairs[cols.orig_pair])]] = True
    has_spouse = np.nonzero(ci.spouse >= 0)[0]
    free[has_spouse] |= free[ci.spouse[has_spouse]]
    fixed = whole & ~free[cols.emp]
    mask = (rel.active & free[cols.emp]) | fixed
    form = build_formulation(ci, cols, segs, mask)
    out = solve_cpsat(
        ci,
        cols,
        form,
        time_limit,
        hint=hint,
        workers=workers,
        seed=seed,
        fixed_columns=np.nonzero(fixed)[0],
    )
    return NeighbourhoodOutcome(out.status, out.assignment, int(free.sum()))


def integer_plan(
    ci: CompiledInstance,
    cols: Columns,
    segs: Segments,
    rel: Relaxation,
    until: float,
    workers: int,
    seed: int,
    stats: dict[str, object],
) -> tuple[IntArray, str, float]:
    """The plan from the LP: as is when integral; else rounding, descent and CP-SAT.

    Returns the plan, how it was found, and CP-SAT's proven bound over every allowed move
    (-inf unless the instance was small enough to run it).
    """
    if rel.solved and rel.integral:
        return rounded_plan(ci, cols, rel), "lp-highs", -np.inf
    start_plan = rounded_plan(ci, cols, rel) if rel.solved else None
    plan = greedy_descent(
        ci, cols, until, start=start_plan, allowed=rel.active if rel.solved else None
    )
    method = "lp-highs+rounding+descent" if rel.solved else "descent"
    if not rel.solved:
        return plan, method, -np.inf
    if until - time.perf_counter() > 0.2:
        out = fractional_neighbourhood_cpsat(
            ci, cols, segs, rel, until - time.perf_counter(), start_plan, workers, seed
        )
        stats["cpsat_status"] = out.status
        stats["cpsat_free_employees"] = out.free_employees
        if out.assignment is not None and ci.objective(out.assignment) < ci.objective(plan):
            plan, method = out.assignment, "lp-highs+cp-sat"
    cpsat_bound = -np.inf
    if cols.size <= FULL_CPSAT_MAX_COLUMNS and until - time.perf_counter() > 0.2:
        # small enough to let CP-SAT prove the integer optimum over every allowed move
        from core.rebalance.cpsat import solve_cpsat

        full = build_formulation(ci, cols, segs, np.ones(cols.size, dtype=bool))
        out_full = solve_cpsat(
            ci, cols, full, until - time.perf_counter(), hint=plan, workers=workers, seed=seed
        )
        stats["cpsat_full_status"] = out_full.status
        if out_full.assignment is not None:
            cpsat_bound = out_full.bound
            if ci.objective(out_full.assignment) < ci.objective(plan):
                plan, method = out_full.assignment, "lp-highs+cp-sat-full"
    return plan, method, cpsat_bound


def solve(
    instance: Instance,
    time_limit: float = DEFAULT_TIME_LIMIT,
    *,
    seed: int = 0,
    workers: int | None = None,
    gap_tolerance: float = 0.0,
) -> Solution:
    """The best plan found within `time_limit` seconds, validated, with bound and explanations."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    workers = max(1, min(workers or (os.cpu_count() or 1), os.cpu_count() or 1))
    ci = compile_instance(instance)
    cols = build_columns(ci)
    segs = build_segments(ci, cols)
    # keep time for validation and explanations (measured: ~60 us per aspiration, ~15 us per
    # employee), and a little for CP-SAT in case the LP comes out fractional
    aspirations = int((ci.aspirations >= 0).sum())
    reserve = max(0.05 * time_limit, 0.15 + 6e-5 * aspirations + 1.5e-5 * ci.n_employees)
    cpsat_share = min(8.0, 0.08 * time_limit)
    rel = solve_relaxation(
        ci, cols, segs, deadline - reserve - cpsat_share, gap_tolerance=gap_tolerance
    )
    stats: dict[str, object] = {
        "columns_allowed": cols.size,
        "columns_used": int(rel.active.sum()),
        "lp_rounds": rel.rounds,
        "lp_priced_out": rel.priced_out,
        "variables": rel.formulation.n_vars if rel.formulation else 0,
        "rows": rel.formulation.n_rows if rel.formulation else 0,
    }
    plan, method, cpsat_bound = integer_plan(
        ci, cols, segs, rel, deadline - reserve, workers, seed, stats
    )
    if ci.objective(plan) > ci.objective(ci.emp_unit):
        plan = ci.emp_unit.copy()  # a rounded plan can be worse than doing nothing
        method += "+status-quo"
    mapping = assignment_map(ci, plan)
    objective = validate_plan(instance, mapping)
    status_quo = validate_plan(instance, {})
    bound = rel.bound if np.isfinite(rel.bound) else -np.inf
    bound = max(bound, trivial_bound(ci, cols), cpsat_bound)
    tol = OPTIMALITY_TOL * max(1.0, abs(objective))
    if bound > objective + tol:
        raise PlanRejected([f"bound {bound} above the objective {objective} of a valid plan"])
    bound = min(bound, objective)
    status = "OPTIMAL" if objective - bound <= tol else "FEASIBLE"
    if objective > status_quo + tol:
        raise PlanRejected([f"plan objective {objective} worse than status quo {status_quo}"])
    moves = explain_moves(ci, cols, plan)
    refused = not_granted(ci, cols, plan)
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["method"] = method
    return Solution(
        status=status,
        objective=objective,
        bound=bound,
        status_quo_objective=status_quo,
        moves=tuple(moves),
        not_granted=tuple(refused),
        stats={"seconds": stats.pop("seconds"), "method": stats.pop("method"), **stats},
    )
