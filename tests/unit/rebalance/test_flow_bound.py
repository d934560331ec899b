"""The min-cost-flow bound (flow_bound.py): never above the LP optimum over every allowed move,
better than the trivial bound, and carried by the solve when moves are priced implicitly and
column generation stops short of its own bound."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns
from core.rebalance.compiled import CompiledInstance, compile_instance
from core.rebalance.flow_bound import (
    COST_SCALE,
    _cut,
    _project_blocks,
    _solve,
    build_network,
    flow_bound,
)
from core.rebalance.formulation import build_segments
from core.rebalance.generator import generate_instance
from core.rebalance.pipeline import trivial_bound
from core.rebalance.relaxation import solve_relaxation

TOL = 1e-6


def _full_lp(seed: int) -> tuple[CompiledInstance, float, float]:
    """A small generated instance, the LP over every allowed move (all listed and priced
    out) and the status quo's objective."""
    ci = compile_instance(generate_instance(900, 30, seed=seed))
    cols = build_columns(ci)  # every allowed move listed: the full LP is solvable here
    rel = solve_relaxation(ci, cols, build_segments(ci, cols), time.perf_counter() + 120)
    assert rel.priced_out
    return ci, rel.lp_objective, ci.objective(ci.emp_unit)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_flow_bound_is_never_above_the_lp_over_every_allowed_move(seed: int) -> None:
    ci, lp, status_quo = _full_lp(seed)
    cols = build_columns(ci)
    fb = flow_bound(ci, upper=status_quo, max_iterations=40)
    assert fb.bound <= lp + TOL * abs(lp)
    # the caps' prices do work: far above the bound with every person at their best move
    assert fb.bound > trivial_bound(ci, cols)
    assert (fb.arrivals_price >= 0).all() and (fb.departures_price >= 0).all()
    # fewer arcs than allowed moves: the network never lists them
    assert fb.arcs < cols.size + ci.n_employees + 10 * ci.n_pairs


def test_the_network_sends_every_movable_employee_and_cap_prices_only_raise_the_bound() -> None:
    inst = generate_instance(600, 20, seed=4)
    ci = compile_instance(inst)
    net = build_network(ci)
    # every movable employee is a source of one unit; the sink takes them all
    assert int(net.supplies.sum()) == 0
    assert int(net.supplies.max()) == 1
    assert int((net.supplies == 1).sum()) == int(ci.movable.sum())
    one = flow_bound(ci, max_iterations=1)  # zero prices: the caps are simply dropped
    more = flow_bound(ci, upper=ci.objective(ci.emp_unit), max_iterations=20)
    assert one.iterations == 1
    assert more.bound >= one.bound - TOL
    assert np.isfinite(one.bound)


def test_a_solve_with_implicit_pricing_carries_the_flow_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import core.rebalance.relaxation

    # one round of column generation: its bound is far from its LP, so the flow bound runs
    monkeypatch.setattr(core.rebalance.relaxation, "MAX_ROUNDS", 1)
    inst = generate_instance(900, 30, seed=1)
    solution = solve(inst, time_limit=20, full_enumeration_max=0)
    assert solution.stats["lp_rounds"] == 1 and solution.stats["lp_priced_out"] is False
    assert solution.stats["implicit_pricing"] is True
    flow = solution.stats["flow_bound"]
    assert isinstance(flow, float)
    assert solution.bound >= flow - TOL * max(1.0, abs(flow))
    assert solution.bound <= solution.objective + TOL * max(1.0, abs(solution.objective))
    result = check_plan(inst, {m.employee: m.to_unit for m in solution.moves})
    assert result.ok, result.violations
    assert isinstance(solution.stats["flow_bound_iterations"], int)
    assert solution.stats["flow_bound_iterations"] >= 1


def test_resumed_steps_keep_the_bound_proven_and_never_lose_it() -> None:
    ci, lp, status_quo = _full_lp(2)
    first = flow_bound(ci, upper=status_quo, max_iterations=3)
    assert first.network is not None and first.iterations == 3
    more = flow_bound(ci, upper=status_quo, max_iterations=20, resume=first)
    # the network is reused, the best bound so far is kept, and it stays below the LP
    assert more.network is first.network
    assert more.bound >= first.bound
    assert more.bound <= lp + TOL * abs(lp)
    # going on where it stopped: as good as the same number of steps in one go
    whole = flow_bound(ci, upper=status_quo, max_iterations=3 + more.iterations)
    assert more.bound == pytest.approx(whole.bound, rel=1e-9)


def test_the_bound_reported_is_the_lagrangian_value_at_the_prices_reported() -> None:
    # the proof: every reported bound is the Lagrangian function at nonnegative prices, so
    # one flow at those prices gives it back exactly (the cuts never enter the bound)
    ci = compile_instance(generate_instance(900, 30, seed=3))
    fb = flow_bound(ci, upper=ci.objective(ci.emp_unit), max_iterations=15)
    assert fb.iterations == 15
    assert (fb.arrivals_price >= 0).all() and (fb.departures_price >= 0).all()
    again = flow_bound(ci, start=(fb.arrivals_price, fb.departures_price), max_iterations=1)
    assert again.bound == pytest.approx(fb.bound, rel=1e-12)


def test_flow_by_flow_the_best_bound_never_falls_and_stays_below_the_full_lp() -> None:
    ci, lp, status_quo = _full_lp(0)
    fb = flow_bound(ci, upper=status_quo, max_iterations=1)
    bounds = [fb.bound]
    for _ in range(25):
        fb = flow_bound(ci, upper=status_quo, max_iterations=1, resume=fb)
        bounds.append(fb.bound)
        if fb.state is None:
            break
        # the next prices the bundle's master chose are nonnegative
        assert (fb.state.prices >= 0).all()
    assert all(b >= a for a, b in zip(bounds, bounds[1:], strict=False))
    assert bounds[-1] > bounds[0]  # the steps do raise it
    assert bounds[-1] <= lp + TOL * abs(lp)


def test_each_familys_cut_lies_above_its_flow_cost_at_other_prices() -> None:
    # the network never mixes families, so for fixed prices the flow is one flow per family
    # and each flow's cut for a family is an upper estimate of that family's cost elsewhere
    ci = compile_instance(generate_instance(600, 20, seed=4))
    n_units = len(ci.unit_ids)
    fb = flow_bound(ci, upper=ci.objective(ci.emp_unit), max_iterations=6)
    assert fb.network is not None and fb.state is not None
    net, cuts = fb.network, fb.state.cuts
    assert cuts.size > 0 and cuts.family.max() < net.n_families
    has_in, has_out = net.into_unit >= 0, net.out_of_unit >= 0
    # rounding the costs down may lower a family's cost by 1/COST_SCALE per unit of flow
    slack = 3.0 * int(ci.movable.sum()) / COST_SCALE
    rng = np.random.default_rng(0)
    for _ in range(3):
        p = rng.uniform(0.0, 30.0, 2 * n_units) * (rng.random(2 * n_units) < 0.5)
        cost = net.cost.copy()
        cost[has_in] += p[net.into_unit[has_in]]
        cost[has_out] += p[n_units + net.out_of_unit[has_out]]
        out = _solve(net, cost)
        assert out is not None
        here = _cut(net, cost, out[1], p, n_units)
        # the families' costs add up to the flow's cost
        assert float(here.at(p).sum()) == pytest.approx(out[0], abs=1e-6)
        least = np.full(net.n_families, np.inf)
        np.minimum.at(least, cuts.family, cuts.at(p))
        for f in range(net.n_families):
            if np.isfinite(least[f]):
                assert float(here.at(p)[f]) <= least[f] + slack


def test_the_masters_projection_is_the_nearest_point_of_each_simplex() -> None:
    rng = np.random.default_rng(1)
    block = rng.integers(0, 5, 40)
    v = rng.normal(0.0, 2.0, 40)
    x = _project_blocks(v, block)
    for b in np.unique(block):
        on = block == b
        assert x[on].sum() == pytest.approx(1.0) and (x[on] >= 0).all()
        # no other point of that simplex is nearer to v
        for _ in range(200):
            y = rng.dirichlet(np.ones(int(on.sum())))
            assert np.sum((x[on] - v[on]) ** 2) <= np.sum((y - v[on]) ** 2) + 1e-12


def test_the_flow_solved_one_family_at_a_time_is_the_whole_networks_optimum() -> None:
    ci = compile_instance(generate_instance(900, 30, seed=5))
    net = build_network(ci)
    assert len(net.parts) > 1  # several families
    # every arc in exactly one part
    assert np.array_equal(
        np.sort(np.concatenate([p.arcs for p in net.parts])), np.arange(net.tail.shape[0])
    )
    n_units = len(ci.unit_ids)
    rng = np.random.default_rng(2)
    for _ in range(3):
        p = rng.uniform(0.0, 30.0, 2 * n_units) * (rng.random(2 * n_units) < 0.5)
        cost = net.cost.copy()
        has_in, has_out = net.into_unit >= 0, net.out_of_unit >= 0
        cost[has_in] += p[net.into_unit[has_in]]
        cost[has_out] += p[n_units + net.out_of_unit[has_out]]
        whole = _solve(net, cost)  # one flow over the whole network
        split = _solve(net, cost, net.parts)
        assert whole is not None and split is not None
        assert split[0] == pytest.approx(whole[0], abs=1e-9)
        flows = split[1]
        # the split flow is a flow of the whole network: within capacity, balanced at every node
        assert (flows >= 0).all() and (flows <= net.capacity).all()
        balance = np.bincount(net.tail, weights=flows, minlength=net.supplies.shape[0])
        balance -= np.bincount(net.head, weights=flows, minlength=net.supplies.shape[0])
        assert np.array_equal(balance, net.supplies.astype(np.float64))
        assert float(np.floor(cost * COST_SCALE) @ flows) / COST_SCALE == pytest.approx(split[0])
