"""The LP relaxation over all allowed moves, solved by column generation.

The LP is solved over a subset of the move columns; LP duals then price every allowed column.
Columns with negative reduced cost are added and the LP re-solved, until none is left: the LP
optimum over the subset is then the LP optimum over all allowed moves. After every pricing round
a Lagrangian bound (the LP duals as multipliers, the at-most-one-move rows kept) gives a proven
lower bound on any plan, even when time runs out before pricing is clean.

The LP goes to OR-Tools' bundled HiGHS through MathOpt's proto interface (built from numpy in
bulk). Not through pywraplp: in OR-Tools 9.15 its HiGHS wrapper (and model_builder's) returns
row activities where the dual values belong, and column generation lives on duals.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from core.rebalance.candidates import (
    Columns,
    column_codes,
    columns_from_pairs,
    merge_columns,
    move_constant,
)
from core.rebalance.compiled import BoolArray, CompiledInstance, FloatArray, IntArray
from core.rebalance.formulation import (
    Formulation,
    ModelRows,
    Segments,
    build_formulation,
    couples_both_movable,
)
from core.rebalance.pricing import PricingIndex, price_moves

if TYPE_CHECKING:
    from core.rebalance.master import MasterLP

INTEGRALITY_TOL = 1e-6
PRICING_TOL = 1e-6
INITIAL_PER_EMPLOYEE = 3  # best single moves per employee in the first LP
ADDED_PER_EMPLOYEE = 4  # columns per employee added by one pricing round
MAX_ADDED_PER_ROUND = 250_000
# Columns with reduced cost below this (in objective points) join too: degenerate duals would
# otherwise feed them in a few per round (measured on L: 5 rounds instead of 17).
NEAR_ZERO = 20.0
NEAR_ZERO_MIN_BUDGET = 50_000
# With an implicit column set, columns priced below this join (fewer: each LP stays small).
NEAR_ZERO_IMPLICIT = 1.0
# With an implicit column set, up to this many columns per employee join per round, at most
# MAX_ADDED_PER_ROUND in all (the lowest reduced costs): few big rounds beat many small ones
# there (measured on the L sample agency, seed 1: 6 rounds and 7.7 s CPU to within 0.025 %,
# against 17 rounds and 12.3 s with 4 per employee, near-zero 20 and smoothing 0.5).
ADDED_PER_EMPLOYEE_IMPLICIT = 24
# Share of the best-bound duals in the duals priced at (Wentges, "Weighted Dantzig-Wolfe
# decomposition for linear mixed-integer programming", ITOR 4, 1997); 0 turns it off. Off:
# with ADDED_PER_EMPLOYEE_IMPLICIT columns per round it nearly doubled the rounds at L.
SMOOTHING = 0.0
# LP objective within this relative distance of the bound counts as proven (as in pipeline).
PROVEN_GAP = 1e-6
TRACE = False  # print one line per round to stderr (profiling aid)
# With implicit pricing, at most this many rounds (None: until pricing is clean, the gap is
# closed or time runs out); tests lower it to stop column generation short of its bound.
MAX_ROUNDS: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class StartDuals:
    """Where implicit column generation starts: the master (rows laid out, no columns yet),
    duals in its row layout with the signs of `_row_duals`, and their proven bound."""

    master: MasterLP
    duals: FloatArray
    bound: float


@dataclass(frozen=True, slots=True, eq=False)
class LPResult:
    """Outcome of one LP solve: solver status, values, duals."""

    status: str
    objective: float
    values: FloatArray
    duals: FloatArray
    seconds: float


@dataclass(frozen=True, slots=True, eq=False)
class Relaxation:
    """The column-generation LP: its last solution, proven bound and whether pricing was clean."""

    solved: bool  # an LP was solved at least once
    priced_out: bool  # no allowed column has negative reduced cost: LP over all moves is solved
    x: FloatArray  # value per column (all columns; 0 for inactive ones)
    lp_objective: float
    bound: float
    active: BoolArray
    formulation: Formulation | None
    rounds: int
    seconds: float
    columns: Columns  # the columns x and active refer to (grown by pricing when implicit)
    n_vars: int = 0  # of the last LP solved
    n_rows: int = 0
    # per unit, the arrival and departure caps' prices (minus their duals, >= 0) at the best
    # bound found, for the flow bound to start from (implicit pricing only)
    cap_prices: tuple[FloatArray, FloatArray] | None = None
    # the restricted master at its last optimum (implicit pricing only), for diving
    master: MasterLP | None = None

    @property
    def integral(self) -> bool:
        """All move values are 0 or 1 (within 1e-6)."""
        frac = np.minimum(self.x, 1.0 - self.x)
        return bool(self.solved and (frac <= INTEGRALITY_TOL).all())


def solve_formulation_lp(form: Formulation, time_limit: float, backend: str = "highs") -> LPResult:
    """Solve the LP of a formulation; every solver status is mapped to a plain string."""
    # MathOpt's proto interface: built from numpy in bulk, and its HiGHS duals are right.
    from ortools.math_opt import (
        callback_pb2,
        model_parameters_pb2,
        model_pb2,
        parameters_pb2,
        result_pb2,
    )
    from ortools.math_opt.core.python import solver as core_solver

    start = time.perf_counter()
    n, m = form.n_vars, form.n_rows
    proto = model_pb2.ModelProto()
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend([0.0] * n)
    proto.variables.upper_bounds.extend(form.var_ub.tolist())
    proto.variables.integers.extend([False] * n)
    proto.objective.maximize = False
    proto.objective.offset = form.constant
    nz = np.nonzero(form.var_cost)[0]
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(form.var_cost[nz].tolist())
    proto.linear_constraints.ids.extend(range(m))
    proto.linear_constraints.lower_bounds.extend(form.row_lb.tolist())
    proto.linear_constraints.upper_bounds.extend(form.row_ub.tolist())
    order = np.lexsort((form.coo_var, form.coo_row))
    matrix = proto.linear_constraint_matrix
    matrix.row_ids.extend(form.coo_row[order].tolist())
    matrix.column_ids.extend(form.coo_var[order].tolist())
    matrix.coefficients.extend(form.coo_coef[order].tolist())
    params = parameters_pb2.SolveParametersProto(enable_output=False)
    params.time_limit.FromNanoseconds(int(max(0.05, time_limit) * 1e9))
    solver_type = {
        "highs": parameters_pb2.SOLVER_TYPE_HIGHS,
        "glop": parameters_pb2.SOLVER_TYPE_GLOP,
    }[backend]
    result = core_solver.solve(
        proto,
        solver_type,
        parameters_pb2.SolverInitializerProto(),
        params,
        model_parameters_pb2.ModelSolveParametersProto(),
        None,
        callback_pb2.CallbackRegistrationProto(),
        None,
        None,
    )
    seconds = time.perf_counter() - start
    reason = result.termination.reason
    if reason == result_pb2.TERMINATION_REASON_OPTIMAL and result.solutions:
        sol = result.solutions[0]
        values = np.zeros(n)
        pv = sol.primal_solution.variable_values
        values[np.asarray(pv.ids, dtype=np.int64)] = np.asarray(pv.values, dtype=np.float64)
        duals = np.zeros(m)
        dv = sol.dual_solution.dual_values
        duals[np.asarray(dv.ids, dtype=np.int64)] = np.asarray(dv.values, dtype=np.float64)
        return LPResult(
            "OPTIMAL", float(sol.primal_solution.objective_value), values, duals, seconds
        )
    if reason in (
        result_pb2.TERMINATION_REASON_INFEASIBLE,
        result_pb2.TERMINATION_REASON_UNBOUNDED,
        result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
    ):
        # The status quo is feasible and every variable is bounded: this is a modelling bug.
        raise RuntimeError(f"LP reported {result_pb2.TerminationReasonProto.Name(reason)}")
    if reason in (
        result_pb2.TERMINATION_REASON_FEASIBLE,
        result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND,
    ):
        return LPResult("STOPPED", float("nan"), np.zeros(0), np.zeros(0), seconds)
    # IMPRECISE, NUMERICAL_ERROR, OTHER_ERROR, UNSPECIFIED
    name = result_pb2.TerminationReasonProto.Name(reason)
    return LPResult(f"FAILED:{name}", float("nan"), np.zeros(0), np.zeros(0), seconds)


def _row_duals(form: ModelRows, duals: FloatArray) -> FloatArray:
    """Duals with the sign every row type needs for a valid Lagrangian bound (<= rows: y <= 0)."""
    y = duals.copy()
    le = np.isinf(form.row_lb) & np.isfinite(form.row_ub)
    y[le] = np.minimum(y[le], 0.0)
    return y


def _gap_closed(
    objective: float, best_bound: float, status_quo: float, gap_tolerance: float
) -> bool:
    """True when the LP OBJECTIVE is proven (within PROVEN_GAP of BEST_BOUND, relative) or
    within GAP_TOLERANCE of the improvement the bound still allows over STATUS_QUO: the column
    generation stops (docs/optimisation.md, stopping rule)."""
    return objective - best_bound <= max(
        PROVEN_GAP * max(1.0, abs(objective)),
        gap_tolerance * max(0.0, status_quo - best_bound),
    )


def _per_row(row_of: IntArray, y: FloatArray) -> FloatArray:
    return (
        np.where(row_of >= 0, y[np.maximum(row_of, 0)], 0.0)
        if y.shape[0]
        else np.zeros(row_of.shape[0])
    )


def reduced_costs_without_assign(
    ci: CompiledInstance, cols: Columns, form: ModelRows, y: FloatArray
) -> FloatArray:
    """Reduced cost of every allowed column, leaving out its at-most-one-move row."""
    rc = cols.cost.copy()
    yb = _per_row(form.balance_row, y)
    rc -= yb[cols.dest_pair]
    rc += yb[cols.orig_pair]
    rc -= _per_row(form.arrivals_row, y)[cols.unit]
    rc -= _per_row(form.departures_row, y)[ci.emp_unit[cols.emp]]
    if form.total_row >= 0:
        rc -= y[form.total_row]
    sp = form.spouse
    if sp.column.shape[0]:
        y_sp = y[sp.row]
        rc[sp.column] -= y_sp  # own row, coefficient +1
        row_cols: dict[int, list[int]] = {}
        for i, c in enumerate(sp.column.tolist()):
            row_cols.setdefault(int(cols.emp[c]), []).append(i)
        for s, rows in row_cols.items():
            e = int(ci.spouse[s])
            lo, hi = int(cols.emp_start[e]), int(cols.emp_start[e + 1])
            if lo == hi:
                continue
            limit = ci.spouse_limit_km(e)
            s_units = cols.unit[sp.column[rows]]
            near_home = ci.unit_distance(s_units, int(ci.emp_unit[e])) <= limit
            near = ci.unit_distance(cols.unit[lo:hi][:, None], s_units[None, :]) <= limit
            coef = np.where(near_home[None, :], (~near).astype(float), -near.astype(float))
            rc[lo:hi] -= coef @ y_sp[rows]
    return rc


@dataclass(frozen=True, slots=True, eq=False)
class SpousePrices:
    """The spouse rows' part of the reduced cost of a couple member's move, for any move."""

    ci: CompiledInstance
    rows_of: dict[int, tuple[IntArray, FloatArray]]  # spouse s -> (units of s's rows, duals)
    shift: FloatArray  # per employee: minus the lowest the spouse part can be (>= 0)

    def __call__(self, emp: IntArray, unit: IntArray) -> FloatArray:
        """The spouse part of the reduced cost of moving emp[i] to unit[i]."""
        out = np.zeros(emp.shape[0])
        ci = self.ci
        order = np.argsort(emp, kind="stable")
        es = emp[order]
        bounds = np.flatnonzero(np.diff(es)) + 1
        for block in np.split(np.arange(es.shape[0]), bounds):
            if block.shape[0] == 0:
                continue
            e = int(es[block[0]])
            found = self.rows_of.get(int(ci.spouse[e]))
            if found is None:
                continue
            s_units, y_rows = found
            limit = ci.spouse_limit_km(e)
            near_home = ci.unit_distance(s_units, int(ci.emp_unit[e])) <= limit
            units = unit[order[block]]
            near = ci.unit_distance(units[:, None], s_units[None, :]) <= limit
            coef = np.where(near_home[None, :], (~near).astype(float), -near.astype(float))
            out[order[block]] = -(coef @ y_rows)
        return out


def spouse_prices(
    ci: CompiledInstance, cols: Columns, form: ModelRows, y: FloatArray
) -> SpousePrices:
    """The spouse rows' duals grouped by the employee whose columns own the rows."""
    sp = form.spouse
    rows_of: dict[int, tuple[IntArray, FloatArray]] = {}
    shift = np.zeros(ci.n_employees)
    if sp.column.shape[0]:
        y_sp = y[sp.row]
        owner = cols.emp[sp.column]
        order = np.argsort(owner, kind="stable")
        owners = owner[order]
        bounds = np.flatnonzero(np.diff(owners)) + 1
        for block in np.split(order, bounds):
            if block.shape[0] == 0:
                continue
            s = int(owner[block[0]])
            units = cols.unit[sp.column[block]]
            y_rows = y_sp[block]
            rows_of[s] = (units, y_rows)
            e = int(ci.spouse[s])
            limit = ci.spouse_limit_km(e)
            far_home = ci.unit_distance(units, int(ci.emp_unit[e])) > limit
            shift[e] = float(-(y_rows[far_home]).sum())
    return SpousePrices(ci, rows_of, shift)


def lagrangian_bound(
    ci: CompiledInstance,
    cols: Columns,
    form: ModelRows,
    y: FloatArray,
    rc: FloatArray,
    outside_min: FloatArray | None = None,
) -> float:
    """A proven lower bound on every plan, from multipliers y on all rows but at-most-one-move."""
    total = form.constant
    not_assign = np.ones(form.n_rows, dtype=bool)
    not_assign[form.assign_row[form.assign_row >= 0]] = False
    finite_ub = np.isfinite(form.row_ub) & not_assign
    total += float((form.row_ub[finite_ub] * y[finite_ub]).sum())
    starts = cols.emp_start[:-1]
    has = np.diff(cols.emp_start) > 0
    best = np.zeros(ci.n_employees) if outside_min is None else np.minimum(outside_min, 0.0)
    if rc.shape[0]:
        mins = np.minimum.reduceat(rc, starts[has])
        best[has] = np.minimum(best[has], mins)
    total += float(best.sum())
    segs: Segments = form.segments
    yb = _per_row(form.balance_row, y)
    seg_rc = segs.cost + segs.direction * yb[segs.pair]
    total += float((np.minimum(seg_rc, 0.0) * segs.length).sum())
    return total


def top_per_employee(cols: Columns, mask: BoolArray, score: FloatArray, k: int) -> IntArray:
    """Indices of up to k columns per employee among `mask`, lowest score first."""
    idx = np.nonzero(mask)[0]
    if idx.shape[0] == 0:
        return idx
    order = idx[np.lexsort((score[idx], cols.emp[idx]))]
    return order[rank_within(cols.emp[order]) < k]


def rank_within(groups: IntArray) -> IntArray:
    """Each entry's position (0, 1, 2 ...) within its run of equal GROUPS (sorted by group)."""
    first = np.ones(groups.shape[0], dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(groups.shape[0]), 0))
    result: IntArray = np.arange(groups.shape[0]) - group_start
    return result


def initial_columns(ci: CompiledInstance, cols: Columns) -> BoolArray:
    """Aspirations, plus each employee's best single moves priced at status-quo marginal costs."""
    base = ci.pair_base
    pairs = np.arange(ci.n_pairs)
    g0 = ci.pair_imbalance(pairs, base)
    up1 = ci.pair_imbalance(pairs, base + 1) - g0
    down1 = ci.pair_imbalance(pairs, np.maximum(base - 1, 0)) - g0
    est = cols.cost + up1[cols.dest_pair] + down1[cols.orig_pair]
    active = (cols.aspiration_rank >= 0) & (est < 0)
    active[top_per_employee(cols, est < 0, est, INITIAL_PER_EMPLOYEE)] = True
    # every short-staffed pair gets enough of its cheapest donors to be filled
    deficit = np.ceil(np.maximum(0.0, ci.pair_req - base)).astype(np.int64)
    want = np.minimum(2 * deficit + 2, ci.arrivals_cap[ci.pair_unit] * 3)
    idx = np.nonzero(est < 0)[0]
    if idx.shape[0]:
        order = idx[np.lexsort((est[idx], cols.dest_pair[idx]))]
        dest = cols.dest_pair[order]
        active[order[rank_within(dest) < want[dest]]] = True
    return active


@dataclass(frozen=True, slots=True, eq=False)
class OutsidePrices:
    """Pricing of the allowed moves that are not columns yet (implicit column set)."""

    min_rc: FloatArray  # per employee, at most the cheapest reduced cost of a move outside the
    # pool (without the at-most-one-move row), exact where negative; inf when none is below 0
    new: Columns  # the moves to add: negative or near-zero reduced cost, best per employee
    negative: int  # how many of them have a negative reduced cost (with the at-most-one row)


def price_outside(
    ci: CompiledInstance,
    index: PricingIndex,
    cols: Columns,
    form: ModelRows,
    y: FloatArray,
    near_zero: float,
    per_employee: int,
    max_added: int | None = None,
) -> OutsidePrices:
    """Price every allowed move outside `cols` with the LP duals `y` (pricing.py), without
    listing them. min_rc is exact where negative; the new columns are the `per_employee`
    cheapest per employee with reduced cost (at-most-one-move row included) below near_zero,
    at most `max_added` in all (the cheapest)."""
    yb = _per_row(form.balance_row, y)
    ya = _per_row(form.arrivals_row, y)
    yd = _per_row(form.departures_row, y)
    y_assign = _per_row(form.assign_row, y)
    const = move_constant(ci) + yb[ci.emp_pair] - yd[ci.emp_unit]
    if form.total_row >= 0:
        const = const - y[form.total_row]
    spouse = spouse_prices(ci, cols, form, y)
    both = couples_both_movable(ci)
    threshold = np.maximum(0.0, near_zero + y_assign)
    # one more than wanted per employee: a returned move may already be a column
    priced = price_moves(
        ci, index, -yb, -ya, const, threshold, per_employee + 1,
        shift=spouse.shift, spouse_term=spouse, spouse_emp=both,
    )  # fmt: skip
    codes = priced.emp * len(ci.unit_ids) + priced.unit
    fresh = ~np.isin(codes, column_codes(ci, cols), assume_unique=False)
    # over every returned move, columns or not: a column's price here leaves out its own spouse
    # row (never negative), so it is at most its reduced cost and the minimum stays a bound
    min_rc = priced.min_price
    full = priced.price - y_assign[priced.emp]
    take = np.nonzero(fresh & (full < near_zero))[0]
    if take.shape[0]:
        order = np.lexsort((full[take], priced.emp[take]))
        take = take[order]
        first = np.ones(take.shape[0], dtype=bool)
        first[1:] = priced.emp[take][1:] != priced.emp[take][:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(take.shape[0]), 0))
        take = take[(np.arange(take.shape[0]) - start) < per_employee]
        if max_added is not None and take.shape[0] > max_added:
            take = take[np.argsort(full[take], kind="stable")[:max_added]]
    new = columns_from_pairs(ci, priced.emp[take], priced.unit[take], priced.dist[take])
    negative = int((full[take] < -PRICING_TOL).sum())
    return OutsidePrices(min_rc, new, negative)


def solve_relaxation(
    ci: CompiledInstance,
    cols: Columns,
    segs: Segments,
    deadline: float,
    backend: str = "highs",
    gap_tolerance: float = 0.0,
    index: PricingIndex | None = None,
    pricing_estimate: float = 0.0,
    warm: StartDuals | None = None,
) -> Relaxation:
    """Column generation until pricing is clean, the gap is closed, or the deadline passes.

    `warm` (implicit pricing only): the master to grow (its rows laid out, no columns yet)
    and duals in its row layout with their proven Lagrangian bound (e.g. the aggregate LP's,
    aggregate.py): the best bound starts there, and the flow bound's cap prices come from
    them unless a round finds a better bound.

    `pricing_estimate` (seconds, implicit pricing only): how long one pricing pass over every
    employee is expected to take before one was measured; each LP solve stops early enough to
    leave that time for pricing (and the bound) before `deadline`.

    `gap_tolerance` stops early once (LP objective - bound) is at most that share of
    (status quo - bound), i.e. of the improvement still achievable.

    With `index` None, `cols` holds every allowed move and pricing scans them. With an index,
    `cols` is a starting pool (it must hold every allowed aspiration move) and the moves outside
    it are priced implicitly (`price_outside`); the pool grows by the moves pricing adds.
    """
    if index is not None:
        return _solve_implicit(
            ci, cols, segs, deadline, gap_tolerance, index, pricing_estimate, warm
        )
    start = time.perf_counter()
    status_quo = float(
        ci.stay_cost.sum() + ci.pair_imbalance(np.arange(ci.n_pairs), ci.pair_base).sum()
    )
    last_round = 0.0
    active = initial_columns(ci, cols)
    best_bound = -np.inf
    last: tuple[Formulation, LPResult, Columns] | None = None
    priced_out = False
    rounds = 0
    while True:
        remaining = deadline - time.perf_counter()
        # a round that cannot finish is wasted: stop while the last one's answer stands
        if remaining <= 0.05 or (last is not None and remaining < 0.8 * last_round):
            break
        round_start = time.perf_counter()
        form = build_formulation(ci, cols, segs, active)
        result = solve_formulation_lp(form, remaining, backend)
        rounds += 1
        if result.status != "OPTIMAL":
            break
        last = (form, result, cols)
        y = _row_duals(form, result.duals)
        rc = reduced_costs_without_assign(ci, cols, form, y)
        outside: OutsidePrices | None = None
        if index is not None:
            outside = price_outside(
                ci, index, cols, form, y, NEAR_ZERO_IMPLICIT, ADDED_PER_EMPLOYEE
            )
        best_bound = max(
            best_bound,
            lagrangian_bound(ci, cols, form, y, rc, None if outside is None else outside.min_rc),
        )
        if TRACE:
            print(
                f"round {rounds}: cols {form.n_moves} rows {form.n_rows} "
                f"spouse rows {form.spouse.column.shape[0]} lp {result.seconds:.2f}s "
                f"obj {result.objective:.2f} bound {best_bound:.2f} "
                f"t={time.perf_counter() - start:.2f}",
                file=sys.stderr,
            )
        y_assign = _per_row(form.assign_row, y)
        rc_full = rc - y_assign[cols.emp]
        negative = (rc_full < -PRICING_TOL) & ~active
        last_round = time.perf_counter() - round_start
        if not negative.any() and (outside is None or outside.negative == 0):
            priced_out = True
            break
        if _gap_closed(result.objective, best_bound, status_quo, gap_tolerance):
            break
        if outside is not None:
            cols = merge_columns(ci, cols, outside.new)
            active = np.ones(cols.size, dtype=bool)
            continue
        # near-zero columns too: degenerate duals otherwise feed them in a few per round
        near = (rc_full < NEAR_ZERO) & ~active
        chosen = top_per_employee(cols, near, rc_full, ADDED_PER_EMPLOYEE)
        # on big models near-zero columns are rationed: every one makes each LP slower
        near_budget = max(NEAR_ZERO_MIN_BUDGET, int(0.3 * form.n_moves))
        is_near = rc_full[chosen] >= -PRICING_TOL
        if is_near.sum() > near_budget:
            near_idx = chosen[is_near]
            near_idx = near_idx[np.argsort(rc_full[near_idx])[:near_budget]]
            chosen = np.concatenate([chosen[~is_near], near_idx])
        if chosen.shape[0] > MAX_ADDED_PER_ROUND:
            chosen = chosen[np.argsort(rc_full[chosen])[:MAX_ADDED_PER_ROUND]]
        active = active.copy()
        active[chosen] = True
    if last is None:
        x = np.zeros(cols.size)
        nothing = _relaxation(False, cols, x, float("nan"), best_bound, priced_out, rounds, start)
        return replace(nothing, active=active)
    form_out, result, cols = last
    x = np.zeros(cols.size)
    x[form_out.active] = np.clip(result.values[: form_out.n_moves], 0.0, 1.0)
    return replace(
        _relaxation(True, cols, x, result.objective, best_bound, priced_out, rounds, start),
        active=_mask(cols.size, form_out.active),
        formulation=form_out,
        n_vars=form_out.n_vars,
        n_rows=form_out.n_rows,
    )


def _solve_implicit(
    ci: CompiledInstance,
    cols: Columns,
    segs: Segments,
    deadline: float,
    gap_tolerance: float,
    index: PricingIndex,
    pricing_estimate: float = 0.0,
    warm: StartDuals | None = None,
) -> Relaxation:
    """Column generation with the moves outside the pool priced implicitly and the master LP
    re-optimised from its last basis (master.py).

    Deadline bookkeeping: building the master and each HiGHS solve are measured; a solve gets
    the time left minus what pricing after it is expected to take (the last measured pricing
    pass, or `pricing_estimate` before the first), and the smoothed second pricing point is
    skipped when it would not fit.
    """
    from core.rebalance.master import MasterLP, MasterSolution

    start = time.perf_counter()
    status_quo = float(
        ci.stay_cost.sum() + ci.pair_imbalance(np.arange(ci.n_pairs), ci.pair_base).sum()
    )
    if deadline - time.perf_counter() <= 0.05:
        return _relaxation(
            False, cols, np.zeros(cols.size), float("nan"), -np.inf, False, 0, start
        )
    master = MasterLP(ci, segs) if warm is None else warm.master
    master.add_columns(cols, cols)
    center: FloatArray | None = None  # the duals of the best bound so far
    best_bound = -np.inf
    if warm is not None and np.isfinite(warm.bound):
        center, best_bound = warm.duals, warm.bound
    last: tuple[MasterSolution, Columns, int] | None = None
    priced_out = False
    rounds = 0
    last_round = 0.0
    pricing_seconds = max(0.0, pricing_estimate)  # one pricing pass, measured once done
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05 or (last is not None and remaining < 0.8 * last_round):
            break
        lp_limit = remaining - pricing_seconds
        if lp_limit <= 0.05:
            break  # no time to price after a solve: its duals would be of no use
        if MAX_ROUNDS is not None and rounds >= MAX_ROUNDS:
            break
        round_start = time.perf_counter()
        sol = master.solve(lp_limit)
        rounds += 1
        if sol.status != "OPTIMAL":
            break
        rows = master.rows()
        last = (sol, cols, rows.n_rows)
        y = _row_duals(rows, sol.duals)
        # Wentges smoothing: price at a point between the duals of the best bound so far and
        # the master's duals; if nothing prices out there, price at the master's duals
        points = [y]
        if center is not None and SMOOTHING > 0.0:
            grown = np.concatenate([center, y[center.shape[0] :]])
            points = [SMOOTHING * grown + (1.0 - SMOOTHING) * y, y]
        outside: OutsidePrices | None = None
        at_master = False  # whether the last point priced is the master's own duals
        for i, y_at in enumerate(points):
            if i > 0 and deadline - time.perf_counter() < pricing_seconds:
                break  # the master's own duals would not be priced in time: keep the bound
            pricing_start = time.perf_counter()
            rc = reduced_costs_without_assign(ci, cols, rows, y_at)
            outside = price_outside(
                ci,
                index,
                cols,
                rows,
                y_at,
                NEAR_ZERO_IMPLICIT,
                ADDED_PER_EMPLOYEE_IMPLICIT,
                MAX_ADDED_PER_ROUND,
            )
            value = lagrangian_bound(ci, cols, rows, y_at, rc, outside.min_rc)
            pricing_seconds = time.perf_counter() - pricing_start
            at_master = y_at is y
            if value > best_bound:
                best_bound, center = value, y_at
            if outside.negative:
                break
        assert outside is not None
        if TRACE:
            print(
                f"round {rounds}: cols {cols.size} rows {rows.n_rows} lp {sol.seconds:.2f}s "
                f"obj {sol.objective:.2f} bound {best_bound:.2f} new {outside.new.size} "
                f"negative {outside.negative} t={time.perf_counter() - start:.2f}",
                file=sys.stderr,
            )
        last_round = time.perf_counter() - round_start
        if outside.negative == 0 and at_master:  # the LP over all moves is solved
            priced_out = True
            break
        if _gap_closed(sol.objective, best_bound, status_quo, gap_tolerance):
            break
        cols = merge_columns(ci, cols, outside.new)
        master.add_columns(cols, outside.new)
    x = np.zeros(cols.size)
    lp_obj = float("nan")
    n_rows = 0
    cap_prices: tuple[FloatArray, FloatArray] | None = None
    if center is not None:
        cap_prices = (
            -_per_row(master.arrivals_row, center),
            -_per_row(master.departures_row, center),
        )
    if last is not None:
        sol, solved_cols, n_rows = last
        # columns added after the last solve (time ran out before the next one) stay in the
        # pool at 0, as they are in the master: the pool matches the master's columns
        x[np.searchsorted(column_codes(ci, cols), column_codes(ci, solved_cols))] = sol.x
        lp_obj = sol.objective
    return replace(
        _relaxation(last is not None, cols, x, lp_obj, best_bound, priced_out, rounds, start),
        n_vars=master.n_vars,
        n_rows=n_rows,
        cap_prices=cap_prices,
        master=master if last is not None else None,
    )


def _relaxation(
    solved: bool,
    cols: Columns,
    x: FloatArray,
    lp_objective: float,
    best_bound: float,
    priced_out: bool,
    rounds: int,
    start: float,
) -> Relaxation:
    """How a column-generation run ended, with every column of `cols` active and no
    formulation (a caller replaces what its path adds). The bound is `best_bound`, the best
    Lagrangian bound, or the LP objective when pricing came out clean, as the LP is then optimal
    over every allowed move; `seconds` counts from `start` (time.perf_counter)."""
    return Relaxation(
        solved=solved,
        priced_out=priced_out,
        x=x,
        lp_objective=lp_objective,
        bound=float(max(best_bound, lp_objective) if priced_out else best_bound),
        active=np.ones(cols.size, dtype=bool),
        formulation=None,
        rounds=rounds,
        seconds=time.perf_counter() - start,
        columns=cols,
    )


def _mask(size: int, idx: IntArray) -> BoolArray:
    out = np.zeros(size, dtype=bool)
    out[idx] = True
    return out


def priced_at(
    ci: CompiledInstance,
    index: PricingIndex,
    pool: Columns,
    rows: ModelRows,
    duals: FloatArray,
    near_zero: float,
    per_employee: int,
) -> tuple[FloatArray, float, Columns]:
    """Duals from outside column generation (e.g. the aggregate LP's, in the layout of
    `rows`) made valid (`_row_duals`), their Lagrangian bound over every allowed move (the
    `pool` priced directly, the moves outside it by `price_outside`), and the moves outside
    the pool that `price_outside` would add at them (below `near_zero`, up to `per_employee`
    per employee)."""
    y = _row_duals(rows, duals)
    outside = price_outside(ci, index, pool, rows, y, near_zero, per_employee)
    rc = reduced_costs_without_assign(ci, pool, rows, y)
    return y, lagrangian_bound(ci, pool, rows, y, rc, outside.min_rc), outside.new
