"""Every rule of mutasi-instance/2 (docs/rules.md) in the engine and in the validator: a case
where it binds (the plan does not make the move; the validator refuses a plan that does) and
one where it does not (the same move happens). Removing a rule from either fails a test here."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from core.domain.eligibility import RuleSettings
from core.rebalance import check_plan, solve
from core.rebalance.compiled import rule_settings
from core.rebalance.model import Instance, Policy, Solution
from tests.unit.rebalance.builders import instance, person, unit

DAY = dt.date(2026, 12, 1)
TMT = dt.date(2027, 2, 1)


def solved(inst: Instance) -> Solution:
    solution = solve(inst, time_limit=10)
    plan = {m.employee: m.to_unit for m in solution.moves}
    assert check_plan(inst, plan).ok
    return solution


def one_mover(units: dict[str, Any] | None = None, **fields: Any) -> Instance:
    """x sits in A (3 people for 1 FTE) and asks for B (1 person for 3 FTE), 10 km away; the
    others in A are locked, so x is the only one who can fix it."""
    a = unit("A", 0, {"f": 1.0})
    b = unit("B", 10, {"f": 3.0})
    for uid, changes in (units or {}).items():
        if uid == "A":
            a = replace(a, **changes)
        else:
            b = replace(b, **changes)
    people = [
        person("x", "A", 0, aspirations=("B",), **fields),
        person("a1", "A", 0, locked=True),
        person("a2", "A", 0, locked=True),
        person("b0", "B", 10, locked=True),
    ]
    return replace(instance([a, b], people), date=DAY, tmt=TMT)


def moves_x(inst: Instance) -> bool:
    return any(m.employee == "x" for m in solved(inst).moves)


def refused(inst: Instance, word: str) -> bool:
    """The validator refuses the plan that moves x to B, naming the rule."""
    check = check_plan(inst, {"x": "B"})
    return not check.ok and any(word in v for v in check.violations)


def reason(inst: Instance) -> str:
    (entry,) = [n for n in solved(inst).not_granted if n.employee == "x"]
    return entry.reason


def test_the_scenario_moves_x_when_no_rule_binds() -> None:
    inst = one_mover()
    assert moves_x(inst)
    assert check_plan(inst, {"x": "B"}).ok


CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str, str]] = [
    # (rule, x's fields where it binds, where it does not, unit changes, reason, validator word)
    ("cpns", {"status": "CPNS"}, {"status": "PPPK"}, {}, "CPNS", "CPNS"),
    (
        "teacher 48 months",
        {"jenis": "guru", "tenure_months": 30},
        {"jenis": "guru", "tenure_months": 48},
        {},
        "TEACHER_TENURE",
        "teacher tenure",
    ),
    (
        "catalogue minimum",
        {"min_tenure_months": 40, "tenure_months": 30},
        {"min_tenure_months": 30, "tenure_months": 30},
        {},
        "TENURE",
        "tenure 30",
    ),
    (
        "dated lock",
        {"locked": True, "lock_until": DAY + dt.timedelta(days=1)},
        {"locked": True, "lock_until": DAY},
        {},
        "LOCKED",
        "locked",
    ),
    (
        "contract end",
        {"status": "PPPK", "contract_end": TMT - dt.timedelta(days=1)},
        {"status": "PPPK", "contract_end": TMT},
        {},
        "CONTRACT_END",
        "contract",
    ),
    ("skp", {"skp": ("Baik", "Kurang")}, {"skp": ("Sangat Baik", None)}, {}, "SKP", "SKP"),
]


@pytest.mark.parametrize(("rule", "binds", "free", "units", "code", "word"), CASES)
def test_a_person_rule_keeps_x_in_place_and_names_itself(
    rule: str,
    binds: dict[str, Any],
    free: dict[str, Any],
    units: dict[str, Any],
    code: str,
    word: str,
) -> None:
    held = one_mover(units, **binds)
    assert not moves_x(held), rule
    assert reason(held) == code
    assert refused(held, word), rule
    loose = one_mover(units, **free)
    assert moves_x(loose), rule
    assert check_plan(loose, {"x": "B"}).ok


def test_a_teacher_in_a_daerah_khusus_school_needs_only_the_general_minimum() -> None:
    special = one_mover({"A": {"daerah_khusus": True}}, jenis="guru", tenure_months=30)
    assert moves_x(special)
    assert check_plan(special, {"x": "B"}).ok
    plain = one_mover({"B": {"daerah_khusus": True}}, jenis="guru", tenure_months=30)
    assert not moves_x(plain)  # the exception is about the school the teacher is at


def test_the_skp_gate_is_a_setting() -> None:
    held = one_mover(skp=("Kurang", "Kurang"))
    open_gate = replace(held, policy=replace(held.policy, skp_gate=False))
    assert moves_x(open_gate)
    assert check_plan(open_gate, {"x": "B"}).ok


def test_a_head_is_never_moved_as_staff() -> None:
    held = one_mover({"A": {"heads": ("x",)}})
    assert not moves_x(held)
    assert reason(held) == "HEAD"
    assert refused(held, "head of a unit")
    assert moves_x(one_mover({"A": {"heads": ("a1",)}}))


def test_never_into_a_unit_the_spouse_heads() -> None:
    def couple(head_of_b: str) -> Instance:
        base = one_mover({"B": {"heads": (head_of_b,)}}, spouse="b0")
        people = tuple(replace(e, spouse="x") if e.id == "b0" else e for e in base.employees)
        return replace(base, employees=people)

    held = couple("b0")
    assert not moves_x(held)
    assert reason(held) == "SPOUSE_HEAD"
    assert refused(held, "spouse heads")
    assert moves_x(couple("nobody"))


def test_only_my_choices_keeps_x_out_of_an_unlisted_unit() -> None:
    """x listed C (no need there); B needs people. Willingness 1: never B."""

    def listed_c(willingness: int | None) -> Instance:
        base = one_mover(willingness=willingness)
        c = unit("C", 5, {"f": 1.0})
        people = tuple(
            replace(e, aspirations=("C",)) if e.id == "x" else e for e in base.employees
        ) + (person("c0", "C", 5, locked=True),)
        return replace(base, units=(*base.units, c), employees=people)

    held = listed_c(1)
    assert {m.to_unit for m in solved(held).moves if m.employee == "x"} <= {"C"}
    assert refused(held, "only their choices")
    assert {m.to_unit for m in solved(listed_c(2)).moves if m.employee == "x"} == {"B"}


def rivals(**x_fields: Any) -> Instance:
    """B has room for one more; x and y (1 km nearer home: 0.1 cheaper) both could go."""
    people = [
        person("x", "A", 0, **x_fields),
        person("y", "A", 1),
        person("a1", "A", 0, locked=True),
        person("b0", "B", 10, locked=True),
    ]
    inst = instance(
        [unit("A", 0, {"f": 2.0}), unit("B", 10, {"f": 2.0})],
        people,
        weights={"very_willing": 10.0, "long_tenure": 10.0},
    )
    return replace(inst, date=DAY, tmt=TMT)


def mover(inst: Instance) -> str:
    (move,) = solved(inst).moves
    return move.employee


def test_very_willing_lowers_the_move_cost_by_its_weight() -> None:
    assert mover(rivals()) == "y"
    eager = rivals(willingness=3)
    assert mover(eager) == "x"
    plan_x, plan_y = check_plan(eager, {"x": "B"}), check_plan(eager, {"y": "B"})
    assert plan_y.objective - plan_x.objective == pytest.approx(10.0 - 0.2, abs=1e-6)


def test_long_tenure_lowers_the_move_cost_and_the_card_knows_why() -> None:
    assert mover(rivals(tenure_months=60)) == "y"  # 60 is not over the maximum
    long = rivals(tenure_months=61)
    solution = solved(long)
    (move,) = solution.moves
    assert move.employee == "x"
    assert move.explanation.long_tenure is True
    plan_x, plan_y = check_plan(long, {"x": "B"}), check_plan(long, {"y": "B"})
    assert plan_y.objective - plan_x.objective == pytest.approx(10.0 - 0.2, abs=1e-6)


def test_the_aspiration_reason_travels_to_the_explanation() -> None:
    inst = one_mover(aspiration_reason="family", willingness=2)
    (move,) = solved(inst).moves
    assert move.explanation.aspiration_reason == "family"
    assert solved(one_mover()).moves[0].explanation.aspiration_reason is None


def test_v2_round_trip_keeps_every_new_field() -> None:
    inst = one_mover(
        {"A": {"heads": ("a1",), "daerah_khusus": True}},
        status="PPPK", jenis="guru", min_tenure_months=30, locked=True, lock_until=DAY,
        contract_end=TMT, skp=("Baik", None), willingness=3, aspiration_reason="career",
    )  # fmt: skip
    assert Instance.from_json(inst.to_json()) == inst


def test_a_contract_end_without_a_tmt_is_refused() -> None:
    from core.rebalance import InstanceError

    doc = one_mover(status="PPPK", contract_end=TMT).to_dict()
    doc["tmt"] = None
    with pytest.raises(InstanceError, match="no tmt"):
        Instance.from_dict(doc)


def test_the_policy_hands_every_rule_setting_to_the_rules() -> None:
    """Every RuleSettings field is read from the policy field of its name, and a default policy
    gives the rules' own defaults (the two classes spell the defaults each)."""
    assert rule_settings(Policy()) == RuleSettings()
    custom = Policy(
        min_tenure_months=7,
        teacher_min_tenure_months=9,
        retirement_guard_months=3,
        max_tenure_months=30,
        skp_gate=False,
    )
    assert rule_settings(custom) == RuleSettings(
        min_tenure_months=7,
        teacher_min_tenure_months=9,
        retirement_guard_months=3,
        max_tenure_months=30,
        skp_gate=False,
    )
