"""A proven lower bound over every allowed move from min-cost flows, without listing moves.

The relaxation keeps every allowed move (at a cost never above its true cost) and the exact
§3 imbalance of every (unit, family) pair; it drops the spouse rule (rule 8) and the total move
cap (rule 7), and prices the arrival and departure caps (rules 5 and 6) with Lagrangian
multipliers (see `flow_bound`). What is left for fixed multipliers is a transportation problem
with convex piecewise-linear costs at the destinations, i.e. a min-cost flow (Ahuja, Magnanti
and Orlin, "Network Flows", Prentice Hall 1993, ch. 9 and 14), solved by OR-Tools'
`SimpleMinCostFlow`.

Network (one unit of flow per movable employee, all of it ending at the sink):

- employee e -> its home pair, cost 0 (staying; costs are relative to staying);
- employee e -> the pair of each allowed aspiration move, at that move's exact cost;
- employee e -> hub (grid cell of e's unit, family of e, skill set of e), for employees who may
  move beyond their aspirations, cost move_constant[e] - |w_d| r_e, where c is the hub's
  point (the mean position of the cell's units) and r_e = d(home(e), c); the grid is the
  finest (from 10 km, doubling) whose hubs x units of their family fit `MAX_HUB_ARCS`;
- hub -> pair (u, f) for every unit u employing the hub's family f with d(c, u) <= D + max r_e
  over the hub's employees (D: the policy's distance from home), cost w_d d(c, u) - max(w_s, 0)
  x |skills(u) & hub's skill set|;
- pair p -> sink: one arc of capacity 1 per staff step k -> k+1 from the staff that cannot
  move, cost imbalance(k + 1) - imbalance(k), up to a level beyond which the step cost is
  constant (over the tolerance: w_over x steep_factor), then one uncapacitated arc at it.

Proof that it is a lower bound. Take any valid plan. Send each employee along the arc of its
choice: stayers to the home pair; an aspiration move along its own arc (exact cost); any other
allowed move e -> u through its hub. Allowed means d(home(e), u) <= D, so d(c, u) <=
d(home(e), u) + r_e <= D + max r (triangle inequality of the great-circle distance), and u
employs f: the hub arc exists. The path's cost is at most the move's true cost:
w_d d(home(e), u) >= w_d d(c, u) - |w_d| r_e for either sign of w_d (triangle inequality both
ways), and the skill term is the same or, for w_s < 0, replaced by 0 <= its true value. At each
pair the flow arriving is the plan's staff minus the fixed staff, and the plan's imbalance is
the sum of the first step arcs in order; a min-cost flow pays at most that. So the flow's
optimum plus the constant part (every person's cost when staying, and each pair's imbalance at
its fixed staff) is at most the plan's objective. Costs are scaled and rounded down to integers
(the flow solver works in integers), which only lowers the bound. The network's size does not
depend on employees x units: hubs x reachable units, plus one arc per employee and aspiration.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from core.rebalance.candidates import aspiration_columns, move_constant, move_rules
from core.rebalance.compiled import CompiledInstance, FloatArray, IntArray, haversine_km

COST_SCALE = 1000.0  # flow costs are floor(cost x COST_SCALE) in int64
HUB_BLOCK = 256  # hubs whose distances to a family's units are computed at once
GRID_KM = 10.0  # side of the grid cells hubs are keyed by (bigger: fewer arcs, weaker bound)
MAX_HUB_ARCS = 1_000_000  # the grid doubles until hubs x their family's units fit this


@dataclass(frozen=True, slots=True, eq=False)
class FlowBound:
    """The bound (objective points), the multipliers it was found with, and the network size."""

    bound: float
    nodes: int
    arcs: int
    iterations: int  # flows solved (one per multiplier vector tried)
    arrivals_price: FloatArray  # per unit, lambda >= 0 of the best bound
    departures_price: FloatArray  # per unit, mu >= 0 of the best bound
    # to resume the subgradient steps later (`flow_bound(resume=...)`): the network, the step
    # factor reached and the seconds the last flow took
    network: FlowNetwork | None = None
    theta: float = 1.0
    flow_seconds: float = 0.0
    next_prices: tuple[FloatArray, FloatArray] | None = None  # None: nothing left to improve


@dataclass(frozen=True, slots=True, eq=False)
class FlowNetwork:
    """The network of the module docstring, costs before any cap multiplier."""

    tail: IntArray
    head: IntArray
    capacity: IntArray
    cost: FloatArray
    into_unit: IntArray  # per arc: the unit a move along it arrives in, -1 if none
    out_of_unit: IntArray  # per arc: the unit a move along it leaves, -1 if none
    supplies: IntArray  # per node
    constant: float


@dataclass(frozen=True, slots=True, eq=False)
class ImbalanceSteps:
    """Each pair's imbalance as unit staff steps above the staff that cannot move."""

    pair: IntArray  # per finite step, sorted by pair
    cost: FloatArray  # imbalance(k + 1) - imbalance(k) of that step
    tail_cost: FloatArray  # per pair: the constant step cost beyond its last finite step
    constant: float  # everyone's cost when staying plus each pair's imbalance at its fixed staff


def imbalance_steps(ci: CompiledInstance) -> ImbalanceSteps:
    """Unit steps k -> k + 1 of every pair's imbalance from the staff that cannot move (the
    pair's staff minus its movable employees), up to a level beyond which the step cost is
    constant (over the tolerance: w_over x steep_factor).

    Shapes: about sum over pairs of (required + tolerance - fixed staff) steps; §3's imbalance
    is convex, so the steps' costs never decrease within a pair.
    """
    w = ci.instance.policy.weights
    leaving = np.bincount(ci.emp_pair[ci.movable], minlength=ci.n_pairs)
    fixed = ci.pair_base - leaving
    tol = np.maximum(1.0, w.tolerance_fraction * ci.pair_req)
    top = np.maximum(fixed, np.ceil(ci.pair_req + tol).astype(np.int64) + 1)
    steps = top - fixed
    pair_rep = np.repeat(np.arange(ci.n_pairs), steps)
    first = np.repeat(np.cumsum(steps) - steps, steps)
    level = fixed[pair_rep] + (np.arange(pair_rep.shape[0]) - first)
    step_cost = ci.pair_imbalance(pair_rep, level + 1) - ci.pair_imbalance(pair_rep, level)
    all_pairs = np.arange(ci.n_pairs)
    tail_cost = ci.pair_imbalance(all_pairs, top + 1) - ci.pair_imbalance(all_pairs, top)
    return ImbalanceSteps(
        pair=pair_rep.astype(np.int64),
        cost=np.asarray(step_cost, dtype=np.float64),
        tail_cost=np.asarray(tail_cost, dtype=np.float64),
        constant=float(ci.stay_cost.sum() + ci.pair_imbalance(all_pairs, fixed).sum()),
    )


def _popcount_and(a: np.ndarray, b: np.ndarray) -> IntArray:
    """|a & b| over the last axis of uint64 bit words, broadcasting."""
    return np.asarray(np.bitwise_count(a & b).sum(axis=-1), dtype=np.int64)


def _grid(ci: CompiledInstance, grid_km: float) -> tuple[IntArray, FloatArray, FloatArray]:
    """Each unit's grid cell (square cells of about grid_km), and each cell's mean position."""
    lat0 = float(np.mean(ci.unit_lat)) if len(ci.unit_ids) else 0.0
    d_lat = grid_km / 111.0
    d_lon = grid_km / (111.0 * max(0.1, math.cos(math.radians(lat0))))
    cell_keys = np.floor(ci.unit_lat / d_lat).astype(np.int64) * 1_000_003 + np.floor(
        ci.unit_lon / d_lon
    ).astype(np.int64)
    _, unit_cell = np.unique(cell_keys, return_inverse=True)
    unit_cell = unit_cell.reshape(-1).astype(np.int64)
    n_cells = int(unit_cell.max()) + 1 if unit_cell.shape[0] else 0
    per_cell = np.maximum(np.bincount(unit_cell, minlength=n_cells), 1)
    cell_lat = np.bincount(unit_cell, weights=ci.unit_lat, minlength=n_cells) / per_cell
    cell_lon = np.bincount(unit_cell, weights=ci.unit_lon, minlength=n_cells) / per_cell
    return unit_cell, cell_lat, cell_lon


def build_network(
    ci: CompiledInstance, grid_km: float = GRID_KM, max_hub_arcs: int = MAX_HUB_ARCS
) -> FlowNetwork:
    """The flow network of the module docstring (arrays, one entry per arc).

    Shapes: O(movable employees + aspirations + hubs x reachable units + staff levels) arcs;
    never one arc per (employee, unit).
    """
    policy = ci.instance.policy
    w = policy.weights
    n_emp = ci.n_employees
    movable = np.nonzero(ci.movable)[0]
    n_mov = movable.shape[0]
    node_of_emp = np.full(n_emp, -1, dtype=np.int64)
    node_of_emp[movable] = np.arange(n_mov)
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray, IntArray, IntArray]] = []

    def arcs(
        t: IntArray,
        h: IntArray,
        cap: int,
        cost: FloatArray,
        into: IntArray | int = -1,
        out: IntArray | int = -1,
    ) -> None:
        n = t.shape[0]
        parts.append(
            (
                np.asarray(t, dtype=np.int64),
                np.asarray(h, dtype=np.int64),
                np.full(n, cap, dtype=np.int64),
                np.asarray(cost, dtype=np.float64),
                np.broadcast_to(np.asarray(into, dtype=np.int64), (n,)).copy(),
                np.broadcast_to(np.asarray(out, dtype=np.int64), (n,)).copy(),
            )
        )

    # hubs: (grid cell of the home unit, family, skill set) of the employees who may move
    # beyond their aspirations; a hub sits at the mean position of its cell's units
    free = movable[~ci.only_wish[movable]] if not policy.voluntary_only else movable[:0]
    _, skill_set = np.unique(ci.emp_skill_bits[free], axis=0, return_inverse=True)
    units_of_family = ci.has_family.sum(axis=0)
    # the finest grid (doubling from grid_km) whose hubs x family units fit max_hub_arcs
    size = grid_km
    while True:
        unit_cell, cell_lat, cell_lon = _grid(ci, size)
        hub_rows = np.stack(
            [unit_cell[ci.emp_unit[free]], ci.emp_family[free], skill_set.reshape(-1)], axis=1
        )
        hub_rows_u, hub_of_free = np.unique(hub_rows, axis=0, return_inverse=True)
        if int(units_of_family[hub_rows_u[:, 1]].sum()) <= max_hub_arcs or cell_lat.shape[0] <= 1:
            break
        size *= 2.0
    hub_of_free = hub_of_free.reshape(-1)
    n_hubs = hub_rows_u.shape[0]
    hub_cell = hub_rows_u[:, 0]
    hub_family = hub_rows_u[:, 1]
    pair0 = n_mov + n_hubs
    sink = pair0 + ci.n_pairs

    # employee -> home pair (stay)
    arcs(np.arange(n_mov), pair0 + ci.emp_pair[movable], 1, np.zeros(n_mov))
    # employee -> aspiration destinations, exact cost
    asp = aspiration_columns(ci, move_rules(ci))
    if asp.size:
        arcs(
            node_of_emp[asp.emp],
            pair0 + asp.dest_pair,
            1,
            asp.cost,
            asp.unit,
            ci.emp_unit[asp.emp],
        )
    # employee -> hub
    r = haversine_km(
        ci.home_lat[free],
        ci.home_lon[free],
        cell_lat[unit_cell[ci.emp_unit[free]]],
        cell_lon[unit_cell[ci.emp_unit[free]]],
    )
    wd = float(w.distance_per_km)
    arcs(
        node_of_emp[free],
        n_mov + hub_of_free,
        1,
        move_constant(ci)[free] - abs(wd) * r,
        -1,
        ci.emp_unit[free],
    )
    hub_reach = np.zeros(n_hubs)
    np.maximum.at(hub_reach, hub_of_free, r)
    words = ci.emp_skill_bits.shape[1]
    hub_bits = np.zeros((n_hubs, words), dtype=np.uint64)
    hub_bits[hub_of_free] = ci.emp_skill_bits[free]  # one skill set per hub
    ws = max(float(w.skill), 0.0)
    # hub -> destination pairs
    for f in np.unique(hub_family).tolist():
        hubs = np.nonzero(hub_family == f)[0]
        units = np.nonzero(ci.has_family[:, f] & (ci.pair_of[:, f] >= 0))[0]
        for lo in range(0, hubs.shape[0], HUB_BLOCK):
            hb = hubs[lo : lo + HUB_BLOCK]
            hc = hub_cell[hb]
            d = haversine_km(
                cell_lat[hc][:, None],
                cell_lon[hc][:, None],
                ci.unit_lat[units][None, :],
                ci.unit_lon[units][None, :],
            )
            ok = d <= policy.max_home_distance_km + hub_reach[hb][:, None] + 1e-6
            i, j = np.nonzero(ok)
            if i.shape[0] == 0:
                continue
            match = _popcount_and(hub_bits[hb[i]], ci.unit_skill_bits[units[j]])
            arcs(
                n_mov + hb[i],
                pair0 + ci.pair_of[units[j], f],
                max(n_mov, 1),
                wd * d[i, j] - ws * match,
                units[j],
            )
    # pair -> sink: unit steps of the imbalance above the staff that cannot move
    steps = imbalance_steps(ci)
    arcs(pair0 + steps.pair, np.full(steps.pair.shape[0], sink), 1, steps.cost)
    all_pairs = np.arange(ci.n_pairs)
    arcs(pair0 + all_pairs, np.full(ci.n_pairs, sink), max(n_mov, 1), steps.tail_cost)

    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_mov] = 1
    supplies[sink] = -n_mov
    return FlowNetwork(
        tail=np.concatenate([p[0] for p in parts]),
        head=np.concatenate([p[1] for p in parts]),
        capacity=np.concatenate([p[2] for p in parts]),
        cost=np.concatenate([p[3] for p in parts]),
        into_unit=np.concatenate([p[4] for p in parts]),
        out_of_unit=np.concatenate([p[5] for p in parts]),
        supplies=supplies,
        constant=steps.constant,
    )


def _solve(net: FlowNetwork, cost: FloatArray) -> tuple[float, IntArray] | None:
    """Min-cost flow with the given arc costs (rounded down): its cost and the arc flows."""
    from ortools.graph.python import min_cost_flow

    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        net.tail, net.head, net.capacity, np.floor(cost * COST_SCALE).astype(np.int64)
    )
    smcf.set_nodes_supplies(np.arange(net.supplies.shape[0]), net.supplies)
    if smcf.solve() != smcf.OPTIMAL:
        return None
    return smcf.optimal_cost() / COST_SCALE, np.asarray(smcf.flows(arcs), dtype=np.int64)


def flow_bound(
    ci: CompiledInstance,
    deadline: float | None = None,
    upper: float | None = None,
    max_iterations: int = 30,
    start: tuple[FloatArray, FloatArray] | None = None,
    resume: FlowBound | None = None,
) -> FlowBound:
    """A lower bound on the §3 objective of every valid plan (module docstring).

    The arrival and departure caps (rules 5 and 6) are priced in Lagrangian fashion
    (Fisher, "The Lagrangian relaxation method for solving integer programming problems",
    Management Science 27, 1981): for any prices lambda_u, mu_u >= 0, adding lambda_u to every
    move into u and mu_u to every move out of u, and subtracting sum lambda_u cap_in(u) +
    mu_u cap_out(u), gives a lower bound (every valid plan respects the caps, so the added
    terms are <= 0 on it). Prices are improved by subgradient steps (Polyak's step towards
    `upper`, the objective of a known plan) until `deadline` (perf_counter seconds) or
    `max_iterations`; the best bound is kept. Bound -inf when no flow was solved. `start`:
    the arrival and departure prices to begin with (per unit, negatives taken as 0; e.g. the
    LP's cap duals), else zero. `resume`: an earlier answer to go on from (its network, its
    best prices and bound, its step factor); `start` is then ignored.
    """
    built_at = time.perf_counter()
    n_units = len(ci.unit_ids)
    theta = 1.0
    best: tuple[float, FloatArray, FloatArray]
    if resume is not None and resume.network is not None:
        net = resume.network
        last_seconds = resume.flow_seconds
        theta = resume.theta
        best = (resume.bound, resume.arrivals_price, resume.departures_price)
        if resume.next_prices is None:
            return replace(resume, iterations=0)
        lam, mu = resume.next_prices[0].copy(), resume.next_prices[1].copy()
    else:
        net = build_network(ci)
        # before the first flow is timed, assume it takes about as long as building the network
        last_seconds = time.perf_counter() - built_at
        lam = np.zeros(n_units) if start is None else np.maximum(0.0, start[0])
        mu = np.zeros(n_units) if start is None else np.maximum(0.0, start[1])
        best = (-math.inf, lam.copy(), mu.copy())
    cap_in = ci.arrivals_cap.astype(np.float64)
    cap_out = ci.departures_cap.astype(np.float64)
    has_in = net.into_unit >= 0
    has_out = net.out_of_unit >= 0
    iterations = 0
    going: bool = True
    while iterations < max_iterations:
        if deadline is not None and time.perf_counter() + last_seconds > deadline:
            break
        started = time.perf_counter()
        cost = net.cost.copy()
        cost[has_in] += lam[net.into_unit[has_in]]
        cost[has_out] += mu[net.out_of_unit[has_out]]
        out = _solve(net, cost)
        iterations += 1
        if out is None:
            going = False
            break
        flow_cost, flows = out
        value = net.constant + flow_cost - float(lam @ cap_in + mu @ cap_out)
        if value > best[0]:
            best = (value, lam.copy(), mu.copy())
        else:
            theta *= 0.5
        arrivals = np.bincount(net.into_unit[has_in], weights=flows[has_in], minlength=n_units)
        departures = np.bincount(
            net.out_of_unit[has_out], weights=flows[has_out], minlength=n_units
        )
        g_in = arrivals - cap_in
        g_out = departures - cap_out
        # only the directions that can move a price (a price at 0 cannot go lower)
        g_in = np.where((lam > 0) | (g_in > 0), g_in, 0.0)
        g_out = np.where((mu > 0) | (g_out > 0), g_out, 0.0)
        norm = float(g_in @ g_in + g_out @ g_out)
        last_seconds = time.perf_counter() - started
        if norm == 0.0:
            going = False
            break  # the flow keeps every cap with complementary slackness: optimal prices
        gap = (upper - value) if upper is not None else abs(value) * 0.05 + 1.0
        step = theta * max(gap, 1e-9) / norm
        lam = np.maximum(0.0, lam + step * g_in)
        mu = np.maximum(0.0, mu + step * g_out)
    return FlowBound(
        best[0],
        int(net.supplies.shape[0]),
        int(net.tail.shape[0]),
        iterations,
        best[1],
        best[2],
        network=net,
        theta=theta,
        flow_seconds=last_seconds,
        next_prices=(lam, mu) if going else None,
    )
