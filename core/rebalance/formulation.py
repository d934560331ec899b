"""The model of docs/optimisation.md (method), as sparse rows over a chosen subset of the move
columns.

Variables: one per active move column (0/1) and one per imbalance segment (0..length, cost per
person). Rows, one class of constraint each: at most one move per employee, a balance row per
(unit, family) pair, arrival and departure caps, the total-moves cap and spouse rows. The LP
and CP-SAT are both built from the same `Formulation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.rebalance.candidates import Columns
from core.rebalance.compiled import BoolArray, CompiledInstance, FloatArray, IntArray

INF = float("inf")


@dataclass(frozen=True, slots=True, eq=False)
class Segments:
    """Convex imbalance cost per pair: runs of equal marginal cost between whole staff numbers."""

    pair: IntArray
    direction: IntArray  # +1 adds staff, -1 removes staff
    cost: FloatArray  # per person along the run
    length: IntArray
    touched_pairs: IntArray  # pairs any allowed move can change
    possible_arrivals: IntArray  # per unit, allowed columns into it
    possible_departures: IntArray  # per unit, employees with an allowed move out of it


def build_segments(ci: CompiledInstance, cols: Columns | None) -> Segments:
    """Segments covering every staff level the full column set can reach.

    With `cols` None (the allowed moves are not listed) the reach is bounded from the counts:
    a pair can gain at most the movable employees of its family outside it and lose at most
    its own movable employees (then the caps) - more levels than reachable, never fewer.
    """
    n_pairs = ci.n_pairs
    unit = ci.pair_unit
    m = len(ci.unit_ids)
    if cols is None:
        movable = ci.movable
        can_leave = np.bincount(ci.emp_pair[movable], minlength=n_pairs).astype(np.int64)
        family_movable = np.bincount(ci.emp_family[movable], minlength=len(ci.families))
        can_arrive = family_movable[ci.pair_family] - can_leave
        arrivals = np.bincount(unit, weights=can_arrive, minlength=m).astype(np.int64)
        departures = np.bincount(ci.emp_unit[movable], minlength=m).astype(np.int64)
        touched = np.nonzero((can_arrive > 0) | (can_leave > 0))[0].astype(np.int64)
        return _segments(ci, can_arrive, can_leave, touched, arrivals, departures)
    can_arrive = np.bincount(cols.dest_pair, minlength=n_pairs)
    emp_with_cols = np.nonzero(np.diff(cols.emp_start) > 0)[0]
    can_leave = np.bincount(ci.emp_pair[emp_with_cols], minlength=n_pairs)
    touched = np.nonzero(
        (np.bincount(cols.dest_pair, minlength=n_pairs) > 0)
        | (np.bincount(cols.orig_pair, minlength=n_pairs) > 0)
    )[0]
    arrivals = np.bincount(cols.unit, minlength=m).astype(np.int64)
    departures = np.bincount(ci.emp_unit[emp_with_cols], minlength=m).astype(np.int64)
    return _segments(ci, can_arrive, can_leave, touched.astype(np.int64), arrivals, departures)


def _segments(
    ci: CompiledInstance,
    can_arrive: IntArray,
    can_leave: IntArray,
    touched: IntArray,
    arrivals: IntArray,
    departures: IntArray,
) -> Segments:
    """Runs of equal marginal imbalance cost over the levels the counts let each pair reach."""
    n_pairs = ci.n_pairs
    unit = ci.pair_unit
    up = np.minimum(can_arrive, ci.arrivals_cap[unit])
    down = np.minimum(can_leave, ci.departures_cap[unit])
    if ci.total_cap is not None:
        up = np.minimum(up, ci.total_cap)
        down = np.minimum(down, ci.total_cap)
    parts = []
    for direction, reach in ((1, up), (-1, down)):
        pairs = np.repeat(np.arange(n_pairs), reach)
        if pairs.shape[0] == 0:
            continue
        starts = np.cumsum(reach) - reach
        step = np.arange(pairs.shape[0]) - np.repeat(starts, reach)  # 0-based step from base
        level = ci.pair_base[pairs] + direction * step
        slope = ci.pair_imbalance(pairs, level + direction) - ci.pair_imbalance(pairs, level)
        new_run = np.ones(pairs.shape[0], dtype=bool)
        new_run[1:] = (pairs[1:] != pairs[:-1]) | (np.abs(slope[1:] - slope[:-1]) > 1e-9)
        run_start = np.nonzero(new_run)[0]
        lengths = np.diff(np.append(run_start, pairs.shape[0]))
        parts.append(
            (pairs[run_start], np.full(run_start.shape[0], direction), slope[run_start], lengths)
        )
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return Segments(z, z, np.zeros(0), z, touched.astype(np.int64), arrivals, departures)
    return Segments(
        pair=np.concatenate([p[0] for p in parts]).astype(np.int64),
        direction=np.concatenate([p[1] for p in parts]).astype(np.int64),
        cost=np.concatenate([p[2] for p in parts]).astype(np.float64),
        length=np.concatenate([p[3] for p in parts]).astype(np.int64),
        touched_pairs=touched.astype(np.int64),
        possible_arrivals=arrivals,
        possible_departures=departures,
    )


@dataclass(frozen=True, slots=True, eq=False)
class SpouseRows:
    """One row per active column of a couple member whose spouse may also move.

    Row for e moving to u (spouse s, limit R): if d(u, unit(s)) <= R then
    x[e,u] + sum of s's active columns to units farther than R from u <= 1, else
    x[e,u] - sum of s's active columns to units within R of u <= 0.
    """

    column: IntArray  # the active column the row belongs to
    rhs: FloatArray
    row: IntArray  # the row's index in the model


@dataclass(frozen=True, slots=True, eq=False)
class ModelRows:
    """Where each constraint of the model sits among a model's rows (-1: no such row); what
    pricing and the Lagrangian bound need, from a Formulation or from the incremental master LP
    at one moment (`master.MasterLP.rows`)."""

    segments: Segments
    row_lb: FloatArray
    row_ub: FloatArray
    assign_row: IntArray  # per employee, -1 when no active column
    balance_row: IntArray  # per pair, -1 when the pair cannot change
    arrivals_row: IntArray  # per unit, -1 when the cap cannot bind
    departures_row: IntArray  # per unit, -1 when the cap cannot bind
    total_row: int
    spouse: SpouseRows
    constant: float  # objective of the status quo

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.row_lb.shape[0])


@dataclass(frozen=True, slots=True, eq=False)
class Formulation(ModelRows):
    """Sparse rows (COO) and variables of the model over the active columns."""

    active: IntArray  # column index of each move variable (variable i is active[i])
    n_vars: int
    var_cost: FloatArray
    var_ub: FloatArray
    coo_row: IntArray
    coo_var: IntArray
    coo_coef: FloatArray
    spouse_row_start: int

    @property
    def n_moves(self) -> int:
        """Number of move variables."""
        return int(self.active.shape[0])


def couples_both_movable(ci: CompiledInstance) -> BoolArray:
    """Employees with a spouse where both may move (rule 8 needs rows for them)."""
    has = ci.spouse >= 0
    out = np.zeros(ci.n_employees, dtype=bool)
    out[has] = (ci.immovable[has] == 0) & (ci.immovable[ci.spouse[has]] == 0)
    return out


def build_formulation(
    ci: CompiledInstance, cols: Columns, segs: Segments, active_mask: BoolArray
) -> Formulation:
    """Rows and variables of the model restricted to the active columns."""
    active = np.nonzero(active_mask)[0]
    k = active.shape[0]
    emp = cols.emp[active]
    dest_unit = cols.unit[active]
    orig_unit = ci.emp_unit[emp]
    rows_r: list[IntArray] = []
    rows_v: list[IntArray] = []
    rows_c: list[FloatArray] = []
    lb_parts: list[FloatArray] = []
    ub_parts: list[FloatArray] = []
    n_rows = 0
    var_x = np.arange(k)

    def add_block(count: int, lb: FloatArray, ub: FloatArray) -> int:
        nonlocal n_rows
        first = n_rows
        n_rows += count
        lb_parts.append(lb)
        ub_parts.append(ub)
        return first

    # at most one move per employee
    assign_row = np.full(ci.n_employees, -1, dtype=np.int64)
    # an employee with a single active column needs no row: the column's bound says it all
    emps_all, counts = np.unique(emp, return_counts=True)
    emps_active = emps_all[counts > 1]
    first = add_block(
        emps_active.shape[0], np.full(emps_active.shape[0], -INF), np.ones(emps_active.shape[0])
    )
    assign_row[emps_active] = first + np.arange(emps_active.shape[0])
    rows_r.append(assign_row[emp])
    rows_v.append(var_x)
    rows_c.append(np.ones(k))

    # balance: arrivals - departures - added staff + removed staff = 0
    balance_row = np.full(ci.n_pairs, -1, dtype=np.int64)
    touched = segs.touched_pairs
    first = add_block(touched.shape[0], np.zeros(touched.shape[0]), np.zeros(touched.shape[0]))
    balance_row[touched] = first + np.arange(touched.shape[0])
    rows_r += [balance_row[cols.dest_pair[active]], balance_row[cols.orig_pair[active]]]
    rows_v += [var_x, var_x]
    rows_c += [np.ones(k), -np.ones(k)]
    n_seg = segs.pair.shape[0]
    seg_var = k + np.arange(n_seg)
    rows_r.append(balance_row[segs.pair])
    rows_v.append(seg_var)
    rows_c.append(-segs.direction.astype(np.float64))

    # caps (only where the full column set could exceed them)
    all_arrivals = segs.possible_arrivals
    all_departures = segs.possible_departures
    arrivals_row = np.full(len(ci.unit_ids), -1, dtype=np.int64)
    departures_row = np.full(len(ci.unit_ids), -1, dtype=np.int64)
    for counts, cap, row_of, unit_of in (
        (all_arrivals, ci.arrivals_cap, arrivals_row, dest_unit),
        (all_departures, ci.departures_cap, departures_row, orig_unit),
    ):
        binding = np.nonzero(counts > cap)[0]
        first = add_block(
            binding.shape[0], np.full(binding.shape[0], -INF), cap[binding].astype(np.float64)
        )
        row_of[binding] = first + np.arange(binding.shape[0])
        r = row_of[unit_of]
        keep = r >= 0
        rows_r.append(r[keep])
        rows_v.append(var_x[keep])
        rows_c.append(np.ones(int(keep.sum())))

    total_row = -1
    if ci.total_cap is not None:
        total_row = add_block(1, np.array([-INF]), np.array([float(ci.total_cap)]))
        rows_r.append(np.full(k, total_row))
        rows_v.append(var_x)
        rows_c.append(np.ones(k))

    # spouse rows
    spouse_start = n_rows
    both = couples_both_movable(ci)
    sp_cols: list[int] = []
    sp_rhs: list[float] = []
    var_of_col = {int(active[i]): i for i in np.nonzero(both[emp])[0].tolist()}
    by_emp: dict[int, list[int]] = {}
    for c in var_of_col:
        by_emp.setdefault(int(cols.emp[c]), []).append(c)
    for e, cs in sorted(by_emp.items()):
        s = int(ci.spouse[e])
        limit = ci.spouse_limit_km(e)
        s_unit = int(ci.emp_unit[s])
        s_cols = by_emp.get(s, [])
        u_e = cols.unit[cs]
        near_home = ci.unit_distance(u_e, s_unit) <= limit
        if s_cols:
            near = ci.unit_distance(u_e[:, None], cols.unit[s_cols][None, :]) <= limit
        else:
            near = np.zeros((len(cs), 0), dtype=bool)
        for i, c in enumerate(cs):
            row = n_rows + len(sp_cols)
            sp_cols.append(c)
            terms_v = [var_of_col[c]]
            terms_c = [1.0]
            if near_home[i]:
                sp_rhs.append(1.0)
                for j in np.nonzero(~near[i])[0].tolist():
                    terms_v.append(var_of_col[s_cols[j]])
                    terms_c.append(1.0)
            else:
                sp_rhs.append(0.0)
                for j in np.nonzero(near[i])[0].tolist():
                    terms_v.append(var_of_col[s_cols[j]])
                    terms_c.append(-1.0)
            rows_r.append(np.full(len(terms_v), row))
            rows_v.append(np.array(terms_v, dtype=np.int64))
            rows_c.append(np.array(terms_c))
    if sp_cols:
        add_block(len(sp_cols), np.full(len(sp_cols), -INF), np.array(sp_rhs))

    coo_row = np.concatenate(rows_r).astype(np.int64)
    coo_var = np.concatenate(rows_v).astype(np.int64)
    coo_coef = np.concatenate(rows_c).astype(np.float64)
    keep = coo_row >= 0
    constant = float(
        ci.stay_cost.sum() + ci.pair_imbalance(np.arange(ci.n_pairs), ci.pair_base).sum()
    )
    return Formulation(
        active=active,
        segments=segs,
        n_vars=k + n_seg,
        var_cost=np.concatenate([cols.cost[active], segs.cost]),
        var_ub=np.concatenate([np.ones(k), segs.length.astype(np.float64)]),
        row_lb=np.concatenate(lb_parts) if lb_parts else np.zeros(0),
        row_ub=np.concatenate(ub_parts) if ub_parts else np.zeros(0),
        coo_row=coo_row[keep],
        coo_var=coo_var[keep],
        coo_coef=coo_coef[keep],
        assign_row=assign_row,
        balance_row=balance_row,
        arrivals_row=arrivals_row,
        departures_row=departures_row,
        total_row=total_row,
        spouse=SpouseRows(
            np.array(sp_cols, dtype=np.int64),
            np.array(sp_rhs, dtype=np.float64),
            spouse_start + np.arange(len(sp_cols), dtype=np.int64),
        ),
        spouse_row_start=spouse_start,
        constant=constant,
    )
