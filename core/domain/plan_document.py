"""The plan as stored (`plans.solution`, `Plan.solution`): the engine's solution document
(core.rebalance.documents, docs/optimisation.md §4) plus what the planning use case adds for
the summary — the (unit, jabatan) pairs left out for lack of ABK, the chart's bars and the
confirmed large workload changes the plan rests on. Plans stored before a key existed lack it
(`NotRequired`); readers take an absent key as empty.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from core.rebalance.documents import SolutionDocument


class LeftOutDocument(TypedDict):
    """A (unit, jabatan) pair left out of the plan for want of an ABK, with its headcount."""

    unit: str | None
    jabatan: str
    staff: int


class BarDocument(TypedDict):
    """One bar group of the plan's chart, the JSON of core.domain.notices.UnitBar."""

    unit_code: str
    unit_name: str  # as the chart labels it
    family: str  # the jabatan, or "jabatan · mapel" for a teacher
    required: float  # FTE the ABK asks for
    before: int  # headcount now
    after: int  # headcount once the plan's moves take effect


class WorkloadFlagDocument(TypedDict):
    """A supervisor's workload report confirmed despite an FTE change over the threshold
    (core.usecases.workload), the JSON of core.domain.messages.WorkloadFlag."""

    unit: str  # unit code
    unit_name: str
    jabatan: str
    month: str  # YYYY-MM
    previous_fte: float | None  # the figure it was compared with (None: no earlier report)
    required_fte: float | None  # the month's FTE, annualised


class PlanDocument(SolutionDocument):
    """The engine's solution document with the planning use case's additions."""

    left_out: NotRequired[list[LeftOutDocument]]
    chart: NotRequired[list[BarDocument]]
    workload_flags: NotRequired[list[WorkloadFlagDocument]]
