"""The plain reference the engine is measured against: the whole LP handed to HiGHS at once.

Every allowed move is a column (listed by `core.rebalance.candidates.build_columns`), the
imbalance cost of each (unit, family) pair is one variable per whole staff step (cost = the
marginal imbalance cost of that step), and the rows are those of docs/optimisation.md: at most
one move per employee, one balance row per pair, the arrival, departure and total caps and
the spouse rows. It is solved once by HiGHS's dual simplex through the `highspy` bindings,
without column generation, presolve left on. Its optimum is the LP relaxation's value - a
lower bound on every plan, like the engine's bound - and `seconds` is HiGHS's own solve time
(building the columns and the matrix is reported apart in `build_seconds`).

Usage: `python benchmarks/reference_lp.py INSTANCE.json [--time-limit S]`.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.rebalance.candidates import build_columns
from core.rebalance.compiled import compile_instance
from core.rebalance.formulation import Formulation, Segments, build_formulation, build_segments
from core.rebalance.master import new_highs
from core.rebalance.model import Instance

if TYPE_CHECKING:
    import highspy


@dataclass(frozen=True, slots=True)
class ReferenceLP:
    """The reference LP's outcome: its optimum (None unless solved), HiGHS seconds, size."""

    objective: float | None
    seconds: float
    columns: int
    status: str
    build_seconds: float
    rows: int
    variables: int


def unit_step_segments(segs: Segments) -> Segments:
    """The same staff levels as `segs`, one variable per whole staff step."""
    reps = segs.length
    return Segments(
        pair=np.repeat(segs.pair, reps),
        direction=np.repeat(segs.direction, reps),
        cost=np.repeat(segs.cost, reps),
        length=np.ones(int(reps.sum()), dtype=np.int64),
        touched_pairs=segs.touched_pairs,
        possible_arrivals=segs.possible_arrivals,
        possible_departures=segs.possible_departures,
    )


def highs_lp(form: Formulation) -> highspy.HighsLp:
    """The formulation as a `highspy.HighsLp` (column-wise matrix)."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = form.n_vars
    lp.num_row_ = form.n_rows
    lp.col_cost_ = form.var_cost
    lp.col_lower_ = np.zeros(form.n_vars)
    lp.col_upper_ = form.var_ub
    lp.row_lower_ = np.where(np.isinf(form.row_lb), -inf, form.row_lb)
    lp.row_upper_ = np.where(np.isinf(form.row_ub), inf, form.row_ub)
    order = np.lexsort((form.coo_row, form.coo_var))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(form.coo_var[order], np.arange(form.n_vars + 1))
    lp.a_matrix_.index_ = form.coo_row[order]
    lp.a_matrix_.value_ = form.coo_coef[order]
    lp.offset_ = form.constant
    return lp


def solve_reference_lp(instance: Instance, time_limit: float) -> ReferenceLP:
    """Solve the full LP (every allowed move a column, unit-step imbalance segments) with HiGHS.

    `time_limit` in seconds bounds HiGHS's solve. Status is HiGHS's model status ("Optimal",
    "Time limit reached", ...); objective is None unless it is "Optimal".
    """
    start = time.perf_counter()
    ci = compile_instance(instance)
    cols = build_columns(ci)
    segs = unit_step_segments(build_segments(ci, cols))
    form = build_formulation(ci, cols, segs, np.ones(cols.size, dtype=bool))
    lp = highs_lp(form)
    h = new_highs()
    h.setOptionValue("time_limit", float(max(0.1, time_limit)))
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    built = time.perf_counter() - start
    solve_start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - solve_start
    status = h.modelStatusToString(h.getModelStatus())
    objective = float(h.getInfo().objective_function_value) if status == "Optimal" else None
    return ReferenceLP(
        objective=objective,
        seconds=round(seconds, 3),
        columns=cols.size,
        status=status,
        build_seconds=round(built, 3),
        rows=form.n_rows,
        variables=form.n_vars,
    )


def main() -> None:
    """Solve one instance file's reference LP and print the outcome as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    instance = Instance.from_json(Path(args.instance).read_bytes())
    print(json.dumps(asdict(solve_reference_lp(instance, args.time_limit))))


if __name__ == "__main__":
    main()
