"""Single-move descent: reassign one employee at a time while that lowers the objective.

Used as the benchmark's baseline, and by the pipeline to polish a rounded LP plan.
"""

from __future__ import annotations

import time

import numpy as np

from core.rebalance.candidates import Columns
from core.rebalance.compiled import BoolArray, CompiledInstance, IntArray
from core.rebalance.plan_state import PlanState

IMPROVEMENT_TOL = 1e-9


def greedy_descent(
    ci: CompiledInstance,
    cols: Columns,
    deadline: float,
    start: IntArray | None = None,
    allowed: BoolArray | None = None,
    min_sweeps: int = 0,
) -> IntArray:
    """A plan no single reassignment improves (or the best found by the deadline).

    A sweep applies, best first, every improving single reassignment still improving when its
    turn comes. At least `min_sweeps` sweeps start whatever the deadline, and past the deadline
    such a sweep stops after its first improvement (a plan, not nothing, when time is short).
    """
    state = PlanState(ci, cols, start)
    home = ci.emp_unit
    cur_rel = np.zeros(ci.n_employees)  # cost of the current unit relative to staying
    moved_now = np.nonzero(state.assign != home)[0]
    for e in moved_now.tolist():
        cur_rel[e] = float(cols.cost[cols.find(e, int(state.assign[e]))])
    use = np.ones(cols.size, dtype=bool) if allowed is None else allowed
    col_idx = np.nonzero(use)[0]
    c_emp, c_unit, c_dest, c_cost = (
        cols.emp[col_idx],
        cols.unit[col_idx],
        cols.dest_pair[col_idx],
        cols.cost[col_idx],
    )
    pairs = np.arange(ci.n_pairs)
    sweeps = 0
    while sweeps < min_sweeps or time.perf_counter() < deadline:
        sweeps += 1
        staff = state.staff
        g0 = ci.pair_imbalance(pairs, staff)
        up1 = ci.pair_imbalance(pairs, staff + 1) - g0
        down1 = ci.pair_imbalance(pairs, np.maximum(staff - 1, 0)) - g0
        cur = state.assign[c_emp]
        p_cur = ci.pair_of[cur, ci.emp_family[c_emp]]
        at_home = cur == home[c_emp]
        delta = c_cost - cur_rel[c_emp] + up1[c_dest] + down1[p_cur]
        ok = (c_unit != cur) & (state.arrivals[c_unit] < ci.arrivals_cap[c_unit])
        ok &= ~at_home | (state.departures[home[c_emp]] < ci.departures_cap[home[c_emp]])
        if ci.total_cap is not None and state.moves >= ci.total_cap:
            ok &= ~at_home
        cand_e = c_emp[ok & (delta < -IMPROVEMENT_TOL)]
        cand_u = c_unit[ok & (delta < -IMPROVEMENT_TOL)]
        cand_d = delta[ok & (delta < -IMPROVEMENT_TOL)]
        away = np.nonzero(state.assign != home)[0]
        if away.shape[0]:
            back = (
                -cur_rel[away]
                + up1[ci.emp_pair[away]]
                + down1[ci.pair_of[state.assign[away], ci.emp_family[away]]]
            )
            good = back < -IMPROVEMENT_TOL
            cand_e = np.concatenate([cand_e, away[good]])
            cand_u = np.concatenate([cand_u, home[away[good]]])
            cand_d = np.concatenate([cand_d, back[good]])
        if cand_e.shape[0] == 0:
            break
        order = np.lexsort((cand_d, cand_e))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = cand_e[order][1:] != cand_e[order][:-1]
        best = order[first]
        best = best[np.argsort(cand_d[best], kind="stable")]
        applied = 0
        for e, u in zip(cand_e[best].tolist(), cand_u[best].tolist(), strict=True):
            change = [(e, u)]
            if state.delta(change) < -IMPROVEMENT_TOL and not state.broken_rules(change):
                state.apply(change)
                cur_rel[e] = 0.0 if u == home[e] else float(cols.cost[cols.find(e, u)])
                applied += 1
            # past the deadline: stop, once the forced sweeps have found something
            if time.perf_counter() >= deadline and (sweeps > min_sweeps or applied > 0):
                break
        if applied == 0:
            break
    return state.assign.copy()
