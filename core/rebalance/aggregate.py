"""An aggregate LP of the staffing counts, whose duals price the first pool of moves.

On large instances (moves priced, not listed) column generation needs a first pool of moves.
Priced at the status quo's marginal imbalance costs, every employee's best moves point at the
same few most short-staffed pairs, and the first restricted master LP is large, slow and weak.
The aggregate LP below forgets who moves where and keeps the counts:

- per movable employee who may move beyond their aspirations, a departure variable in [0, 1] at
  the employee's own part of a move's cost (`move_constant`), in its home pair's balance row,
  its unit's departure cap and its family's conservation row;
- per allowed aspiration move, its own variable at its exact cost (the employee's departure and
  aspiration variables sum to at most 1);
- per (unit, family) pair employing the family, an arrival variable >= 0 at an estimate of the
  destination's part of a move's cost (distance from the family's mean home, mean skill match),
  in the pair's balance row, the unit's arrival cap and the family's conservation row;
- each pair's imbalance as the master's segments (`formulation.build_segments`), the same
  balance, cap and total rows as the restricted master (`master.MasterLP`), laid out the same,
  plus one conservation row per family (departures = arrivals).

It has about one variable per movable employee and per pair (about 100,000 at 100,000
employees against 315,000 columns of the first restricted master) and no employee x unit term.
Its balance and cap duals, in the master's row layout, estimate the final LP's marginal costs:
pricing every allowed move with them (`relaxation.price_outside`) gives each employee's best
moves towards where the counts say staff should go, and with the Lagrangian bound of
`relaxation.lagrangian_bound` (any duals of the right sign give a proven bound over every
allowed move) a bound before the first master LP. The aggregate LP's own objective is NOT a
bound (its destination costs are estimates).

(Aggregating the columns of a master problem to warm-start column generation: Elhallaoui,
Villeneuve, Soumis and Desaulniers, "Dynamic aggregation of set-partitioning constraints in
column generation", Operations Research 53, 2005, for the idea of solving an aggregated master
first; the model here is this engine's own.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.rebalance.candidates import Columns, move_constant
from core.rebalance.compiled import CompiledInstance, FloatArray, IntArray, haversine_km
from core.rebalance.formulation import ModelRows
from core.rebalance.master import new_highs


@dataclass(frozen=True, slots=True, eq=False)
class AggregateLP:
    """The aggregate LP's answer: duals in the layout of `rows` and the counts it moves."""

    status: str  # OPTIMAL, or what HiGHS said
    objective: float  # of the aggregate LP (an estimate, not a bound)
    duals: FloatArray  # per row of `rows` (balance, caps, total), as HiGHS returns them
    rows: ModelRows
    leaving: IntArray  # employees whose departure variable is at least 0.5
    aspiration_taken: FloatArray  # value per aspiration column given
    arrivals: FloatArray  # per pair: generic arrivals (aspiration moves not included)
    seconds: float


def destination_estimate(ci: CompiledInstance, free: IntArray) -> FloatArray:
    """Per pair, the destination's part of a move's cost for a typical employee of its family:
    w_distance x d(mean home of the family's `free` employees, unit) - w_skill x their mean
    number of skills the unit needs. Shape (n_pairs,)."""
    w = ci.instance.policy.weights
    nf = len(ci.families)
    fam = ci.emp_family[free]
    count = np.maximum(np.bincount(fam, minlength=nf), 1).astype(np.float64)
    lat = np.bincount(fam, weights=ci.home_lat[free], minlength=nf) / count
    lon = np.bincount(fam, weights=ci.home_lon[free], minlength=nf) / count
    f, u = ci.pair_family, ci.pair_unit
    dist = haversine_km(lat[f], lon[f], ci.unit_lat[u], ci.unit_lon[u])
    # mean skill match: per family, the share of its employees holding each skill
    bits = np.unpackbits(ci.emp_skill_bits[free].view(np.uint8), axis=1, bitorder="little")
    share = np.zeros((nf, bits.shape[1]))
    np.add.at(share, fam, bits.astype(np.float64))
    share /= count[:, None]
    need = np.unpackbits(ci.unit_skill_bits.view(np.uint8), axis=1, bitorder="little")
    match = (share[f] * need[u]).sum(axis=1)
    return np.asarray(w.distance_per_km * dist - w.skill * match, dtype=np.float64)


def solve_aggregate(
    ci: CompiledInstance, rows: ModelRows, aspirations: Columns, time_limit: float
) -> AggregateLP:
    """Solve the aggregate LP of the module docstring with HiGHS (dual simplex).

    `rows`: the restricted master's row layout before any column (`MasterLP.rows`): the
    balance, cap and total rows the duals are returned for. `aspirations`: every allowed
    aspiration move. Raises nothing on a time-out: the status says it (duals then empty).
    """
    import highspy

    start = time.perf_counter()
    inf = highspy.kHighsInf
    nf = len(ci.families)
    segs = rows.segments
    n_real = rows.n_rows
    policy = ci.instance.policy
    free = np.nonzero(ci.movable & ~ci.only_wish)[0]
    if policy.voluntary_only:
        free = free[:0]
    # rows: the master's, one conservation row per family, one at-most-one row per employee
    # with an aspiration column
    fam_row = n_real + np.arange(nf)
    asp_emps = np.unique(aspirations.emp)
    one_row = np.full(ci.n_employees, -1, dtype=np.int64)
    one_row[asp_emps] = n_real + nf + np.arange(asp_emps.shape[0])
    row_lb = np.concatenate([rows.row_lb, np.zeros(nf), np.full(asp_emps.shape[0], -np.inf)])
    row_ub = np.concatenate([rows.row_ub, np.zeros(nf), np.ones(asp_emps.shape[0])])

    # per block of columns: costs, upper bounds, and the (column, row, value) entries
    blocks: list[tuple[FloatArray, FloatArray, IntArray, IntArray, FloatArray]] = []
    n_cols = 0

    def add(cost: FloatArray, ub: FloatArray, entries: list[tuple[IntArray, float]]) -> IntArray:
        nonlocal n_cols
        k = cost.shape[0]
        idx = n_cols + np.arange(k)
        at = [(idx[row >= 0], row[row >= 0], value) for row, value in entries]
        blocks.append(
            (
                cost,
                ub,
                np.concatenate([c for c, _, _ in at]),
                np.concatenate([r for _, r, _ in at]),
                np.concatenate([np.full(c.shape[0], v) for c, _, v in at]),
            )
        )
        n_cols += k
        return idx

    total = np.full(1, rows.total_row, dtype=np.int64)
    # imbalance segments, as in the master
    add(
        segs.cost.astype(np.float64),
        segs.length.astype(np.float64),
        [
            (np.where(segs.direction > 0, rows.balance_row[segs.pair], -1), -1.0),
            (np.where(segs.direction < 0, rows.balance_row[segs.pair], -1), 1.0),
        ],
    )
    # departures of the employees who may move beyond their aspirations
    k_free = free.shape[0]
    dep_idx = add(
        move_constant(ci)[free],
        np.ones(k_free),
        [
            (rows.balance_row[ci.emp_pair[free]], -1.0),
            (rows.departures_row[ci.emp_unit[free]], 1.0),
            (fam_row[ci.emp_family[free]], -1.0),
            (np.repeat(total, k_free), 1.0),
            (one_row[free], 1.0),
        ],
    )
    # aspiration moves at their own cost
    k_asp = aspirations.size
    asp_idx = add(
        aspirations.cost.astype(np.float64),
        np.ones(k_asp),
        [
            (rows.balance_row[aspirations.dest_pair], 1.0),
            (rows.balance_row[aspirations.orig_pair], -1.0),
            (rows.arrivals_row[aspirations.unit], 1.0),
            (rows.departures_row[ci.emp_unit[aspirations.emp]], 1.0),
            (np.repeat(total, k_asp), 1.0),
            (one_row[aspirations.emp], 1.0),
        ],
    )
    # arrivals into every pair whose unit employs the family
    dest = np.nonzero(ci.has_family[ci.pair_unit, ci.pair_family])[0]
    arr_idx = add(
        destination_estimate(ci, free)[dest],
        np.full(dest.shape[0], inf),
        [
            (rows.balance_row[dest], 1.0),
            (rows.arrivals_row[ci.pair_unit[dest]], 1.0),
            (fam_row[ci.pair_family[dest]], 1.0),
        ],
    )
    if n_cols == 0:
        z = np.zeros(0)
        return AggregateLP(
            "EMPTY", float("nan"), z, rows, np.zeros(0, dtype=np.int64), z, z,
            time.perf_counter() - start,
        )  # fmt: skip
    h = new_highs()
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("time_limit", float(max(0.05, time_limit)))
    m = int(row_lb.shape[0])
    h.addRows(
        m,
        np.where(np.isinf(row_lb), -inf, row_lb),
        np.where(np.isinf(row_ub), inf, row_ub),
        0,
        np.zeros(m, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    col = np.concatenate([b[2] for b in blocks])
    order = np.argsort(col, kind="stable")
    col = col[order]
    h.addCols(
        n_cols,
        np.concatenate([b[0] for b in blocks]),
        np.zeros(n_cols),
        np.concatenate([b[1] for b in blocks]),
        int(col.shape[0]),
        np.searchsorted(col, np.arange(n_cols)).astype(np.int32),
        np.concatenate([b[3] for b in blocks])[order].astype(np.int32),
        np.concatenate([b[4] for b in blocks])[order].astype(np.float64),
    )
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        z = np.zeros(0)
        return AggregateLP(
            status, float("nan"), z, rows, np.zeros(0, dtype=np.int64), z, z,
            time.perf_counter() - start,
        )  # fmt: skip
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=np.float64)
    duals = np.asarray(sol.row_dual, dtype=np.float64)[:n_real]
    arrivals = np.zeros(ci.n_pairs)
    arrivals[dest] = x[arr_idx]
    return AggregateLP(
        status="OPTIMAL",
        objective=float(h.getInfo().objective_function_value) + rows.constant,
        duals=duals,
        rows=rows,
        leaving=free[x[dep_idx] >= 0.5],
        aspiration_taken=x[asp_idx],
        arrivals=arrivals,
        seconds=time.perf_counter() - start,
    )


# A leaving employee the counts give no slot stays; this cost (objective points) makes the
# assignment prefer any allowed slot to staying.
STAY_PENALTY = 10_000.0
COST_SCALE = 1000.0  # the assignment's costs are rounded to 1/COST_SCALE points


def aggregate_plan(ci: CompiledInstance, agg: AggregateLP, aspirations: Columns) -> Columns:
    """Moves that carry out the aggregate LP's counts, as columns (every one an allowed move).

    Aspiration moves at 0.5 or more are made; the other employees leaving at 0.5 or more are
    matched to the whole arrivals of their family's pairs (rounded down) by a min-cost
    assignment at the moves' exact costs (OR-Tools `SimpleMinCostFlow`, one per family;
    unmatched ones stay); then moves are undone, most expensive first, until every arrival,
    departure and total cap holds, and a couple the moves part too far both stay. Cost:
    about leaving employees x their family's receiving pairs arcs.
    """
    from ortools.graph.python import min_cost_flow

    from core.rebalance.candidates import allowed_pairs, columns_from_pairs, move_rules

    rules = move_rules(ci)
    # aspiration moves at 0.5 or more, the larger first: one per employee
    asp = np.nonzero(agg.aspiration_taken >= 0.5)[0]
    asp = asp[np.argsort(-agg.aspiration_taken[asp], kind="stable")]
    asp = asp[np.unique(aspirations.emp[asp], return_index=True)[1]]
    emp_parts = [aspirations.emp[asp]]
    unit_parts = [aspirations.unit[asp]]
    taken = np.zeros(ci.n_employees, dtype=bool)
    taken[aspirations.emp[asp]] = True
    leaving = agg.leaving[~taken[agg.leaving]]
    slots = np.floor(agg.arrivals + 1e-6).astype(np.int64)
    for f in np.unique(ci.emp_family[leaving]).tolist():
        emps = leaving[ci.emp_family[leaving] == f]
        dest = np.nonzero((slots > 0) & (ci.pair_family == f))[0]
        if dest.shape[0] == 0:
            continue
        e_idx = np.repeat(emps, dest.shape[0])
        q_idx = np.tile(dest, emps.shape[0])
        u_idx = ci.pair_unit[q_idx]
        dist = ci.home_distance(e_idx, u_idx)
        wished = (ci.aspirations[e_idx] == u_idx[:, None]).any(axis=1)
        ok = allowed_pairs(ci, rules, e_idx, u_idx, dist, wished)
        cols = columns_from_pairs(ci, e_idx[ok], u_idx[ok], dist[ok])
        n_e, n_q = emps.shape[0], dest.shape[0]
        node_e = np.searchsorted(emps, cols.emp)  # emps ascending (np.nonzero order)
        node_q = n_e + np.searchsorted(dest, cols.dest_pair)
        sink = n_e + n_q
        smcf = min_cost_flow.SimpleMinCostFlow()
        move_arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            node_e, node_q, np.ones(cols.size, dtype=np.int64),
            np.rint(cols.cost * COST_SCALE).astype(np.int64),
        )  # fmt: skip
        smcf.add_arcs_with_capacity_and_unit_cost(
            n_e + np.arange(n_q), np.full(n_q, sink), slots[dest], np.zeros(n_q, dtype=np.int64)
        )
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.arange(n_e), np.full(n_e, sink), np.ones(n_e, dtype=np.int64),
            np.full(n_e, int(STAY_PENALTY * COST_SCALE), dtype=np.int64),
        )  # fmt: skip
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[:n_e] = 1
        supplies[sink] = -n_e
        smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
        if smcf.solve() != smcf.OPTIMAL:
            continue
        used = np.asarray(smcf.flows(move_arcs)) > 0
        emp_parts.append(cols.emp[used])
        unit_parts.append(cols.unit[used])
    emp = np.concatenate(emp_parts).astype(np.int64)
    unit = np.concatenate(unit_parts).astype(np.int64)
    moves = columns_from_pairs(ci, emp, unit, ci.home_distance(emp, unit))
    return _within_rules(ci, moves)


def _within_rules(ci: CompiledInstance, moves: Columns) -> Columns:
    """The moves less those undone (most expensive first) until the caps hold, less couples
    set too far apart (rule 8: both stay)."""
    keep = np.ones(moves.size, dtype=bool)
    order = np.argsort(-moves.cost, kind="stable")  # most expensive first
    for unit_of, cap in (
        (moves.unit, ci.arrivals_cap),
        (ci.emp_unit[moves.emp], ci.departures_cap),
    ):
        count = np.bincount(unit_of[keep], minlength=cap.shape[0])
        for j in order.tolist():
            u = int(unit_of[j])
            if keep[j] and count[u] > cap[u]:
                keep[j] = False
                count[u] -= 1
    if ci.total_cap is not None and int(keep.sum()) > ci.total_cap:
        kept = order[keep[order]]
        keep[kept[: int(keep.sum()) - ci.total_cap]] = False
    dest = ci.emp_unit.copy()
    dest[moves.emp[keep]] = moves.unit[keep]
    for e in np.nonzero(ci.spouse >= 0)[0].tolist():
        s = int(ci.spouse[e])
        if float(ci.unit_distance(int(dest[e]), int(dest[s]))) > ci.spouse_limit_km(e) + 1e-9:
            dest[e], dest[s] = ci.emp_unit[e], ci.emp_unit[s]
    keep &= dest[moves.emp] == moves.unit
    from core.rebalance.candidates import columns_from_pairs

    emp, unit = moves.emp[keep], moves.unit[keep]
    return columns_from_pairs(ci, emp, unit, ci.home_distance(emp, unit))
