"""The TypedDicts of the stored JSON documents (core.rebalance.documents,
core.domain.plan_document) name exactly the keys their writers write, and what is written reads
back as the same values after a trip through JSON text (as the database stores it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from core.domain import WorkloadReport
from core.domain.consistency import Finding, left_out_pairs
from core.domain.messages import LeftOutPair
from core.domain.notices import UnitBar
from core.domain.plan_document import (
    BarDocument,
    LeftOutDocument,
    PlanDocument,
    WorkloadFlagDocument,
)
from core.rebalance.documents import (
    AlternativeDocument,
    DistanceDocument,
    ExplanationDocument,
    MoveDocument,
    NotGrantedDocument,
    SideDocument,
    SolutionDocument,
)
from core.rebalance.model import Alternative, Move, NotGranted, Solution
from core.usecases.planning import plan_document, workload_flags_payload
from core.views.plan_summary import left_out_of, workload_flags_of
from tests.support.outbox_samples import explanation


def keys_of(document: Any) -> set[str]:
    """Every key the TypedDict DOCUMENT names, required or not."""
    return set(document.__required_keys__ | document.__optional_keys__)


def through_json(value: Mapping[str, object]) -> Any:
    """VALUE as the database gives it back: written as JSON text and read again."""
    return json.loads(json.dumps(value))


def solution() -> Solution:
    explained = dataclasses.replace(
        explanation(), alternative=Alternative("PKM-C", 42.25), long_tenure=True
    )
    return Solution(
        status="OPTIMAL",
        objective=8123.4,
        bound=8100.0,
        status_quo_objective=50079.0,
        moves=(Move("199001012015031001", "PKM-A", "PKM-B", explained),),
        not_granted=(NotGranted("198101012006041003", "PKM-B", "TENURE", None),),
        stats={"seconds": 0.4, "method": "lp-highs"},
    )


def test_the_solution_document_names_every_key_the_engine_writes() -> None:
    document = solution().to_dict()
    [move] = document.get("moves", [])
    [wish] = document.get("not_granted", [])
    written = move["explanation"]
    alternative = written.get("alternative")
    assert alternative is not None
    assert set(document) == keys_of(SolutionDocument)
    assert set(move) == keys_of(MoveDocument)
    assert set(written) == keys_of(ExplanationDocument)
    assert set(written["origin"]) == set(written["destination"]) == keys_of(SideDocument)
    assert set(written["distance_km"]) == keys_of(DistanceDocument)
    assert set(alternative) == keys_of(AlternativeDocument)
    assert set(wish) == keys_of(NotGrantedDocument)
    assert Solution.from_dict(through_json(document)) == solution()


def test_the_plan_document_adds_left_out_pairs_chart_bars_and_workload_flags() -> None:
    bar = UnitBar("PKM-A", "Puskesmas Wonosari I", "Perawat Terampil", 11.2, 14, 13)
    report = WorkloadReport(
        unit_code="PKM-A",
        jabatan="Perawat Terampil",
        month="2026-10",
        volumes={"Asuhan keperawatan": 900.0},
        reported_by="198001012005011001",
        reported_at=dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC),
        required_fte=11.2,
        previous_fte=8.0,
        large_change=True,
    )
    left_out = [Finding("no_abk", "Bidan Terampil", "PKM-B", staff=3)]
    document = plan_document(
        solution(),
        left_out,
        [bar],
        workload_flags_payload([report], {"PKM-A": "Puskesmas Wonosari I"}),
    )
    assert set(document) == keys_of(PlanDocument)
    [stored_bar] = document.get("chart", [])
    [flag] = document.get("workload_flags", [])
    assert set(stored_bar) == keys_of(BarDocument)
    assert set(flag) == keys_of(WorkloadFlagDocument)
    assert [set(pair) for pair in left_out_pairs(left_out)] == [keys_of(LeftOutDocument)]
    stored: PlanDocument = through_json(document)
    assert [UnitBar(**b) for b in stored.get("chart", [])] == [bar]
    assert left_out_of(stored) == (LeftOutPair(unit="PKM-B", jabatan="Bidan Terampil", staff=3),)
    [read] = workload_flags_of(stored)
    assert (read.unit, read.unit_name, read.jabatan, read.month) == (
        "PKM-A",
        "Puskesmas Wonosari I",
        "Perawat Terampil",
        "2026-10",
    )
    assert (read.previous_fte, read.required_fte) == (8.0, 11.2)
