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
No arc joins two families, so the min-cost flow is solved as one flow per family
(`family_parts`), whose optima add up to the whole network's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from core.rebalance.candidates import aspiration_columns, move_constant, move_rules
from core.rebalance.compiled import CompiledInstance, FloatArray, IntArray, haversine_km

COST_SCALE = 1000.0  # flow costs are floor(cost x COST_SCALE) in int64
HUB_BLOCK = 256  # hubs whose distances to a family's units are computed at once
GRID_KM = 10.0  # side of the grid cells hubs are keyed by (bigger: fewer arcs, weaker bound)
MAX_HUB_ARCS = 1_000_000  # the grid doubles until hubs x their family's units fit this
# the proximal bundle method (flow_bound)
SERIOUS_SHARE = 0.1  # a flow gaining this share of the predicted increase moves the centre
GOOD_SHARE = 0.5  # ... and this share lengthens the proximity
T_GROW = 2.0
T_SHRINK = 0.5  # after a null step
RECENT_FLOWS = 2  # unused cuts of older flows are dropped
MASTER_ITERATIONS = 100
MASTER_GAP = 1e-3  # the master stops within this share of its predicted increase


@dataclass(frozen=True, slots=True, eq=False)
class FlowBound:
    """The bound (objective points), the multipliers it was found with, and the network size."""

    bound: float
    nodes: int
    arcs: int
    iterations: int  # flows solved (one per multiplier vector tried)
    arrivals_price: FloatArray  # per unit, lambda >= 0 of the best bound
    departures_price: FloatArray  # per unit, mu >= 0 of the best bound
    # to resume the steps later (`flow_bound(resume=...)`): the network, the seconds the last
    # flow took and the dual method's state (None: nothing left to improve)
    network: FlowNetwork | None = None
    flow_seconds: float = 0.0
    state: DualState | None = None


@dataclass(frozen=True, slots=True, eq=False)
class DualState:
    """Where the bundle method stands (`flow_bound`): the prices of the next flow (arrivals
    then departures, per unit), the centre and its value (None before the first flow), the
    families' cuts and their weights in the last master, the proximity t and the increase
    over the centre the cuts predict at the next prices."""

    prices: FloatArray
    center: FloatArray | None = None
    center_value: float = -math.inf
    cuts: Cuts = field(default_factory=lambda: _no_cuts())
    alpha: FloatArray = field(default_factory=lambda: np.zeros(0))
    t: float = 1.0
    predicted: float = math.inf


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
    family: IntArray  # per arc: the family of the employees it carries (families never mix)
    n_families: int
    parts: tuple[FamilyPart, ...] = ()  # `family_parts`: the flow solved one family at a time


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
    node_family = np.concatenate([ci.emp_family[movable], hub_family, ci.pair_family, [-1]])
    tail = np.concatenate([p[0] for p in parts])
    net = FlowNetwork(
        tail=tail,
        head=np.concatenate([p[1] for p in parts]),
        capacity=np.concatenate([p[2] for p in parts]),
        cost=np.concatenate([p[3] for p in parts]),
        into_unit=np.concatenate([p[4] for p in parts]),
        out_of_unit=np.concatenate([p[5] for p in parts]),
        supplies=supplies,
        constant=steps.constant,
        family=np.asarray(node_family[tail], dtype=np.int64),
        n_families=int(ci.has_family.shape[1]),
    )
    return replace(net, parts=family_parts(net))


@dataclass(frozen=True, slots=True, eq=False)
class FamilyPart:
    """One family's part of a `FlowNetwork`: its arcs (indices into the network's), their
    tails and heads renumbered over the part's nodes, and those nodes' supplies (the sink's:
    minus the family's movable employees)."""

    arcs: IntArray
    tail: IntArray
    head: IntArray
    supplies: IntArray


def family_parts(net: FlowNetwork) -> tuple[FamilyPart, ...]:
    """The network cut into one flow problem per family. No arc joins two families (every
    arc's tail is an employee, a hub or a pair of one family, and its head one of the same
    family or the sink), so each family's employees reach the sink through that family's
    arcs only and the network's min-cost flow is the sum of the parts' (the sink split into
    one per family, each taking its family's supply). Empty if some node other than the sink
    lay in two families' parts (never, by construction): the network is then solved whole."""
    sink = net.supplies.shape[0] - 1
    order = np.argsort(net.family, kind="stable")
    bounds = np.searchsorted(net.family[order], np.arange(net.n_families + 1))
    parts: list[FamilyPart] = []
    seen = np.zeros(net.supplies.shape[0], dtype=np.int64)
    for f in range(net.n_families):
        arcs = order[bounds[f] : bounds[f + 1]]
        if arcs.shape[0] == 0:
            continue
        nodes = np.unique(np.concatenate([net.tail[arcs], net.head[arcs]]))
        seen[nodes] += 1
        supplies = net.supplies[nodes].copy()
        at_sink = nodes == sink
        supplies[at_sink] = 0
        supplies[at_sink] = -int(supplies.sum())
        parts.append(
            FamilyPart(
                arcs,
                np.searchsorted(nodes, net.tail[arcs]).astype(np.int64),
                np.searchsorted(nodes, net.head[arcs]).astype(np.int64),
                supplies.astype(np.int64),
            )
        )
    seen[sink] = 0
    if int(seen.max(initial=0)) > 1:
        return ()  # a node shared by two families: the network is solved whole
    return tuple(parts)


def _solve(
    net: FlowNetwork, cost: FloatArray, parts: tuple[FamilyPart, ...] | None = None
) -> tuple[float, IntArray] | None:
    """Min-cost flow with the given arc costs (rounded down): its cost and the arc flows.
    With `parts` (`family_parts(net)`), one flow per family (measured at XL: 0.46 s of CPU
    against 1.08 s for the whole network, the same optimum)."""
    from ortools.graph.python import min_cost_flow

    int_cost = np.floor(cost * COST_SCALE).astype(np.int64)
    pieces = (
        parts
        if parts
        else (FamilyPart(np.arange(net.tail.shape[0]), net.tail, net.head, net.supplies),)
    )
    flows = np.zeros(net.tail.shape[0], dtype=np.int64)
    total = 0
    for part in pieces:
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            part.tail, part.head, net.capacity[part.arcs], int_cost[part.arcs]
        )
        smcf.set_nodes_supplies(np.arange(part.supplies.shape[0]), part.supplies)
        if smcf.solve() != smcf.OPTIMAL:
            return None
        total += int(smcf.optimal_cost())
        flows[part.arcs] = np.asarray(smcf.flows(arcs), dtype=np.int64)
    return total / COST_SCALE, flows


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
    terms are <= 0 on it). Every price vector tried is nonnegative, so the value of every
    flow solved is such a bound; the best one is reported. Nothing else is: the cuts below
    only choose the prices to try.

    Prices are chosen by a disaggregated proximal bundle method (Kiwiel, "Proximity control
    in bundle methods for convex nondifferentiable minimization", Mathematical Programming
    46, 1990; one model per family as in Frangioni, "Generalized bundle methods", SIAM J.
    Optimization 13, 2002): the network never mixes families, so for fixed prices the flow is
    one independent flow per family, and each flow gives one cut per family (that family's
    cost at these prices plus its cap usage times the change of prices: an upper estimate of
    its cost at other prices). The next prices maximise the sum of the families' least cuts
    minus the priced caps minus a proximity term |p - centre|^2 / (2 t) (`_master`); the
    centre moves there when the flow's value gains at least `SERIOUS_SHARE` of what the cuts
    predicted (serious step, t doubled when it gains `GOOD_SHARE`), else the cuts are kept
    and t halved (null step). The first t makes the first step Polyak's towards `upper` (the
    objective of a known plan). Until `deadline` (perf_counter seconds) or `max_iterations`
    flows. Bound -inf when no flow was solved. `start`: the arrival and departure prices to
    begin with (per unit, negatives taken as 0; e.g. the LP's cap duals), else zero.
    `resume`: an earlier answer to go on from (its network, best prices and bound, and the
    method's state); `start` is then ignored, and resuming equals running the flows in one go.
    """
    built_at = time.perf_counter()
    n_units = len(ci.unit_ids)
    best: tuple[float, FloatArray, FloatArray]
    state: DualState
    if resume is not None and resume.network is not None:
        net = resume.network
        last_seconds = resume.flow_seconds
        best = (resume.bound, resume.arrivals_price, resume.departures_price)
        if resume.state is None:
            return replace(resume, iterations=0)
        state = resume.state
    else:
        net = build_network(ci)
        # before the first flow is timed, assume it takes about as long as building the network
        last_seconds = time.perf_counter() - built_at
        lam = np.zeros(n_units) if start is None else np.maximum(0.0, start[0])
        mu = np.zeros(n_units) if start is None else np.maximum(0.0, start[1])
        best = (-math.inf, lam.copy(), mu.copy())
        state = DualState(prices=np.concatenate([lam, mu]))
    cap = np.concatenate(
        [ci.arrivals_cap.astype(np.float64), ci.departures_cap.astype(np.float64)]
    )
    has_in = net.into_unit >= 0
    has_out = net.out_of_unit >= 0
    iterations = 0
    going: bool = True
    while iterations < max_iterations:
        if deadline is not None and time.perf_counter() + last_seconds > deadline:
            break
        started = time.perf_counter()
        prices = state.prices
        lam, mu = prices[:n_units], prices[n_units:]
        cost = net.cost.copy()
        cost[has_in] += lam[net.into_unit[has_in]]
        cost[has_out] += mu[net.out_of_unit[has_out]]
        out = _solve(net, cost, net.parts)
        iterations += 1
        if out is None:
            going = False
            break
        flow_cost, flows = out
        value = net.constant + flow_cost - float(prices @ cap)
        if value > best[0]:
            best = (value, lam.copy(), mu.copy())
        cut = _cut(net, cost, flows, prices, n_units)
        g = cut.usage_total(2 * n_units) - cap  # a supergradient of the Lagrangian function
        # only the directions that can move a price (a price at 0 cannot go lower)
        g_free = np.where((prices > 0) | (g > 0), g, 0.0)
        if float(g_free @ g_free) == 0.0:
            going = False  # the flow keeps every cap with complementary slackness: optimal
            break
        state = _bundle_step(state, net, cap, value, cut, g_free, upper)
        last_seconds = time.perf_counter() - started
        if state.predicted <= 0.0:
            going = False  # the cuts prove the centre optimal
            break
    return FlowBound(
        best[0],
        int(net.supplies.shape[0]),
        int(net.tail.shape[0]),
        iterations,
        best[1],
        best[2],
        network=net,
        flow_seconds=last_seconds,
        state=state if going else None,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Cuts:
    """Cuts of the families' flow costs as functions of the prices p (arrivals then
    departures, 2 x units): cut j says family[j]'s cost is at most const[j] + sum over its
    entries (row r, value v) of v p[r] (up to the rounding of costs to 1/COST_SCALE);
    entries as coordinates (cut, row, value). Cuts only choose prices, never a bound."""

    family: IntArray
    const: FloatArray
    entry_cut: IntArray
    entry_row: IntArray
    entry_value: FloatArray

    def usage_total(self, n: int) -> FloatArray:
        """The cap usage of all the cuts together (one flow's cuts: that flow's usage)."""
        return np.asarray(
            np.bincount(self.entry_row, weights=self.entry_value, minlength=n), dtype=np.float64
        )

    def at(self, p: FloatArray) -> FloatArray:
        """Each cut's value at prices p."""
        return self.const + np.bincount(
            self.entry_cut, weights=self.entry_value * p[self.entry_row], minlength=self.size
        )

    def combine(self, weights: FloatArray, n: int) -> FloatArray:
        """sum_j weights[j] x cut j's usage (a vector over the prices)."""
        return np.asarray(
            np.bincount(
                self.entry_row, weights=self.entry_value * weights[self.entry_cut], minlength=n
            ),
            dtype=np.float64,
        )

    @property
    def size(self) -> int:
        """Number of cuts."""
        return int(self.const.shape[0])

    def keep(self, mask: np.ndarray) -> Cuts:
        """The cuts where mask (bool, one per cut) is true, renumbered in order."""
        renumber = np.cumsum(mask) - 1
        on = mask[self.entry_cut]
        return Cuts(
            self.family[mask],
            self.const[mask],
            renumber[self.entry_cut[on]],
            self.entry_row[on],
            self.entry_value[on],
        )

    def append(self, other: Cuts) -> Cuts:
        """These cuts followed by other's."""
        return Cuts(
            np.concatenate([self.family, other.family]),
            np.concatenate([self.const, other.const]),
            np.concatenate([self.entry_cut, other.entry_cut + self.size]),
            np.concatenate([self.entry_row, other.entry_row]),
            np.concatenate([self.entry_value, other.entry_value]),
        )


def _no_cuts() -> Cuts:
    empty_int = np.zeros(0, dtype=np.int64)
    return Cuts(empty_int, np.zeros(0), empty_int, empty_int, np.zeros(0))


def _cut(
    net: FlowNetwork, cost: FloatArray, flows: IntArray, prices: FloatArray, n_units: int
) -> Cuts:
    """One cut per family from the flow at `prices` (arc costs `cost`, prices included):
    the family's cost there and its cap usage."""
    used = np.nonzero(flows)[0]
    fam = net.family[used]
    amount = flows[used].astype(np.float64)
    family_cost = (
        np.bincount(
            fam, weights=np.floor(cost[used] * COST_SCALE) * amount, minlength=net.n_families
        )
        / COST_SCALE
    )
    rows = np.concatenate([net.into_unit[used], n_units + net.out_of_unit[used]])
    ok = np.concatenate([net.into_unit[used] >= 0, net.out_of_unit[used] >= 0])
    keys = np.concatenate([fam, fam])[ok] * (2 * n_units) + rows[ok]
    uniq, where = np.unique(keys, return_inverse=True)
    cut_of_family = uniq // (2 * n_units)
    row = uniq % (2 * n_units)
    # the flow on the family's arcs into (out of) each unit: its usage of that unit's cap
    weights = np.concatenate([amount, amount])[ok]
    value = np.bincount(where.reshape(-1), weights=weights, minlength=uniq.shape[0])
    const = family_cost - np.bincount(
        cut_of_family, weights=value * prices[row], minlength=net.n_families
    )
    return Cuts(
        np.arange(net.n_families, dtype=np.int64),
        np.asarray(const, dtype=np.float64),
        cut_of_family.astype(np.int64),
        row.astype(np.int64),
        np.asarray(value, dtype=np.float64),
    )


def _bundle_step(
    state: DualState,
    net: FlowNetwork,
    cap: FloatArray,
    value: float,
    cut: Cuts,
    g_free: FloatArray,
    upper: float | None,
) -> DualState:
    """The bundle method's step after the flow at `state.prices` (its value and its cuts):
    serious or null step, proximity, the next prices (`flow_bound`)."""
    prices = state.prices
    cuts = state.cuts.append(cut)
    alpha = np.concatenate([state.alpha, np.zeros(cut.size)])
    t = state.t
    if state.center is None:
        # the first step as long as Polyak's towards upper
        gap = (upper - value) if upper is not None else abs(value) * 0.05 + 1.0
        t = max(gap, 1e-9) / float(g_free @ g_free)
        center, center_value = prices, value
        alpha = np.ones(cut.size)
    elif value >= state.center_value + SERIOUS_SHARE * state.predicted:
        if value >= state.center_value + GOOD_SHARE * state.predicted:
            t *= T_GROW
        center, center_value = prices, value
    else:
        t *= T_SHRINK
        center, center_value = state.center, state.center_value
    # the cuts the last master used and those of the last `RECENT_FLOWS` flows stay
    keep = alpha > 0
    keep[max(0, cuts.size - RECENT_FLOWS * cut.size) :] = True
    if not keep.all():
        cuts, alpha = cuts.keep(keep), alpha[keep]
    nxt, model, alpha = _master(cuts, alpha, center, t, cap, net.n_families)
    return DualState(
        prices=nxt,
        center=center,
        center_value=center_value,
        cuts=cuts,
        alpha=alpha,
        t=t,
        predicted=net.constant + model - center_value,
    )


def _master(
    cuts: Cuts,
    alpha0: FloatArray,
    center: FloatArray,
    t: float,
    cap: FloatArray,
    n_families: int,
) -> tuple[FloatArray, float, FloatArray]:
    """max over prices p >= 0 of M(p) - |p - center|^2 / (2 t), M(p) = sum over families of
    their least cut at p, minus cap . p: the prices, M there, and the cut weights.

    Solved through its dual over one simplex of cut weights a per family: min_a sum_j a_j
    const_j + max_p>=0 (U a - cap) . p - |p - center|^2 / (2 t) (U: the cuts' usages), whose
    inner maximum is p(a) = max(0, center + t (U a - cap)), by accelerated projected
    gradient (Beck and Teboulle, "A fast iterative shrinkage-thresholding algorithm", SIAM
    J. Imaging Sciences 2, 2009) from the last weights, until the duality gap is a small
    share of the predicted increase. Any p >= 0 is a valid point to try: only the step's
    quality depends on the accuracy.
    """
    n = center.shape[0]

    def p_of(a: FloatArray) -> FloatArray:
        return np.maximum(0.0, center + t * (cuts.combine(a, n) - cap))

    # the gradient's Lipschitz constant t ||U||^2 by power iteration (slightly raised)
    x = np.ones(cuts.size)
    for _ in range(30):
        y = cuts.combine(x, n)
        x_new = np.bincount(
            cuts.entry_cut, weights=cuts.entry_value * y[cuts.entry_row], minlength=cuts.size
        )
        norm = float(np.linalg.norm(x_new))
        if norm == 0.0:
            break
        x = x_new / norm
    lipschitz = max(t * 1.2 * float(np.linalg.norm(x_new)) if norm > 0 else 0.0, 1e-12)
    alpha = _project_blocks(alpha0, cuts.family)
    y, s = alpha.copy(), 1.0
    center_model = float(_least_cuts(cuts, center, n_families) - cap @ center)
    for it in range(MASTER_ITERATIONS):
        grad = cuts.at(p_of(y))
        a_new = _project_blocks(y - grad / lipschitz, cuts.family)
        s_new = (1.0 + math.sqrt(1.0 + 4.0 * s * s)) / 2.0
        y = a_new + ((s - 1.0) / s_new) * (a_new - alpha)
        alpha, s = a_new, s_new
        if it % 10 == 9:
            p = p_of(alpha)
            values = cuts.at(p)
            prox = float((p - center) @ (p - center)) / (2.0 * t)
            dual = float(alpha @ values) - float(cap @ p) - prox
            primal = _least_cuts(cuts, p, n_families) - float(cap @ p) - prox
            if dual - primal <= MASTER_GAP * max(primal - center_model, 1e-12):
                break
    p = p_of(alpha)
    return p, _least_cuts(cuts, p, n_families) - float(cap @ p), alpha


def _least_cuts(cuts: Cuts, p: FloatArray, n_families: int) -> float:
    """sum over families of their least cut at p (families without cuts: 0)."""
    least = np.full(n_families, np.inf)
    np.minimum.at(least, cuts.family, cuts.at(p))
    return float(least[np.isfinite(least)].sum())


def _project_blocks(v: FloatArray, block: IntArray) -> FloatArray:
    """The nearest point of the product of unit simplices, one per block (Held, Wolfe and
    Crowder 1974's sort-based projection, every block at once)."""
    if v.shape[0] == 0:
        return v.copy()
    order = np.lexsort((-v, block))
    u = v[order]
    b = block[order]
    starts = np.nonzero(np.r_[True, b[1:] != b[:-1]])[0]
    start_of = np.repeat(starts, np.diff(np.r_[starts, b.shape[0]]))
    cs = np.cumsum(u)
    before = np.r_[0.0, cs][start_of]
    within = cs - before - 1.0
    k = np.arange(b.shape[0]) - start_of + 1
    positive = u - within / k > 0
    count = np.bincount(start_of, weights=positive, minlength=b.shape[0])[starts].astype(np.int64)
    last = starts + np.maximum(count, 1) - 1
    theta = within[last] / (last - starts + 1)
    out = np.empty_like(v)
    out[order] = np.maximum(u - np.repeat(theta, np.diff(np.r_[starts, b.shape[0]])), 0.0)
    return out
