"""A plan's summary for approvers (outbox kind `plan_summary`, /rencana and `mutasi chart`), read
from the stored plan in one place."""

from __future__ import annotations

from collections.abc import Iterable

from core.domain import Plan
from core.domain.consistency import Finding
from core.domain.messages import LeftOutPair, PlanSummary, WorkloadFlag
from core.domain.notices import UnitBar
from core.domain.plan_document import PlanDocument, WorkloadFlagDocument


def plan_summary(
    plan: Plan, *, moves: int, your_cards: int | None, your_votes: int = 0
) -> PlanSummary:
    """The summary of PLAN with MOVES proposals, YOUR_CARDS of which wait for the reader now
    (None: not said, e.g. outside a chat), YOUR_VOTES of those for their vote as a member of
    the committee rather than their decision. Reads the stored solution's `chart`, `not_granted`,
    `left_out` and `workload_flags`."""
    assert plan.id is not None
    solution = plan.solution
    return PlanSummary(
        plan_id=plan.id,
        plan_date=plan.plan_date,
        moves=moves,
        your_cards=your_cards,
        your_votes=your_votes,
        objective=plan.objective,
        status_quo_objective=plan.status_quo_objective,
        bound=plan.bound,
        not_granted=len({n.get("employee") for n in solution.get("not_granted") or ()}),
        left_out=left_out_of(solution),
        bars=tuple(UnitBar(**b) for b in solution.get("chart") or ()),
        workload_flags=workload_flags_of(solution),
    )


def left_out_of(solution: PlanDocument) -> tuple[LeftOutPair, ...]:
    """The (unit, jabatan) pairs a plan's SOLUTION left out for lack of ABK (`left_out`)."""
    return tuple(
        LeftOutPair(
            unit=str(pair.get("unit") or ""),
            jabatan=str(pair.get("jabatan") or ""),
            staff=int(pair.get("staff") or 0),
        )
        for pair in solution.get("left_out") or ()
    )


def left_out_pairs_of(findings: Iterable[Finding]) -> tuple[LeftOutPair, ...]:
    """The (unit, jabatan) pairs FINDINGS leave out of a plan for lack of ABK."""
    return tuple(
        LeftOutPair(unit=f.unit_code or "", jabatan=f.jabatan, staff=f.staff)
        for f in findings
        if f.kind == "no_abk"
    )


def workload_flags_of(solution: PlanDocument) -> tuple[WorkloadFlag, ...]:
    """The confirmed large workload changes a plan's SOLUTION rests on (`workload_flags`)."""
    return tuple(_flag(flag) for flag in solution.get("workload_flags") or ())


def _flag(flag: WorkloadFlagDocument) -> WorkloadFlag:
    previous, required = flag.get("previous_fte"), flag.get("required_fte")
    return WorkloadFlag(
        unit=str(flag.get("unit") or ""),
        unit_name=str(flag.get("unit_name") or flag.get("unit") or ""),
        jabatan=str(flag.get("jabatan") or ""),
        month=str(flag["month"]),
        previous_fte=None if previous is None else float(previous),
        required_fte=None if required is None else float(required),
    )
