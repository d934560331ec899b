"""A plan as a committee reads it: every proposal with the numbers of its explanation, its state
and who decided it when, grouped by OPD. The words and the spreadsheet are the bot's
(`handlers/plan_workbook.py`); the figures come from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.domain import ApprovalDecision, Plan, TransferProposal, Unit
from core.domain.errors import NotFound
from core.domain.messages import WorkloadFlag
from core.domain.notices import TransferContent, transfer_content
from core.ports import UnitOfWork
from core.usecases.committee import DEFAULT_NAME, Committee, ProposalMinutes, minutes_for
from core.views.plan_summary import workload_flags_of


@dataclass(frozen=True, slots=True)
class DecisionEntry(ApprovalDecision):
    """One decision on a proposal (an approval stage, or the ruling on an objection), with the
    names the report shows: the stage's (`objection` for a ruling) and the approver's."""

    stage_name: str
    approver_name: str


@dataclass(frozen=True, slots=True)
class ProposalLine:
    """One proposal of the plan with everything a committee needs to read about it."""

    number: str  # nomor usulan, as on the SK draft: MUT-YYYYMMDD-00042
    proposal: TransferProposal
    content: TransferContent
    origin_opd: str
    destination_opd: str
    decisions: tuple[DecisionEntry, ...]
    #: The committee's votes on it (berita acara), when a committee stage voted on it.
    minutes: ProposalMinutes | None = None

    @property
    def opds(self) -> tuple[str, ...]:
        """The OPDs this proposal concerns: origin, and destination when it is another."""
        if self.destination_opd == self.origin_opd:
            return (self.origin_opd,)
        return (self.origin_opd, self.destination_opd)

    @property
    def last_decided_at(self) -> dt.datetime | None:
        """When the latest decision on it was taken, if any."""
        return max((d.decided_at for d in self.decisions), default=self.proposal.decided_at)


@dataclass(frozen=True, slots=True)
class PlanReport:
    """A stored plan and its proposals (those the reader may see), in proposal order."""

    plan: Plan
    lines: tuple[ProposalLine, ...]
    stage_names: tuple[str, ...]
    workload_flags: tuple[WorkloadFlag, ...]
    not_granted: int
    #: The committee stage's name, members as (NIP, name) and quorum; empty without one.
    committee_name: str = ""
    committee_members: tuple[tuple[str, str], ...] = ()
    committee_quorum: int = 0

    @property
    def minutes(self) -> list[tuple[ProposalLine, ProposalMinutes]]:
        """The proposals a committee voted on, with their minutes, in proposal order."""
        return [(line, line.minutes) for line in self.lines if line.minutes is not None]

    @property
    def opds(self) -> list[str]:
        """Every OPD a proposal concerns, sorted."""
        return sorted({opd for line in self.lines for opd in line.opds})

    def lines_for(self, opd: str) -> list[ProposalLine]:
        """The proposals leaving or entering OPD."""
        return [line for line in self.lines if opd in line.opds]


def proposal_number(plan: Plan | None, proposal_id: int) -> str:
    """The nomor usulan shared by the plan export and the SK draft: MUT-<plan date>-<id>."""
    day = plan.plan_date.strftime("%Y%m%d") if plan else "0"
    return f"MUT-{day}-{proposal_id:05d}"


async def plan_report(
    uow: UnitOfWork,
    plan_id: int,
    *,
    stage_names: Sequence[str],
    today: dt.date,
    visible: Callable[[Unit], bool] | None = None,
    committee: Committee | None = None,
) -> PlanReport:
    """Gather plan PLAN_ID for the export; raises NotFound when there is no such plan.

    VISIBLE limits the proposals to those whose origin or destination unit it accepts (an
    approver scoped to one OPD sees that OPD's proposals); None shows every proposal.
    STAGE_NAMES names the approval stages by index (the configured chain). COMMITTEE, the
    committee stage's members and quorum, names the team in the minutes; the votes are read
    whenever there are some (also after the setting was removed).
    """
    plan = await uow.plans.get(plan_id)
    if plan is None or plan.id is None:
        raise NotFound(plan=plan_id)
    units = {u.code: u for u in await uow.units.list()}
    names: dict[str, str] = {}
    lines: list[ProposalLine] = []
    for proposal in sorted(await uow.proposals.list_for_plan(plan.id), key=lambda p: p.id or 0):
        assert proposal.id is not None
        origin, destination = units.get(proposal.from_unit), units.get(proposal.to_unit)
        if visible is not None and not any(
            u is not None and visible(u) for u in (origin, destination)
        ):
            continue
        employee = await uow.employees.get(proposal.nip)
        decisions: list[DecisionEntry] = []
        minutes = await minutes_for(uow, proposal, names)
        for d in sorted(
            await uow.decisions.list_for(proposal.id), key=lambda d: (d.decided_at, d.stage)
        ):
            decisions.append(await _entry(uow, d, stage_names, names))
        lines.append(
            ProposalLine(
                number=proposal_number(plan, proposal.id),
                proposal=proposal,
                content=transfer_content(proposal, employee, units, today=today),
                origin_opd=origin.opd if origin else "",
                destination_opd=destination.opd if destination else "",
                decisions=tuple(decisions),
                minutes=minutes,
            )
        )
    members: list[tuple[str, str]] = []
    for nip in committee.members if committee else ():
        person = await uow.employees.get(nip)
        members.append((nip, person.name if person else nip))
    return PlanReport(
        plan=plan,
        lines=tuple(lines),
        stage_names=tuple(stage_names),
        workload_flags=workload_flags_of(plan.solution),
        not_granted=len(plan.solution.get("not_granted") or ()),
        committee_name=committee.name if committee else DEFAULT_NAME,
        committee_members=tuple(members),
        committee_quorum=committee.quorum if committee else 0,
    )


async def _entry(
    uow: UnitOfWork, d: ApprovalDecision, stage_names: Sequence[str], names: dict[str, str]
) -> DecisionEntry:
    if d.approver_nip not in names:
        person = await uow.employees.get(d.approver_nip)
        names[d.approver_nip] = person.name if person else d.approver_nip
    if d.is_objection_ruling:
        stage_name = "objection"
    elif stage_names:
        stage_name = stage_names[min(d.stage, len(stage_names) - 1)]
    else:
        stage_name = str(d.stage + 1)
    return DecisionEntry(
        d.proposal_id,
        d.stage,
        d.approver_nip,
        d.approved,
        d.reason,
        d.decided_at,
        stage_name=stage_name,
        approver_name=names[d.approver_nip],
    )
