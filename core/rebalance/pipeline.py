"""The solver pipeline of docs/optimisation.md (method): candidate moves, a first plan by
descent, the LP by column generation, an integer plan (rounding, descent, CP-SAT if
fractional), validation and explanations - each phase timed.

Every plan returned has passed the solver-independent validator; a plan that does not is a bug
and raises `PlanRejected`. The solve always returns a plan (at worst the status quo) within
about its time limit, with a bound proven over every allowed move.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass

import numpy as np

from core.rebalance.candidates import (
    Columns,
    aspiration_columns,
    build_columns,
    column_codes,
    columns_from_pairs,
    merge_columns,
    move_constant,
    move_rules,
    potential_moves,
)
from core.rebalance.compiled import CompiledInstance, FloatArray, IntArray, compile_instance
from core.rebalance.documents import SolveStats
from core.rebalance.explain import ALTERNATIVES_RANKED, explain_moves, not_granted
from core.rebalance.flow_bound import FlowBound, flow_bound
from core.rebalance.formulation import Segments, build_formulation, build_segments
from core.rebalance.greedy import greedy_descent
from core.rebalance.model import Instance, Solution
from core.rebalance.pricing import PricingIndex, build_index, price_moves
from core.rebalance.relaxation import Relaxation, StartDuals, priced_at, solve_relaxation
from core.rebalance.validator import PlanRejected, validate_plan

DEFAULT_TIME_LIMIT = 60.0
# Below this many allowed moves, CP-SAT on all of them can close a fractional LP's gap.
FULL_CPSAT_MAX_COLUMNS = 20_000
OPTIMALITY_TOL = 1e-6  # relative: objective within this of the bound counts as proven optimal
# Up to this many (movable employee, unit of their family) pairs every allowed move is listed
# as a column; above it the moves are generated (aspirations, the best few per employee) and
# priced implicitly (pricing.py), so memory and time stop growing with employees x units.
FULL_ENUMERATION_MAX = 400_000
INITIAL_PER_EMPLOYEE = 6  # best moves per employee at status-quo marginal costs, to start
# With the aggregate LP's duals (aggregate.py): the first pool takes up to this many moves per
# employee priced below AGGREGATE_NEAR_ZERO points, and the aggregate LP at most this share of
# the time limit (else the status quo's marginal costs price the first pool). 2-4 s of CPU at
# XL; the share is generous because without it the XL plan is far worse (at load 8 on two
# cores, 9 s of wall time were not enough).
AGGREGATE_PER_EMPLOYEE = 6
AGGREGATE_NEAR_ZERO = 1.0
AGGREGATE_SHARE = 0.3
USE_AGGREGATE = True
# The first plan (descent over the starting columns) gets at most this share of the limit.
FIRST_PLAN_SHARE = 0.15
# Validation and explanations take about this many times the candidates phase (both grow with
# employees and aspirations; measured 1.3-1.8 at L and XL): the reserve follows the machine.
RESERVE_PER_CANDIDATE_SECOND = 1.8
# A column-generation pricing pass against one marginal-cost pricing pass (the LP's duals add
# the caps' and spouse rows' terms, and the Lagrangian bound is computed with it).
PRICING_PER_MARGINAL_PASS = 1.5
# With implicit pricing, the min-cost-flow bound (flow_bound.py) gets at most this share.
FLOW_BOUND_SHARE = 0.2
FLOW_BOUND_MIN_SECONDS = 0.5  # less time than this left for it: no flow bound
# The stopping rule of large instances (more than FULL_ENUMERATION_MAX potential moves): the
# solve stops improving once the share of the achievable improvement left,
# (objective - bound) / (status quo - bound), is at most this - column generation once its
# LP objective is within half of it of its proven bound (the tailing-off of column
# generation), the integer phase (rounding, descent, CP-SAT) once the plan is within it of the
# best proven bound. The targets are 0.1 % (M), 0.5 % (L), 1 % (XL). Smaller
# instances are solved to proven optimality (OPTIMALITY_TOL) within their limit.
IMPROVEMENT_LEFT_STOP = 1e-3


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss: KiB on Linux)."""
    peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def default_gap_tolerance(potential: int) -> float:
    """The share of the achievable improvement the solve may leave by default: the stopping
    rule IMPROVEMENT_LEFT_STOP above FULL_ENUMERATION_MAX potential moves, else 0 (solve to
    proven optimality)."""
    return IMPROVEMENT_LEFT_STOP if potential > FULL_ENUMERATION_MAX else 0.0


def stop_objective(bound: float, status_quo: float, gap_tolerance: float) -> float:
    """The objective at or below which a plan meets the stopping rule: at most
    `gap_tolerance` of the achievable improvement (status quo - bound) left."""
    if not np.isfinite(bound):
        return -np.inf
    return bound + gap_tolerance * max(0.0, status_quo - bound)


def trivial_bound(ci: CompiledInstance, cols: Columns, index: PricingIndex | None = None) -> float:
    """A weak but proven bound: every person at their cheapest option, no imbalance at all.

    With `index`, moves outside `cols` are priced implicitly (zero duals), so the bound holds
    over every allowed move, listed or not.
    """
    best_move = np.zeros(ci.n_employees)
    has = np.diff(cols.emp_start) > 0
    if cols.size:
        best_move[has] = np.minimum.reduceat(cols.cost, cols.emp_start[:-1][has])
    if index is not None:
        zero_pairs, zero_units = np.zeros(ci.n_pairs), np.zeros(len(ci.unit_ids))
        priced = price_moves(
            ci, index, zero_pairs, zero_units, move_constant(ci), np.zeros(ci.n_employees), 1
        )
        best_move = np.minimum(best_move, priced.min_price)
    return float((ci.stay_cost + np.minimum(best_move, 0.0)).sum())


def marginal_columns(
    ci: CompiledInstance, index: PricingIndex, staff: IntArray, per_employee: int
) -> Columns:
    """Each employee's best non-aspiration moves priced at the marginal imbalance costs of a
    staffing (one more in the destination pair, one fewer in the home pair)."""
    pairs = np.arange(ci.n_pairs)
    g0 = ci.pair_imbalance(pairs, staff)
    up1 = ci.pair_imbalance(pairs, staff + 1) - g0
    down1 = ci.pair_imbalance(pairs, np.maximum(staff - 1, 0)) - g0
    const = move_constant(ci) + down1[ci.emp_pair]
    priced = price_moves(
        ci,
        index,
        up1,
        np.zeros(len(ci.unit_ids)),
        const,
        np.zeros(ci.n_employees),
        per_employee,
    )
    return columns_from_pairs(ci, priced.emp, priced.unit, priced.dist)


def starting_columns(ci: CompiledInstance, index: PricingIndex) -> Columns:
    """Every allowed aspiration move, plus each employee's best moves priced at the status
    quo's marginal imbalance costs."""
    pool = aspiration_columns(ci, index.rules)
    return merge_columns(ci, pool, marginal_columns(ci, index, ci.pair_base, INITIAL_PER_EMPLOYEE))


@dataclass(frozen=True, slots=True, eq=False)
class AggregateStart:
    """The first pool priced at the aggregate LP's duals, and where column generation starts."""

    columns: Columns  # the first pool (the plan's moves included)
    start: StartDuals
    plan: IntArray  # employee -> unit: the aggregate LP's counts carried out (aggregate_plan)
    objective: float  # of the aggregate LP (an estimate)
    lp_seconds: float  # building and solving the aggregate LP
    pricing_seconds: float  # the pricing pass over every employee at those duals


def aggregate_start(
    ci: CompiledInstance, index: PricingIndex, segs: Segments, time_limit: float
) -> AggregateStart | None:
    """Solve the aggregate LP (aggregate.py) and price every allowed move at its duals: the
    first pool is every allowed aspiration move plus each employee's AGGREGATE_PER_EMPLOYEE
    cheapest moves below AGGREGATE_NEAR_ZERO, and the Lagrangian bound at those duals is a
    bound over every allowed move; the moves of `aggregate_plan` join the pool and make a
    plan. None when HiGHS does not solve it within `time_limit`."""
    from core.rebalance.aggregate import aggregate_plan, solve_aggregate
    from core.rebalance.master import MasterLP

    master = MasterLP(ci, segs)
    rows = master.rows()
    pool = aspiration_columns(ci, index.rules)
    agg = solve_aggregate(ci, rows, pool, time_limit)
    if agg.status != "OPTIMAL":
        return None
    pricing_start = time.perf_counter()
    y, bound, new = priced_at(
        ci, index, pool, rows, agg.duals, AGGREGATE_NEAR_ZERO, AGGREGATE_PER_EMPLOYEE
    )
    pricing_seconds = time.perf_counter() - pricing_start
    moves = aggregate_plan(ci, agg, pool)
    plan = ci.emp_unit.copy()
    plan[moves.emp] = moves.unit
    return AggregateStart(
        add_new(ci, merge_columns(ci, pool, new), moves),
        StartDuals(master, y, bound),
        plan,
        agg.objective,
        agg.seconds,
        pricing_seconds,
    )


def alternative_columns(ci: CompiledInstance, index: PricingIndex, plan: IntArray) -> Columns:
    """For each employee the plan moves, the non-aspiration moves that rank first by the
    estimate explain.py ranks alternatives by (cost plus the destination's marginal imbalance
    at the plan's staffing): with every aspiration move already a column, the alternatives it
    checks are the same as over every allowed move."""
    staff = ci.staff_of(plan)
    pairs = np.arange(ci.n_pairs)
    gain = ci.pair_imbalance(pairs, staff + 1) - ci.pair_imbalance(pairs, staff)
    moved = plan != ci.emp_unit
    threshold = np.where(moved, np.inf, -np.inf)
    priced = price_moves(
        ci,
        index,
        gain,
        np.zeros(len(ci.unit_ids)),
        move_constant(ci),
        threshold,
        ALTERNATIVES_RANKED + 1,  # one more: the plan's own destination may rank first
    )
    return columns_from_pairs(ci, priced.emp, priced.unit, priced.dist)


def add_new(ci: CompiledInstance, cols: Columns, more: Columns) -> Columns:
    """`cols` plus the columns of `more` it does not hold yet."""
    fresh = ~np.isin(column_codes(ci, more), column_codes(ci, cols))
    return merge_columns(ci, cols, _subset(ci, more, fresh))


def assignment_map(ci: CompiledInstance, assignment: IntArray) -> dict[str, str]:
    """Employee id -> final unit id for the employees who move."""
    moved = np.nonzero(assignment != ci.emp_unit)[0]
    return {ci.instance.employees[e].id: ci.unit_ids[int(assignment[e])] for e in moved.tolist()}


def rounded_plan(ci: CompiledInstance, cols: Columns, rel: Relaxation) -> IntArray:
    """Moves the LP makes fully, couples kept together by sending both home when needed."""
    return plan_of(ci, cols, rel.x)


def plan_of(ci: CompiledInstance, cols: Columns, x: FloatArray) -> IntArray:
    """The moves whose value in `x` (per column) is 1, couples kept together by sending both
    home when needed."""
    assignment = ci.emp_unit.copy()
    whole = np.nonzero(x >= 1.0 - 1e-6)[0]
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
    stop_at: float | None = None,
) -> NeighbourhoodOutcome:
    """CP-SAT over the employees the LP splits, those sharing their pairs, and their spouses.

    Every other employee keeps the LP's whole move (or stays). All-free-stay is feasible, so
    CP-SAT always has a plan to start from; the hint is the rounded LP plan. `stop_at`: stop
    at the first plan with at most that objective (`solve_cpsat`).
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
        stop_at=stop_at,
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
    stats: SolveStats,
    all_moves_listed: bool = True,
    stop_at: float = -np.inf,
    cpsat_seconds: float | None = None,
) -> tuple[IntArray, str, float]:
    """The plan from the LP: as is when integral; else rounding, descent and CP-SAT.

    `stop_at` (objective points, from the stopping rule): a plan at or below it is good
    enough - CP-SAT is not started, or stops at the first such plan. `cpsat_seconds`: at most
    this long for CP-SAT on the LP's fractional neighbourhood (None: until `until`).
    Returns the plan, how it was found, and CP-SAT's proven bound over every allowed move
    (-inf unless `cols` lists every allowed move and is small enough to run it).
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
    stats["rounded_objective"] = round(ci.objective(plan), 3)
    hint = start_plan
    if rel.master is not None and ci.objective(plan) > stop_at:
        from core.rebalance.master import dive

        dived = dive(rel.master, rel.x, until)
        stats["dive"] = dived is not None
        if dived is not None:
            dived_plan = greedy_descent(
                ci, cols, until, start=plan_of(ci, cols, dived), allowed=rel.active
            )
            stats["dive_objective"] = round(ci.objective(dived_plan), 3)
            if ci.objective(dived_plan) < ci.objective(plan):
                plan, method, hint = dived_plan, "lp-highs+dive+descent", dived_plan
    if ci.objective(plan) <= stop_at:
        return plan, method, -np.inf
    if until - time.perf_counter() > 0.2:
        limit = until - time.perf_counter()
        out = fractional_neighbourhood_cpsat(
            ci,
            cols,
            segs,
            rel,
            limit if cpsat_seconds is None else min(limit, cpsat_seconds),
            hint,
            workers,
            seed,
            None if stop_at == -np.inf else stop_at,
        )
        stats["cpsat_status"] = out.status
        stats["cpsat_free_employees"] = out.free_employees
        if out.assignment is not None and ci.objective(out.assignment) < ci.objective(plan):
            plan, method = out.assignment, "lp-highs+cp-sat"
    cpsat_bound = -np.inf
    if (
        all_moves_listed
        and cols.size <= FULL_CPSAT_MAX_COLUMNS
        and until - time.perf_counter() > 0.2
    ):
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
    gap_tolerance: float | None = None,
    full_enumeration_max: int = FULL_ENUMERATION_MAX,
) -> Solution:
    """The best plan found within `time_limit` seconds, validated, with bound and explanations.

    `gap_tolerance`: the stopping rule, a share of the achievable improvement (status quo -
    bound) the solve may leave once its bound is proven (None: `default_gap_tolerance`, i.e.
    IMPROVEMENT_LEFT_STOP on large instances, 0 on the others). Status OPTIMAL still means
    objective - bound <= OPTIMALITY_TOL x |objective|; a solve stopped by the rule short of
    that is FEASIBLE with its proven bound.

    `full_enumeration_max`: above this many (movable employee, unit of their family) pairs the
    allowed moves are priced implicitly instead of listed (tests lower it to exercise that path).
    Stats carry `phase_seconds` (candidates, lp - the min-cost-flow bound included -,
    integer_plan - the first plan by descent included -, validation, explanations) and
    `peak_rss_mib`.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    workers = max(1, min(workers or (os.cpu_count() or 1), os.cpu_count() or 1))
    phases: dict[str, float] = {}
    mark = t0

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(phases.get(name, 0.0) + now - mark, 3)
        mark = now

    ci = compile_instance(instance)
    potential = potential_moves(ci)
    if gap_tolerance is None:
        gap_tolerance = default_gap_tolerance(potential)
    index: PricingIndex | None = None
    start: AggregateStart | None = None
    if potential > full_enumeration_max:
        index = build_index(ci, move_rules(ci))
        segs = build_segments(ci, None)
        aggregate_seconds = 0.0
        if USE_AGGREGATE:
            tried = time.perf_counter()
            start = aggregate_start(ci, index, segs, AGGREGATE_SHARE * time_limit)
            # the aggregate LP is LP work, also when HiGHS stopped it short: timed in the lp
            # phase, so that the validation reserve (which follows the candidates phase) and
            # the "building the master would not fit" test do not grow by its seconds
            aggregate_seconds = time.perf_counter() - tried if start is None else start.lp_seconds
        cols = starting_columns(ci, index) if start is None else start.columns
        if aggregate_seconds > 0.0:
            lap("candidates")
            phases["candidates"] = round(phases["candidates"] - aggregate_seconds, 3)
            phases["lp"] = round(aggregate_seconds, 3)
    else:
        cols = build_columns(ci)
        segs = build_segments(ci, cols)
    lap("candidates")
    # keep time for validation and explanations (measured: ~60 us per aspiration, ~15 us per
    # employee), and a little for CP-SAT in case the LP comes out fractional
    aspirations = int((ci.aspirations >= 0).sum())
    reserve = max(
        0.05 * time_limit,
        0.15 + 6e-5 * aspirations + 1.5e-5 * ci.n_employees,
        RESERVE_PER_CANDIDATE_SECOND * phases["candidates"],
    )
    cpsat_share = min(8.0, 0.08 * time_limit)
    # a plan within the first seconds, whatever happens to the LP
    first_until = min(time.perf_counter() + FIRST_PLAN_SHARE * time_limit, deadline - reserve)
    first_plan = greedy_descent(
        ci, cols, first_until, start=None if start is None else start.plan, min_sweeps=1
    )
    lap("integer_plan")
    pricing_estimate = 0.0
    if start is not None:
        # the pool priced at the aggregate duals already points where the LP will go
        pricing_estimate = PRICING_PER_MARGINAL_PASS * start.pricing_seconds
    elif index is not None:
        # the first plan's staffing prices moves closer to the LP's duals than the status quo
        staff = ci.staff_of(first_plan)
        priced_at = time.perf_counter()
        cols = add_new(ci, cols, marginal_columns(ci, index, staff, INITIAL_PER_EMPLOYEE))
        # one pricing pass of column generation costs about this (LP duals, spouse terms:
        # a little more than pricing at marginal costs)
        pricing_estimate = PRICING_PER_MARGINAL_PASS * (time.perf_counter() - priced_at)
    lap("candidates")
    # the candidates phase is now measured whole (the explanations' pricing pass is like its
    # second one): the reserve follows it
    # (with the aggregate LP counted in: the pricing pass it saves was part of that measure,
    # and under load it keeps the solve inside its limit)
    measured = phases["candidates"] + (0.0 if start is None else start.lp_seconds)
    reserve = max(reserve, RESERVE_PER_CANDIDATE_SECOND * measured)
    # with implicit pricing, time is kept after the LP for a min-cost-flow bound, in case the
    # LP does not get close enough to its own bound (the largest instances)
    flow_share = FLOW_BOUND_SHARE * time_limit if index is not None else 0.0
    lp_deadline = deadline - reserve - cpsat_share - flow_share
    if index is not None and lp_deadline - time.perf_counter() < phases["candidates"]:
        lp_deadline = time.perf_counter()  # building the master alone would not fit: no LP
    rel = solve_relaxation(
        ci,
        cols,
        segs,
        lp_deadline,
        # the LP stops within half the rule's share, leaving the other half to the plan
        gap_tolerance=gap_tolerance / 2.0,
        index=index,
        pricing_estimate=pricing_estimate,
        warm=None if start is None else start.start,
    )
    cols = rel.columns
    lap("lp")
    status_quo_objective = ci.objective(ci.emp_unit)
    first_objective = ci.objective(first_plan)
    known_bound = max(rel.bound, trivial_bound(ci, cols, index))
    if start is not None:
        known_bound = max(known_bound, start.start.bound)
    lp_close = rel.solved and rel.lp_objective <= stop_objective(
        known_bound, status_quo_objective, gap_tolerance / 2.0
    ) + OPTIMALITY_TOL * max(1.0, abs(rel.lp_objective))
    flow: FlowBound | None = None
    upper = first_objective if not rel.solved else min(first_objective, rel.lp_objective)
    flow_iterations = 0
    if index is not None and not (rel.priced_out or lp_close):
        # a proven bound over every allowed move from a min-cost flow with Lagrangian cap
        # prices (started at the LP's cap duals), aiming at the LP's objective
        flow_until = min(time.perf_counter() + flow_share, deadline - reserve - cpsat_share)
        if flow_until - time.perf_counter() > FLOW_BOUND_MIN_SECONDS:
            flow = flow_bound(
                ci,
                deadline=flow_until,
                upper=upper,
                start=rel.cap_prices,
            )
            flow_iterations = flow.iterations
            if np.isfinite(flow.bound):
                known_bound = max(known_bound, flow.bound)
        lap("lp")  # bounding is the LP phase's work (the benchmark's phases stay the same)
    stats: SolveStats = {
        "columns_allowed": cols.size if index is None else None,
        "moves_potential": potential,
        "implicit_pricing": index is not None,
        "columns_used": int(rel.active.sum()),
        "lp_rounds": rel.rounds,
        "lp_priced_out": rel.priced_out,
        "variables": rel.n_vars,
        "rows": rel.n_rows,
    }
    if index is not None:
        stats["first_pool"] = "status-quo" if start is None else "aggregate"
    if start is not None:
        stats["aggregate_bound"] = round(start.start.bound, 3)
        stats["aggregate_plan_objective"] = round(ci.objective(start.plan), 3)
    plan, method, cpsat_bound = integer_plan(
        ci,
        cols,
        segs,
        rel,
        deadline - reserve,
        workers,
        seed,
        stats,
        index is None,
        stop_objective(known_bound, status_quo_objective, gap_tolerance),
        # with a flow bound to improve, CP-SAT keeps to its share and the rest goes to the
        # bound (measured at XL: 21 s of CP-SAT on 522 employees found no better plan)
        cpsat_share if flow is not None else None,
    )
    if first_objective < ci.objective(plan) - OPTIMALITY_TOL * max(1.0, abs(first_objective)):
        plan, method = first_plan, "descent"
    if ci.objective(plan) > status_quo_objective:
        plan = ci.emp_unit.copy()  # a rounded plan can be worse than doing nothing
        method += "+status-quo"
    lap("integer_plan")
    if (
        flow is not None
        and ci.objective(plan) > stop_objective(known_bound, status_quo_objective, gap_tolerance)
        and deadline - reserve - time.perf_counter() > FLOW_BOUND_MIN_SECONDS
    ):
        # the time the integer phase left (CP-SAT's share when it ends early) goes on
        # improving the flow bound's prices from where they were, aiming at the plan now
        upper = min(upper, ci.objective(plan))
        flow = flow_bound(ci, deadline=deadline - reserve, upper=upper, resume=flow)
        flow_iterations += flow.iterations
        if np.isfinite(flow.bound):
            known_bound = max(known_bound, flow.bound)
        lap("lp")
    mapping = assignment_map(ci, plan)
    objective = validate_plan(instance, mapping)
    status_quo = validate_plan(instance, {})
    # the LP's Lagrangian bound, the trivial one, the flow bound: each proven over every move
    bound = max(known_bound, cpsat_bound)
    if flow is not None and np.isfinite(flow.bound):
        stats["flow_bound"] = round(flow.bound, 3)
        stats["flow_bound_iterations"] = flow_iterations
        stats["flow_bound_arcs"] = flow.arcs
    stats["gap_tolerance"] = gap_tolerance
    tol = OPTIMALITY_TOL * max(1.0, abs(objective))
    if bound > objective + tol:
        raise PlanRejected([f"bound {bound} above the objective {objective} of a valid plan"])
    bound = min(bound, objective)
    status = "OPTIMAL" if objective - bound <= tol else "FEASIBLE"
    if objective > status_quo + tol:
        raise PlanRejected([f"plan objective {objective} worse than status quo {status_quo}"])
    lap("validation")
    explain_cols = cols
    if index is not None:
        explain_cols = add_new(ci, cols, alternative_columns(ci, index, plan))
    moves = explain_moves(ci, explain_cols, plan)
    refused = not_granted(ci, explain_cols, plan)
    lap("explanations")
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["method"] = method
    stats["phase_seconds"] = phases
    stats["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return Solution(
        status=status,
        objective=objective,
        bound=bound,
        status_quo_objective=status_quo,
        moves=tuple(moves),
        not_granted=tuple(refused),
        stats={"seconds": stats.pop("seconds"), "method": stats.pop("method"), **stats},
    )


def _subset(ci: CompiledInstance, cols: Columns, keep: np.ndarray) -> Columns:
    """The columns where `keep` is true (order kept)."""
    emp = cols.emp[keep]
    return Columns(
        emp=emp,
        unit=cols.unit[keep],
        cost=cols.cost[keep],
        dest_pair=cols.dest_pair[keep],
        orig_pair=cols.orig_pair[keep],
        aspiration_rank=cols.aspiration_rank[keep],
        emp_start=np.searchsorted(emp, np.arange(ci.n_employees + 1)).astype(np.int64),
    )
