"""/rencana as views: the latest plan as an approver or an admin reads it (its summary, how many
proposals stand in each state, how its transfers were rated), and the plan workbook of the
button under it.

Authorisation: only an approver or an admin may read a plan this way; anyone else is refused
with `NotAllowed`. The workbook of an admin, or of an approver whose grants cover everything,
holds every proposal; an approver scoped to OPDs or units gets only the proposals leaving or
entering a unit of their scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import Role, Unit
from core.domain.access import Caller
from core.domain.errors import NotAllowed
from core.domain.messages import PlanSummary
from core.ports import UnitOfWork
from core.usecases.approval.chain import ApprovalRules
from core.usecases.committee import awaiting_votes
from core.usecases.evaluations import PlanEvaluationSummary, plan_evaluations
from core.views.plan_report import PlanReport, plan_report
from core.views.plan_summary import plan_summary
from core.views.proposals import awaiting

#: Who may read a plan as a whole (/rencana and its workbook).
PLAN_READERS = frozenset({Role.APPROVER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class PlanOverview:
    """The latest plan for one reader: its SUMMARY (with the moves waiting for the reader's
    decision or vote), STATES as (proposal state, count) sorted by state, and the means of
    its EVALUATIONS."""

    summary: PlanSummary
    states: tuple[tuple[str, int], ...]
    evaluations: PlanEvaluationSummary


def require_plan_reader(caller: Caller) -> None:
    """Raise NotAllowed unless CALLER approves or administers (the readers of a whole plan)."""
    if not PLAN_READERS & caller.roles:
        raise NotAllowed()


async def plan_overview(
    uow: UnitOfWork, caller: Caller, rules: ApprovalRules, today: dt.date
) -> PlanOverview | None:
    """The latest plan as CALLER reads it on TODAY (an agency date: a delegation running that
    day counts, /wakil), or None when no plan was made yet. The summary counts the proposals
    by state from their light lines (no explanation is decoded) and, of them, those the
    caller may decide now and, for a member of the committee, those waiting for their vote.
    Raises NotAllowed for a caller who neither approves nor administers."""
    require_plan_reader(caller)
    plan = await uow.plans.latest()
    if plan is None or plan.id is None:
        return None
    proposals = await uow.proposals.lines_for_plan(plan.id, None)
    deciding = {p.id for p in await awaiting(uow, caller.nip, rules, today)}
    voting = {p.id for p in await awaiting_votes(uow, rules, caller.nip)}
    states: dict[str, int] = {}
    for proposal in proposals:
        states[proposal.state.value] = states.get(proposal.state.value, 0) + 1
    votes = sum(1 for p in proposals if p.id in voting)
    summary = plan_summary(
        plan,
        moves=len(proposals),
        your_cards=sum(1 for p in proposals if p.id in deciding) + votes,
        your_votes=votes,
    )
    return PlanOverview(
        summary, tuple(sorted(states.items())), await plan_evaluations(uow, plan.id)
    )


async def plan_workbook_view(
    uow: UnitOfWork, caller: Caller, plan_id: int, rules: ApprovalRules, today: dt.date
) -> PlanReport:
    """Plan PLAN_ID as CALLER may export it (core.views.plan_report): every proposal for an
    admin, else those leaving or entering a unit CALLER approves for. Raises NotAllowed for a
    caller who neither approves nor administers, NotFound when there is no such plan."""
    require_plan_reader(caller)

    def in_scope(unit: Unit) -> bool:
        return caller.may_act_on_unit(Role.APPROVER, unit)

    return await plan_report(
        uow,
        plan_id,
        stage_names=tuple(stage.name for stage in rules.stages),
        today=today,
        visible=None if caller.has_role(Role.ADMIN) else in_scope,
        committee=rules.committee,
    )
