"""Moves generated and priced without listing them all (pricing.py, the implicit path of the
pipeline): the same cheapest moves as listing every allowed move, a bound proven over all of
them, and always a plan, even when the time limit is tiny."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.rebalance import check_plan, solve
from core.rebalance.candidates import build_columns, move_constant, move_rules
from core.rebalance.compiled import compile_instance
from core.rebalance.generator import generate_bench_instance, generate_instance
from core.rebalance.model import Instance
from core.rebalance.pricing import build_index, price_moves

TOL = 1e-6


def brute_force_prices(
    inst: Instance, pair_key: np.ndarray, unit_key: np.ndarray, const: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed non-aspiration move listed, priced by the same formula."""
    ci = compile_instance(inst)
    cols = build_columns(ci)
    w = inst.policy.weights
    price = (
        const[cols.emp]
        + pair_key[cols.dest_pair]
        + unit_key[cols.unit]
        - w.skill * ci.skill_match(cols.emp, cols.unit)
        + w.distance_per_km * ci.home_distance(cols.emp, cols.unit)
    )
    keep = cols.aspiration_rank < 0
    return cols.emp[keep], cols.unit[keep], price[keep]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pricing_returns_the_k_cheapest_allowed_moves_of_every_employee(seed: int) -> None:
    inst = generate_instance(900, 30, seed=seed)
    ci = compile_instance(inst)
    rng = np.random.default_rng(seed)
    pair_key = rng.choice([-450.0, -150.0, 0.0, 100.0, 300.0], ci.n_pairs)
    pair_key += rng.normal(0, 5, ci.n_pairs)
    unit_key = np.where(
        rng.random(len(ci.unit_ids)) < 0.2, rng.uniform(0, 40, len(ci.unit_ids)), 0
    )
    const = move_constant(ci) + rng.normal(0, 80, ci.n_employees)
    threshold = rng.choice([0.0, 15.0], ci.n_employees)
    k = 3
    got = price_moves(ci, build_index(ci, move_rules(ci)), pair_key, unit_key, const, threshold, k)
    emp, unit, price = brute_force_prices(inst, pair_key, unit_key, const)
    below = price < threshold[emp]
    for e in range(ci.n_employees):
        want = np.sort(price[below & (emp == e)])[:k]
        mine = got.emp == e
        assert np.allclose(np.sort(got.price[mine]), want), e
        if want.shape[0]:
            assert got.min_price[e] == pytest.approx(want[0])
        else:
            assert got.min_price[e] == np.inf
    # what is returned is an allowed move at its true price
    allowed = {(int(a), int(b)): float(p) for a, b, p in zip(emp, unit, price, strict=True)}
    for a, b, p in zip(got.emp, got.unit, got.price, strict=True):
        assert allowed[(int(a), int(b))] == pytest.approx(float(p))


@st.composite
def small_instances(draw: st.DrawFn) -> Instance:
    base = generate_instance(
        draw(st.integers(20, 160)), draw(st.integers(3, 9)), seed=draw(st.integers(0, 10_000))
    )
    picky = draw(st.integers(0, 4))
    employees = tuple(
        replace(e, willingness=1) if picky and i % (picky + 3) == 0 else e
        for i, e in enumerate(base.employees)
    )
    policy = replace(
        base.policy,
        min_moves_cap=draw(st.integers(0, 3)),
        max_total_moves=draw(st.one_of(st.none(), st.integers(0, 12))),
        voluntary_only=draw(st.booleans()),
        max_home_distance_km=draw(st.sampled_from([5.0, 30.0, 120.0])),
        spouse_max_distance_km=draw(st.sampled_from([0.0, 10.0, 40.0])),
    )
    return replace(base, employees=employees, policy=policy)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_implicit_pricing_keeps_plans_lawful_and_the_bound_proven_over_every_move(
    inst: Instance,
) -> None:
    listed = solve(inst, time_limit=20)
    implicit = solve(inst, time_limit=20, full_enumeration_max=0)
    assert implicit.stats["implicit_pricing"] is True
    assert listed.stats["implicit_pricing"] is False
    result = check_plan(inst, {m.employee: m.to_unit for m in implicit.moves})
    assert result.ok, result.violations
    assert result.objective == pytest.approx(implicit.objective, rel=TOL, abs=TOL)
    # each bound holds for every plan over all allowed moves, the other path's plan included
    assert implicit.bound <= listed.objective + TOL * max(1.0, abs(listed.objective))
    assert listed.bound <= implicit.objective + TOL * max(1.0, abs(implicit.objective))
    assert implicit.bound <= implicit.objective + TOL
    if listed.status == "OPTIMAL" and implicit.status == "OPTIMAL":
        assert implicit.objective == pytest.approx(listed.objective, rel=TOL, abs=TOL)


def test_implicit_pricing_proves_the_same_optimum_on_a_generated_instance() -> None:
    inst = generate_bench_instance("S", 1)
    listed = solve(inst, time_limit=60)
    implicit = solve(inst, time_limit=60, full_enumeration_max=0)
    assert implicit.stats["lp_priced_out"] is True
    assert implicit.bound == pytest.approx(listed.bound, rel=1e-6)
    assert implicit.objective <= listed.objective + 1e-6 * abs(listed.objective)


def test_a_tiny_time_limit_on_a_large_instance_still_gives_a_valid_plan() -> None:
    inst = generate_bench_instance("L", 0)  # 20,000 employees, 400 units: moves are priced
    solution = solve(inst, time_limit=1.0)
    assert solution.stats["implicit_pricing"] is True
    assert len(solution.moves) > 0
    result = check_plan(inst, {m.employee: m.to_unit for m in solution.moves})
    assert result.ok, result.violations
    assert result.objective == pytest.approx(solution.objective, rel=TOL)
    assert solution.objective < solution.status_quo_objective
    assert solution.bound <= solution.objective + TOL * abs(solution.objective)


def test_the_phases_of_a_solve_are_timed() -> None:
    solution = solve(generate_bench_instance("S", 0), time_limit=10)
    phases = solution.stats["phase_seconds"]
    assert set(phases) == {"candidates", "lp", "integer_plan", "validation", "explanations"}
    assert all(isinstance(v, float) and v >= 0.0 for v in phases.values())
    assert sum(phases.values()) <= solution.stats["seconds"] + 0.01
    assert solution.stats["peak_rss_mib"] > 0


@pytest.mark.parametrize("seed", [0, 2])
def test_alternatives_from_priced_moves_are_those_of_every_allowed_move(seed: int) -> None:
    from core.rebalance.candidates import aspiration_columns, columns_from_pairs
    from core.rebalance.explain import explain_moves
    from core.rebalance.pipeline import add_new, alternative_columns

    inst = generate_bench_instance("S", seed)
    ci = compile_instance(inst)
    solution = solve(inst, time_limit=20)
    plan = ci.emp_unit.copy()
    index_of = {e.id: i for i, e in enumerate(inst.employees)}
    for m in solution.moves:
        plan[index_of[m.employee]] = ci.unit_ids.index(m.to_unit)
    every = explain_moves(ci, build_columns(ci), plan)
    moved = np.nonzero(plan != ci.emp_unit)[0]
    pool = add_new(
        ci,
        aspiration_columns(ci, move_rules(ci)),
        columns_from_pairs(ci, moved, plan[moved], ci.home_distance(moved, plan[moved])),
    )
    pool = add_new(ci, pool, alternative_columns(ci, build_index(ci, move_rules(ci)), plan))
    priced = explain_moves(ci, pool, plan)
    assert len(every) == len(priced) > 0
    assert [m.explanation.alternative for m in priced] == [
        m.explanation.alternative for m in every
    ]
    assert any(m.explanation.alternative is not None for m in every)


@pytest.mark.parametrize("seed", [0, 3])
def test_the_master_lp_grown_in_batches_is_the_lp_of_its_columns(seed: int) -> None:
    from core.rebalance.candidates import merge_columns
    from core.rebalance.formulation import build_formulation, build_segments
    from core.rebalance.master import MasterLP
    from core.rebalance.pipeline import _subset
    from core.rebalance.relaxation import solve_formulation_lp

    base = generate_instance(400, 12, seed=seed)
    # many couples, so that spouse rows span batches
    employees = [replace(e, spouse=None) for e in base.employees]
    for i in range(0, 120, 2):
        a, b = employees[i], employees[i + 1]
        employees[i] = replace(a, spouse=b.id)
        employees[i + 1] = replace(b, spouse=a.id)
    for e in employees:
        if e.spouse is not None:
            partner = next(p for p in employees if p.id == e.spouse)
            assert partner.spouse == e.id
    # rule 8 binds: a couple may never end farther apart than their units are now
    inst = replace(
        base, employees=tuple(employees), policy=replace(base.policy, spouse_max_distance_km=0.0)
    )
    ci = compile_instance(inst)
    every = build_columns(ci)
    segs = build_segments(ci, None)
    want = solve_formulation_lp(
        build_formulation(ci, every, segs, np.ones(every.size, dtype=bool)), 60
    )
    rng = np.random.default_rng(seed)
    batch = rng.integers(0, 5, every.size)
    master = MasterLP(ci, segs)
    pool = _subset(ci, every, batch == 0)
    master.add_columns(pool, pool)
    for step in (1, 2, 3, 4):
        new = _subset(ci, every, batch == step)
        pool = merge_columns(ci, pool, new)
        master.add_columns(pool, new)
        got = master.solve(60)
    assert got.status == "OPTIMAL" and want.status == "OPTIMAL"
    assert got.objective == pytest.approx(want.objective, rel=1e-9, abs=1e-6)
