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
    """One bar group of the plan's chart (core.domain.notices.UnitBar): a (unit, family)'s FTE
    need and its headcount before and after the plan."""

    unit_code: str
    unit_name: str
    family: str
    required: float
    before: int
    after: int


class WorkloadFlagDocument(TypedDict):
    """A supervisor's workload report whose FTE changed by more than the threshold and was
    confirmed (core.usecases.workload): unit, jabatan, month `YYYY-MM`, FTE before and now."""

    unit: str
    unit_name: str
    jabatan: str
    month: str
    previous_fte: float | None
    required_fte: float | None


class PlanDocument(SolutionDocument):
    """The engine's solution document with the planning use case's additions."""

    left_out: NotRequired[list[LeftOutDocument]]
    chart: NotRequired[list[BarDocument]]
    workload_flags: NotRequired[list[WorkloadFlagDocument]]
