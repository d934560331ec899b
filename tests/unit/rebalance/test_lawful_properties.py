"""Property: on random instances using every mutasi-instance/2 field, no plan breaks a rule.

The rules are checked here a third time, straight from docs/rules.md, on the plan the engine
returns — not through the engine's eligibility nor the validator's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.rebalance import check_plan, solve
from core.rebalance.generator import generate_instance
from core.rebalance.model import Employee, Instance

DAY = dt.date(2026, 12, 1)
TMT = dt.date(2027, 2, 1)
RATINGS = (None, "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")


@st.composite
def lawful_instances(draw: st.DrawFn) -> Instance:
    base = generate_instance(
        draw(st.integers(6, 50)), draw(st.integers(2, 6)), seed=draw(st.integers(0, 10_000))
    )
    units = list(base.units)
    people = list(base.employees)
    ids = [e.id for e in people]
    for i, u in enumerate(units):
        head = draw(st.one_of(st.none(), st.sampled_from(ids)))
        units[i] = replace(u, daerah_khusus=draw(st.booleans()), heads=(head,) if head else ())
    for i, e in enumerate(people):
        status = draw(st.sampled_from(("PNS", "PNS", "PPPK", "CPNS")))
        willing = draw(st.sampled_from((None, 1, 2, 3))) if e.aspirations else None
        people[i] = replace(
            e,
            status=status,
            jenis=draw(st.sampled_from(("guru", "kesehatan", "umum"))),
            tenure_months=draw(st.sampled_from((0.0, 20.0, 30.0, 47.0, 50.0, 70.0))),
            min_tenure_months=draw(st.sampled_from((None, None, 12.0, 36.0))),
            locked=e.locked or draw(st.booleans()),
            lock_until=draw(st.sampled_from((None, DAY, DAY + dt.timedelta(days=30)))),
            contract_end=(
                draw(st.sampled_from((None, TMT, TMT - dt.timedelta(days=1))))
                if status == "PPPK"
                else None
            ),
            skp=(draw(st.sampled_from(RATINGS)), draw(st.sampled_from(RATINGS))),
            willingness=willing,
            aspiration_reason=draw(st.sampled_from(("career", "family", None))),
        )
    policy = replace(
        base.policy,
        skp_gate=draw(st.booleans()),
        teacher_min_tenure_months=draw(st.sampled_from((48.0, 36.0))),
        weights=replace(base.policy.weights, very_willing=10.0, long_tenure=10.0),
    )
    return Instance(policy, tuple(units), tuple(people), DAY, TMT)


def minimum(e: Employee, inst: Instance) -> float:
    home = next(u for u in inst.units if u.id == e.unit)
    p = inst.policy
    if e.jenis == "guru" and not home.daerah_khusus:
        return (
            e.min_tenure_months if e.min_tenure_months is not None else p.teacher_min_tenure_months
        )
    return (
        e.min_tenure_months
        if e.min_tenure_months is not None and e.jenis != "guru"
        else p.min_tenure_months
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lawful_instances())
def test_no_plan_breaks_any_rule(inst: Instance) -> None:
    solution = solve(inst, time_limit=10)
    people = {e.id: e for e in inst.employees}
    units = {u.id: u for u in inst.units}
    heads = {h for u in inst.units for h in u.heads}
    for move in solution.moves:
        e = people[move.employee]
        assert e.status != "CPNS"
        assert e.tenure_months >= minimum(e, inst)
        assert not e.locked or (e.lock_until is not None and e.lock_until <= DAY)
        assert e.contract_end is None or e.contract_end >= TMT
        assert not inst.policy.skp_gate or all(r in (None, "Sangat Baik", "Baik") for r in e.skp)
        assert e.id not in heads
        assert e.spouse is None or e.spouse not in units[move.to_unit].heads
        assert e.willingness != 1 or move.to_unit in e.aspirations
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert check_plan(inst, plan).ok
    assert solution.objective <= solution.status_quo_objective + 1e-6
