"""`mutasi-instance/1` and `mutasi-solution/1`: round trips, defaults, and every malformation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from core.rebalance import Instance, InstanceError, Solution, solve
from core.rebalance.generator import generate_instance
from core.rebalance.model import Policy


def document() -> dict[str, Any]:
    return {
        "format": "mutasi-instance/1",
        "units": [
            {"id": "A", "name": "A", "lat": -7.9, "lon": 110.6, "demand": {"f": 1.0}},
            {"id": "B", "name": "B", "lat": -7.8, "lon": 110.6, "demand": {"f": 3.0}},
        ],
        "employees": [
            {
                "id": "e1",
                "unit": "A",
                "family": "f",
                "home_lat": -7.9,
                "home_lon": 110.6,
                "tenure_months": 30,
                "months_to_retirement": 100,
                "aspirations": ["B"],
                "spouse": "e2",
            },
            {
                "id": "e2",
                "unit": "A",
                "family": "f",
                "home_lat": -7.9,
                "home_lon": 110.6,
                "tenure_months": 30,
                "months_to_retirement": 100,
                "spouse": "e1",
            },
        ],
    }


def test_instance_survives_a_json_round_trip() -> None:
    inst = generate_instance(60, 5, seed=3)
    assert Instance.from_json(inst.to_json()) == inst


def test_missing_policy_keys_take_the_documented_defaults() -> None:
    inst = Instance.from_dict(document())
    assert inst.policy == Policy()
    partial = document()
    partial["policy"] = {"min_tenure_months": 12, "weights": {"move": 5}}
    inst = Instance.from_dict(partial)
    assert inst.policy.min_tenure_months == 12
    assert inst.policy.weights.move == 5
    assert inst.policy.weights.under == 150
    assert inst.policy.arrivals_fraction == 0.12


def test_solution_survives_a_json_round_trip() -> None:
    solution = solve(generate_instance(80, 6, seed=4), time_limit=10)
    again = Solution.from_json(solution.to_json())
    assert again == solution
    assert json.loads(again.to_json())["format"] == "mutasi-solution/2"


def broken(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document())
    target: Any = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    target[int(last) if last.isdigit() else last] = value
    return doc


MALFORMED = [
    (broken("format", "mutasi-instance/3"), "format"),
    (broken("employees.0.unit", "NOPE"), "unknown unit 'NOPE'"),
    (broken("units.1.id", "A"), "duplicate unit id"),
    (broken("employees.1.id", "e1"), "duplicate employee id"),
    (broken("units.0.lat", 91.0), "outside -90..90"),
    (broken("units.0.lon", -181.0), "outside -180..180"),
    (broken("employees.0.home_lat", -100.0), "outside -90..90"),
    (broken("units.0.demand", {"f": -1.0}), "negative demand"),
    (broken("employees.0.aspirations", ["A"]), "own unit"),
    (broken("employees.0.aspirations", ["ZZZ"]), "unknown unit 'ZZZ'"),
    (broken("employees.0.aspirations", ["B", "B", "B", "B"]), "at most 3"),
    (broken("employees.0.spouse", "e1"), "own spouse"),
    (broken("employees.0.spouse", "ghost"), "unknown employee 'ghost'"),
    (broken("employees.1.spouse", None), "not reciprocal"),
    (broken("units.0.lat", "north"), "expected a finite number"),
]


@pytest.mark.parametrize(("doc", "expected"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_instance_is_refused_with_a_precise_problem(
    doc: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InstanceError) as caught:
        Instance.from_dict(doc)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_invalid_json_is_an_instance_error() -> None:
    with pytest.raises(InstanceError):
        Instance.from_json("{not json")
