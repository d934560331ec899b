"""The restricted master LP of column generation, kept in one HiGHS instance between rounds.

Rows (as in formulation.py): a balance row per (unit, family) pair any move can change, the
arrival, departure and total caps that can bind, an at-most-one-move row per employee holding a
column, and the spouse rows of couples whose both members may move (one per column of a
couple member, over the spouse's columns). Pricing adds columns (and the rows they bring);
HiGHS then restarts the simplex from the previous optimal basis instead of from scratch
(Desrosiers and Lübbecke, "A primer in column generation", in Column Generation, Springer
2005: the restricted master stays primal feasible when columns are added, so the primal simplex
continues from its last basis). HiGHS through its `highspy` bindings (Huangfu and Hall,
"Parallelizing the dual revised simplex method", Math. Prog. Comp. 10, 2018).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.rebalance.candidates import Columns, column_codes
from core.rebalance.compiled import CompiledInstance, FloatArray, IntArray
from core.rebalance.formulation import ModelRows, Segments, SpouseRows, couples_both_movable

if TYPE_CHECKING:
    import highspy

_BANNER = threading.Lock()
_banner_shown = False


def new_highs() -> highspy.Highs:
    """A silent `highspy.Highs`. HiGHS prints a banner on standard output when the first one
    is made in a process; it is sent to /dev/null so that `mutasi solve` keeps stdout for
    the solution."""
    global _banner_shown
    import highspy

    with _BANNER:
        if _banner_shown:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            try:
                h = highspy.Highs()  # type: ignore[no-untyped-call]
                ctypes.CDLL(None).fflush(None)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _banner_shown = True
    h.silent()
    return h


def _group(keys: IntArray) -> dict[int, IntArray]:
    """Positions of each distinct key (positions ascending)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    return {int(keys[b[0]]): b for b in np.split(order, cuts) if b.shape[0]}


@dataclass(frozen=True, slots=True, eq=False)
class MasterSolution:
    """One solve of the master: status, objective, value per column of `cols`, row duals."""

    status: str  # OPTIMAL, STOPPED or FAILED:<HiGHS model status>
    objective: float
    x: FloatArray
    duals: FloatArray
    seconds: float


class MasterLP:
    """The master LP over a growing set of move columns (one HiGHS model, warm restarts)."""

    def __init__(self, ci: CompiledInstance, segs: Segments) -> None:
        import highspy

        self._hs = highspy
        self.ci = ci
        self.segs = segs
        self.h = new_highs()
        self.h.setOptionValue("solver", "simplex")
        inf = highspy.kHighsInf
        m = len(ci.unit_ids)
        lb: list[float] = []
        ub: list[float] = []
        self.balance_row = np.full(ci.n_pairs, -1, dtype=np.int64)
        touched = segs.touched_pairs
        self.balance_row[touched] = np.arange(touched.shape[0])
        lb += [0.0] * touched.shape[0]
        ub += [0.0] * touched.shape[0]
        self.arrivals_row = np.full(m, -1, dtype=np.int64)
        self.departures_row = np.full(m, -1, dtype=np.int64)
        for counts, cap, row_of in (
            (segs.possible_arrivals, ci.arrivals_cap, self.arrivals_row),
            (segs.possible_departures, ci.departures_cap, self.departures_row),
        ):
            binding = np.nonzero(counts > cap)[0]
            row_of[binding] = len(lb) + np.arange(binding.shape[0])
            lb += [-inf] * binding.shape[0]
            ub += cap[binding].astype(float).tolist()
        self.total_row = -1
        if ci.total_cap is not None:
            self.total_row = len(lb)
            lb.append(-inf)
            ub.append(float(ci.total_cap))
        self.row_lb = np.where(np.isinf(np.array(lb)), -np.inf, np.array(lb))
        self.row_ub = np.array(ub, dtype=np.float64)
        n0 = len(lb)
        self.h.addRows(
            n0,
            np.array(lb, dtype=np.float64),
            np.array(ub, dtype=np.float64),
            0,
            np.zeros(n0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        # segment variables first: the imbalance runs of every pair
        n_seg = segs.pair.shape[0]
        starts = np.arange(n_seg, dtype=np.int32)
        self.h.addCols(
            n_seg,
            segs.cost.astype(np.float64),
            np.zeros(n_seg),
            segs.length.astype(np.float64),
            n_seg,
            starts,
            self.balance_row[segs.pair].astype(np.int32),
            -segs.direction.astype(np.float64),
        )
        self.n_seg = n_seg
        self.assign_row = np.full(ci.n_employees, -1, dtype=np.int64)
        self.codes = np.zeros(0, dtype=np.int64)  # column code of each move variable, LP order
        self.both = couples_both_movable(ci)
        # spouse rows: (row, column code, rhs); and per employee the codes of their columns
        self.sp_row: list[int] = []
        self.sp_code: list[int] = []
        self.sp_rhs: list[float] = []
        self.couple_codes: dict[int, list[int]] = {}
        self.constant = float(
            ci.stay_cost.sum() + ci.pair_imbalance(np.arange(ci.n_pairs), ci.pair_base).sum()
        )
        self.cols: Columns | None = None

    def _append_rows(self, lb: list[float], ub: list[float]) -> None:
        self.row_lb = np.concatenate([self.row_lb, np.array(lb, dtype=np.float64)])
        self.row_ub = np.concatenate([self.row_ub, np.array(ub, dtype=np.float64)])

    def add_columns(self, cols: Columns, new: Columns) -> None:
        """Add the columns `new` (none already in the model); `cols` is the whole pool after
        adding them (the model's columns and `new`, sorted by employee then unit)."""
        ci = self.ci
        hs = self._hs
        inf = hs.kHighsInf
        n_units = len(ci.unit_ids)
        k = new.size
        if k == 0:
            self.cols = cols
            return
        # at-most-one-move rows for employees seen for the first time
        fresh = np.unique(new.emp[self.assign_row[new.emp] < 0])
        if fresh.shape[0]:
            first = int(self.row_lb.shape[0])
            self.assign_row[fresh] = first + np.arange(fresh.shape[0])
            count = fresh.shape[0]
            self.h.addRows(
                count,
                np.full(count, -inf),
                np.ones(count),
                0,
                np.zeros(count, dtype=np.int32),
                np.zeros(0, dtype=np.int32),
                np.zeros(0),
            )
            self._append_rows([-np.inf] * count, [1.0] * count)
        home = ci.emp_unit[new.emp]
        per_col: list[IntArray] = [
            self.assign_row[new.emp],
            self.balance_row[new.dest_pair],
            self.balance_row[new.orig_pair],
            self.arrivals_row[new.unit],
            self.departures_row[home],
            np.full(k, self.total_row, dtype=np.int64),
        ]
        coefs: list[FloatArray] = [
            np.ones(k), np.ones(k), -np.ones(k), np.ones(k), np.ones(k), np.ones(k),
        ]  # fmt: skip
        rows_m = np.stack(per_col, axis=1)
        coef_m = np.stack(coefs, axis=1)
        present = rows_m >= 0
        # entries of the new couple columns in the spouse's existing spouse rows
        x_cols: list[IntArray] = []
        x_rows: list[IntArray] = []
        x_vals: list[FloatArray] = []
        new_codes = new.emp * n_units + new.unit
        couple_cols = np.nonzero(self.both[new.emp])[0]
        if couple_cols.shape[0] and self.sp_row:
            sp_row = np.array(self.sp_row, dtype=np.int64)
            sp_code = np.array(self.sp_code, dtype=np.int64)
            rows_of = _group(sp_code // n_units)
            for e, block in _group(new.emp[couple_cols]).items():
                mine = rows_of.get(int(ci.spouse[e]))
                if mine is None:
                    continue
                idx = couple_cols[block]
                limit = float(ci.spouse_limit[e])
                s_units = sp_code[mine] % n_units
                near_home = ci.unit_distance(s_units, int(ci.emp_unit[e])) <= limit
                near = ci.unit_distance(new.unit[idx][:, None], s_units[None, :]) <= limit
                coef = np.where(near_home[None, :], (~near).astype(float), -near.astype(float))
                r_i, c_j = np.nonzero(coef)
                x_cols.append(idx[r_i])
                x_rows.append(sp_row[mine][c_j])
                x_vals.append(coef[r_i, c_j])
        # column-wise entries: the fixed rows, then the spouse-row entries, sorted by column
        col_of = np.repeat(np.arange(k), present.sum(axis=1))
        ent_row = rows_m[present]
        ent_val = coef_m[present]
        if x_cols:
            col_of = np.concatenate([col_of, *x_cols])
            ent_row = np.concatenate([ent_row, *x_rows])
            ent_val = np.concatenate([ent_val, *x_vals])
            order = np.argsort(col_of, kind="stable")
            col_of, ent_row, ent_val = col_of[order], ent_row[order], ent_val[order]
        starts = np.searchsorted(col_of, np.arange(k)).astype(np.int32)
        self.h.addCols(
            k,
            new.cost.astype(np.float64),
            np.zeros(k),
            np.ones(k),
            int(ent_row.shape[0]),
            starts,
            ent_row.astype(np.int32),
            ent_val.astype(np.float64),
        )
        self.codes = np.concatenate([self.codes, new_codes])
        for i in couple_cols.tolist():
            self.couple_codes.setdefault(int(new.emp[i]), []).append(int(new_codes[i]))
        # spouse rows of the new couple columns, over all the spouse's columns
        if couple_cols.shape[0]:
            by_code = np.argsort(self.codes, kind="stable")
            sorted_codes = self.codes[by_code]

            def var_index(codes: IntArray) -> IntArray:
                return np.asarray(self.n_seg + by_code[np.searchsorted(sorted_codes, codes)])

            first_row = int(self.row_lb.shape[0])
            r_row: list[IntArray] = []
            r_var: list[IntArray] = []
            r_val: list[FloatArray] = []
            rhs_all: list[FloatArray] = []
            code_all: list[IntArray] = []
            done = 0
            for e, block in _group(new.emp[couple_cols]).items():
                idx = couple_cols[block]
                s_ = int(ci.spouse[e])
                limit = float(ci.spouse_limit[e])
                s_codes = np.array(self.couple_codes.get(s_, []), dtype=np.int64)
                units = new.unit[idx]
                at_home = ci.unit_distance(units, int(ci.emp_unit[s_])) <= limit
                near = ci.unit_distance(units[:, None], (s_codes % n_units)[None, :]) <= limit
                coef = np.where(at_home[:, None], (~near).astype(float), -near.astype(float))
                rows_here = first_row + done + np.arange(idx.shape[0])
                r_i, c_j = np.nonzero(coef)
                r_row += [rows_here, rows_here[r_i]]
                r_var += [var_index(new_codes[idx]), var_index(s_codes[c_j])]
                r_val += [np.ones(idx.shape[0]), coef[r_i, c_j]]
                rhs_all.append(at_home.astype(np.float64))
                code_all.append(new_codes[idx])
                done += idx.shape[0]
            rows_cat = np.concatenate(r_row)
            order = np.argsort(rows_cat, kind="stable")
            rows_cat = rows_cat[order]
            vars_cat = np.concatenate(r_var)[order]
            vals_cat = np.concatenate(r_val)[order]
            rhs = np.concatenate(rhs_all)
            starts = np.searchsorted(rows_cat, first_row + np.arange(done)).astype(np.int32)
            self.h.addRows(
                done,
                np.full(done, -inf),
                rhs,
                int(vars_cat.shape[0]),
                starts,
                vars_cat.astype(np.int32),
                vals_cat.astype(np.float64),
            )
            self.sp_row += (first_row + np.arange(done)).tolist()
            self.sp_code += np.concatenate(code_all).tolist()
            self.sp_rhs += rhs.tolist()
            self._append_rows([-np.inf] * done, rhs.tolist())
        self.cols = cols

    def rows(self) -> ModelRows:
        """The row positions now, with spouse rows pointing at columns of the current pool
        (before any column: the balance, cap and total rows alone)."""
        codes = (
            column_codes(self.ci, self.cols)
            if self.cols is not None
            else np.zeros(0, dtype=np.int64)
        )
        sp_codes = np.array(self.sp_code, dtype=np.int64)
        return ModelRows(
            segments=self.segs,
            row_lb=self.row_lb,
            row_ub=self.row_ub,
            assign_row=self.assign_row,
            balance_row=self.balance_row,
            arrivals_row=self.arrivals_row,
            departures_row=self.departures_row,
            total_row=self.total_row,
            spouse=SpouseRows(
                np.searchsorted(codes, sp_codes).astype(np.int64),
                np.array(self.sp_rhs, dtype=np.float64),
                np.array(self.sp_row, dtype=np.int64),
            ),
            constant=self.constant,
        )

    @property
    def n_vars(self) -> int:
        """Number of variables (segments and moves)."""
        return int(self.n_seg + self.codes.shape[0])

    def solve(self, time_limit: float) -> MasterSolution:
        """Re-optimise from the last basis; x is per column of the current pool."""
        assert self.cols is not None
        start = time.perf_counter()
        self.h.setOptionValue("time_limit", float(max(0.05, time_limit)))
        self.h.run()
        seconds = time.perf_counter() - start
        status = self.h.modelStatusToString(self.h.getModelStatus())
        if status != "Optimal":
            name = (
                "STOPPED"
                if status in ("Time limit reached", "Interrupted by user")
                else (f"FAILED:{status}")
            )
            return MasterSolution(name, float("nan"), np.zeros(0), np.zeros(0), seconds)
        sol = self.h.getSolution()
        values = np.asarray(sol.col_value, dtype=np.float64)
        x = np.zeros(self.cols.size)
        pos = np.searchsorted(column_codes(self.ci, self.cols), self.codes)
        x[pos] = np.clip(values[self.n_seg :], 0.0, 1.0)
        duals = np.asarray(sol.row_dual, dtype=np.float64)
        objective = float(self.h.getInfo().objective_function_value) + self.constant
        return MasterSolution("OPTIMAL", objective, x, duals, seconds)


# A move variable this close to 0 or 1 counts as integral while diving.
DIVE_TOL = 1e-6
# Each dive step fixes to 1 every fractional move at or above this value (at most one per
# employee: their moves sum to at most 1), or the largest fractional one when none is.
DIVE_FIX_AT = 0.5


def dive(master: MasterLP, x: FloatArray, deadline: float) -> FloatArray | None:
    """An integral solution of the master by LP diving from its optimum `x` (per pool column).

    Moves at 1 are fixed to 1, then step by step fractional moves are fixed to 1 - every one
    at or above DIVE_FIX_AT at once, or the largest when none is or when such a batch made the
    LP infeasible (a cap too tight for all of them) - and the master re-optimised from its
    basis (dual simplex after bound changes), until the solution is integral. A single move
    that cannot be fixed is forbidden instead. The master keeps every row, so the result
    satisfies the caps and the couples' rows. Returns the 0/1 value per pool column, or None
    when the LP becomes infeasible or `deadline` (perf_counter seconds) passes first. The
    master's bounds are left changed: call it once, after column generation. (Diving:
    Berthold, "Primal heuristics for mixed integer programs", ZIB 2006, ch. 3.)
    """
    assert master.cols is not None
    ci = master.ci
    position = np.searchsorted(column_codes(ci, master.cols), master.codes)
    values = x[position]  # per move variable, in LP order
    fixed = np.zeros(values.shape[0], dtype=bool)
    batches = True

    def bound(variables: IntArray, lb: float, ub: float) -> None:
        idx = (master.n_seg + variables).astype(np.int32)
        count = int(idx.shape[0])
        master.h.changeColsBounds(count, idx, np.full(count, lb), np.full(count, ub))

    while True:
        frac = (values > DIVE_TOL) & (values < 1.0 - DIVE_TOL)
        if not frac.any():
            out = np.zeros(master.cols.size)
            out[position] = np.rint(values)
            return out
        if time.perf_counter() >= deadline:
            return None
        at_one = np.nonzero((values >= 1.0 - DIVE_TOL) & ~fixed)[0]
        bound(at_one, 1.0, 1.0)
        fixed[at_one] = True
        candidates = np.nonzero(frac)[0]
        largest = candidates[np.argmax(values[candidates])][None]
        pick = np.nonzero(frac & (values >= DIVE_FIX_AT))[0] if batches else largest
        if pick.shape[0] == 0:
            pick = largest
        bound(pick, 1.0, 1.0)
        sol = master.solve(deadline - time.perf_counter())
        if sol.status == "STOPPED":
            return None
        if sol.status != "OPTIMAL":
            bound(pick, 0.0, 1.0)
            if pick.shape[0] > 1:
                batches = False  # one at a time from now on
                continue
            bound(pick, 0.0, 0.0)  # this move cannot be made with the others: forbid it
            sol = master.solve(deadline - time.perf_counter())
            if sol.status != "OPTIMAL":
                return None
        else:
            fixed[pick] = True
        values = sol.x[position]
