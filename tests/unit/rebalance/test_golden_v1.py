"""A `mutasi-instance/1` file solves to exactly the plan and objective it did before /2.

`golden_v1.json` was recorded with the engine as it stood before mutasi-instance/2 (commit
797d36b), over the benchmark generator's S and M instances, seeds 0-2: objective, status quo,
status, and SHA-256 digests of the sorted moves and of the sorted not-granted reasons.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.rebalance import Instance, InstanceError, solve
from core.rebalance.generator import generate_bench_instance

GOLDEN = json.loads((Path(__file__).parent / "golden_v1.json").read_text(encoding="utf-8"))

V2_ONLY = {
    "": ("date", "tmt"),
    "policy": ("teacher_min_tenure_months", "max_tenure_months", "skp_gate"),
    "weights": ("very_willing", "long_tenure"),
    "unit": ("daerah_khusus", "heads"),
    "employee": (
        "status", "jenis", "min_tenure_months", "lock_until", "contract_end", "skp",
        "willingness", "aspiration_reason",
    ),
}  # fmt: skip


def v1_document(instance: Instance) -> str:
    """The instance as a mutasi-instance/1 file: the /1 keys only, as files of that time."""
    doc: dict[str, Any] = json.loads(instance.to_json())  # raw JSON, edited down to /1
    doc["format"] = "mutasi-instance/1"
    for key in V2_ONLY[""]:
        del doc[key]
    for key in V2_ONLY["policy"]:
        del doc["policy"][key]
    for key in V2_ONLY["weights"]:
        del doc["policy"]["weights"][key]
    for unit in doc["units"]:
        for key in V2_ONLY["unit"]:
            del unit[key]
    for employee in doc["employees"]:
        for key in V2_ONLY["employee"]:
            del employee[key]
    return json.dumps(doc)


def digest(rows: Sequence[tuple[str, ...]]) -> str:
    return hashlib.sha256(json.dumps(sorted(rows)).encode()).hexdigest()


@pytest.mark.parametrize("golden", GOLDEN, ids=[f"{g['size']}-{g['seed']}" for g in GOLDEN])
def test_a_v1_file_solves_to_the_recorded_plan_and_objective(golden: dict[str, Any]) -> None:
    text = v1_document(generate_bench_instance(golden["size"], golden["seed"]))
    assert '"very_willing"' not in text and '"mutasi-instance/1"' in text
    solution = solve(Instance.from_json(text), time_limit=60)
    assert solution.status == golden["status"]
    assert solution.objective == pytest.approx(golden["objective"], rel=1e-9, abs=1e-9)
    assert solution.status_quo_objective == pytest.approx(
        golden["status_quo_objective"], rel=1e-9, abs=1e-9
    )
    moves = [(m.employee, m.from_unit, m.to_unit) for m in solution.moves]
    assert len(moves) == golden["moves"]
    assert digest(moves) == golden["moves_sha256"]
    reasons = [(n.employee, n.aspiration, n.reason) for n in solution.not_granted]
    assert digest(reasons) == golden["not_granted_sha256"]


def test_a_v1_file_with_a_v2_key_is_refused_not_half_read() -> None:
    doc = json.loads(v1_document(generate_bench_instance("S", 0)))
    doc["policy"]["skp_gate"] = False
    with pytest.raises(InstanceError, match="unknown keys"):
        Instance.from_dict(doc)
