"""Stored plans for tests: a `Plan.solution` document (core.domain.plan_document) with the
engine's header and the moves, wishes not granted and summary parts a test needs."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.plan_document import BarDocument, PlanDocument
from core.rebalance.documents import MoveDocument, NotGrantedDocument
from core.rebalance.model import SOLUTION_FORMAT


def plan_document(
    moves: Sequence[MoveDocument] = (),
    not_granted: Sequence[NotGrantedDocument] = (),
    *,
    chart: Sequence[BarDocument] = (),
    objective: float = 10.0,
    bound: float = 10.0,
    status_quo_objective: float = 52.0,
) -> PlanDocument:
    """A `mutasi-solution/2` plan document with these MOVES, NOT_GRANTED and CHART bars."""
    return PlanDocument(
        format=SOLUTION_FORMAT,
        status="OPTIMAL",
        objective=objective,
        bound=bound,
        status_quo_objective=status_quo_objective,
        moves=list(moves),
        not_granted=list(not_granted),
        stats={},
        chart=list(chart),
    )
