"""The benchmark generator: seeded, the requested size, and valid instances."""

from __future__ import annotations

from core.rebalance.generator import generate_bench_instance, generate_instance
from core.rebalance.model import Instance


def test_same_seed_gives_the_same_instance_and_another_seed_does_not() -> None:
    assert generate_instance(200, 10, seed=7) == generate_instance(200, 10, seed=7)
    assert generate_instance(200, 10, seed=7) != generate_instance(200, 10, seed=8)


def test_size_s_has_500_employees_in_20_units_and_is_a_valid_instance() -> None:
    inst = generate_bench_instance("S", seed=0)
    assert (len(inst.employees), len(inst.units)) == (500, 20)
    assert Instance.from_json(inst.to_json()) == inst  # from_json checks every rule
    wishing = sum(1 for e in inst.employees if e.aspirations)
    couples = sum(1 for e in inst.employees if e.spouse)
    assert 0.3 < wishing / 500 < 0.5
    assert 0 < couples <= 20 and couples % 2 == 0
