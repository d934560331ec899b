"""Flow 4: the one path from data to a stored plan (nightly job, /jalankan, /simulasi, CLI).

snapshot (one read transaction) -> instance -> solve in a worker thread -> validated Solution
-> plan + proposals + outbox rows in one write transaction. `dry_run` stores and sends nothing.
One real plan per agency per local date is enforced by the database (`Conflict` on insert).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from core.domain import (
    Activity,
    Aspiration,
    AuditEvent,
    Employee,
    Plan,
    ProposalState,
    Role,
    ScopeKind,
    TransferProposal,
    Unit,
    WorkloadReport,
)
from core.domain.abk import (
    DEFAULT_AVERAGE_MONTHS,
    accepted_activities,
    canonical_jabatan,
    engine_families,
    staffing_by_family,
)
from core.domain.consistency import Finding, check_consistency, left_out_pairs
from core.domain.eligibility import JabatanInfo, catalogue_by_key
from core.domain.errors import Conflict
from core.domain.messages import PlanReport
from core.domain.notices import UnitBar, bars_to_payload, unit_bars
from core.domain.plan_document import PlanDocument, WorkloadFlagDocument
from core.domain.sip import needs_sip
from core.ports import Clock, UnitOfWorkFactory
from core.rebalance.model import Move, Solution
from core.usecases.approval.chain import ApprovalRules
from core.usecases.digest import Recipients, enqueue_stage_messages, recipients_at
from core.usecases.outbox import chats_with_role, enqueue
from core.views.plan_summary import plan_summary

#: Proposal states during which a person is "in transfer" and not moved again.
BUSY_STATES = (
    ProposalState.PENDING,
    ProposalState.APPROVED,
    ProposalState.ACCEPTED,
    ProposalState.OBJECTED,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the optimiser needs, read in one transaction."""

    taken_at: dt.datetime
    as_of: dt.date
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]
    activities: tuple[Activity, ...]
    aspirations: tuple[Aspiration, ...]
    busy_nips: frozenset[str]
    #: Accepted monthly reports in use that a supervisor confirmed despite a large FTE change.
    workload_flags: tuple[WorkloadReport, ...] = ()
    #: The jabatan catalogue (`jabatan.csv`; core.domain.eligibility defaults for the rest).
    catalogue: tuple[JabatanInfo, ...] = ()
    #: unit code -> NIPs of its supervisors (the heads where units.csv names no `kepala_nip`).
    unit_heads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlanningRules:
    """Settings the planning path needs beyond the approval rules."""

    approval: ApprovalRules
    time_limit_seconds: float = 60.0
    wke_minutes: float = 75_000.0
    workload_months: int = DEFAULT_AVERAGE_MONTHS


#: Turns a snapshot into the engine's validated solution within a time limit (seconds). Runs in
#: a worker thread.
SolveSnapshot = Callable[[Snapshot, float], Solution]


@dataclass(frozen=True, slots=True)
class DeliveredTo:
    """What one approver chat was sent about a new plan."""

    name: str
    moves: int
    digest: bool


@dataclass(frozen=True, slots=True)
class PlanDelivery:
    """Who the plan's cards and digests went to, and which moves reach no approver."""

    approvers: tuple[DeliveredTo, ...]
    unreached: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """What one run of the planning path produced."""

    plan: Plan | None
    #: The engine's solution; its moves without people already in a transfer.
    solution: Solution
    proposals: tuple[TransferProposal, ...]
    created: bool
    dry_run: bool
    bars: tuple[UnitBar, ...] = ()
    busy: int = 0
    unit_names: dict[str, str] = field(default_factory=dict)
    employee_names: dict[str, str] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    movers: dict[str, Employee] = field(default_factory=dict)
    delivery: PlanDelivery | None = None
    #: Wall seconds of the nightly step's phases, in order: snapshot, solve, store, queue
    #: (the engine's own phases are in the solution's `stats["phase_seconds"]`).
    phase_seconds: Mapping[str, float] = field(default_factory=dict)
    #: The (unit, jabatan) pairs left out for lack of ABK (consistency findings `no_abk`).
    left_out: tuple[Finding, ...] = ()
    #: The accepted reports in use whose large FTE change a supervisor confirmed.
    workload_flags: tuple[WorkloadReport, ...] = ()

    @property
    def moves(self) -> tuple[Move, ...]:
        """The plan's moves with their explanations (docs/optimisation.md, explanations)."""
        return self.solution.moves


async def take_snapshot(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    zone: dt.tzinfo,
    workload_months: int = DEFAULT_AVERAGE_MONTHS,
) -> Snapshot:
    """Read units, employees, ABK activities (with the accepted volumes: the mean of the latest
    WORKLOAD_MONTHS monthly reports), live aspirations and who is already in transfer."""
    now = clock.now()
    async with uow_factory() as uow:
        busy: set[str] = set()
        for state in BUSY_STATES:
            busy.update(p.nip for p in await uow.proposals.list_by_state(state.value))
        reports = await uow.workload_reports.accepted_recent(workload_months)
        heads: dict[str, list[str]] = {}
        for grant in await uow.roles.list_by_role(Role.SUPERVISOR.value):
            if grant.scope_kind == ScopeKind.UNIT and grant.scope_value:
                heads.setdefault(grant.scope_value, []).append(grant.nip)
        return Snapshot(
            taken_at=now,
            as_of=now.astimezone(zone).date(),
            units=tuple(await uow.units.list()),
            employees=tuple(await uow.employees.list()),
            activities=tuple(
                accepted_activities(await uow.activities.list(), reports, workload_months)
            ),
            aspirations=tuple(await uow.aspirations.list_active(now)),
            busy_nips=frozenset(busy),
            workload_flags=tuple(r for r in reports if r.large_change),
            catalogue=tuple(await uow.jabatan.list()),
            unit_heads={code: tuple(sorted(nips)) for code, nips in heads.items()},
        )


def consistent_snapshot(snapshot: Snapshot) -> tuple[Snapshot, tuple[Finding, ...]]:
    """SNAPSHOT with every jabatan written in the spelling it is counted under
    (core.domain.abk.canonical_jabatan: names that differ only by case, punctuation, spaces or
    abbreviation are one jabatan), so proposals and notices name it as the ABK does, and the
    consistency findings of the data as stored."""
    findings = check_consistency(snapshot.employees, snapshot.activities)
    canonical = canonical_jabatan(snapshot.employees, snapshot.activities)
    employees = tuple(replace(e, jabatan=canonical(e.jabatan)) for e in snapshot.employees)
    activities = tuple(replace(a, jabatan=canonical(a.jabatan)) for a in snapshot.activities)
    if employees == snapshot.employees and activities == snapshot.activities:
        return snapshot, findings
    return replace(snapshot, employees=employees, activities=activities), findings


def workload_flags_payload(
    reports: Sequence[WorkloadReport], unit_names: dict[str, str]
) -> list[WorkloadFlagDocument]:
    """The confirmed large workload changes a plan rests on, JSON-ready, for the summary."""
    return [
        {
            "unit": r.unit_code,
            "unit_name": unit_names.get(r.unit_code, r.unit_code),
            "jabatan": r.jabatan,
            "month": r.month,
            "previous_fte": r.previous_fte,
            "required_fte": r.required_fte,
        }
        for r in sorted(reports, key=lambda r: (r.unit_code, r.jabatan, r.month))
    ]


class Laps:
    """Wall seconds per named phase (time.perf_counter; measurement only, not the Clock)."""

    def __init__(self) -> None:
        self._mark = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Charge the time since the previous lap to NAME."""
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._mark
        self._mark = now


async def propose_plan(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: PlanningRules,
    solve_snapshot: SolveSnapshot,
    *,
    dry_run: bool = False,
    actor: str = "system",
) -> PlanOutcome:
    """Snapshot, solve off the event loop, and (unless dry_run) store the plan and its messages."""
    laps = Laps()
    zone = rules.approval.working_time.zone
    now = clock.now()
    plan_date = now.astimezone(zone).date()
    if not dry_run:
        async with uow_factory() as uow:
            existing = await uow.plans.get_for_date(plan_date)
            if existing is not None:
                return await _existing(uow_factory, existing)
    snapshot, findings = await asyncio.to_thread(
        consistent_snapshot, await take_snapshot(uow_factory, clock, zone, rules.workload_months)
    )
    laps.lap("snapshot")
    solution = await asyncio.to_thread(solve_snapshot, snapshot, rules.time_limit_seconds)
    laps.lap("solve")
    # Staff whose (unit, jabatan) has no ABK keep need = staff in post (nobody moves in or out):
    # the plan says which pairs it left out, so no headcount silently leaves anyone out.
    left_out = tuple(f for f in findings if f.kind == "no_abk")
    # The chart's numbers are the engine's: the same ABK aggregation and families
    # (core.domain.abk).
    table = staffing_by_family(
        snapshot.employees,
        snapshot.activities,
        rules.wke_minutes,
        engine_families(snapshot.catalogue),
    )
    units = {u.code: u for u in snapshot.units}
    solution = replace(
        solution,
        moves=tuple(m for m in solution.moves if m.employee not in snapshot.busy_nips),
    )
    bars = tuple(unit_bars(solution.moves, table, units))
    names = {u.code: u.name for u in snapshot.units}
    moving = {m.employee for m in solution.moves}
    movers = {e.nip: e for e in snapshot.employees if e.nip in moving}
    people = {nip: e.name for nip, e in movers.items()}
    outcome = PlanOutcome(
        None,
        solution,
        (),
        False,
        dry_run,
        bars,
        len(snapshot.busy_nips),
        names,
        people,
        units,
        movers,
        phase_seconds=laps.seconds,
        left_out=left_out,
        workload_flags=snapshot.workload_flags,
    )
    if dry_run:
        return outcome
    document = plan_document(
        solution, left_out, bars, workload_flags_payload(snapshot.workload_flags, names)
    )
    try:
        stored, proposals, delivery = await _store(
            uow_factory, now, plan_date, solution, document, rules.approval, actor, snapshot, laps
        )
    except Conflict:
        # Another process or firing stored tonight's plan first: that one is the plan.
        async with uow_factory() as uow:
            existing = await uow.plans.get_for_date(plan_date)
        assert existing is not None
        return await _existing(uow_factory, existing)
    return replace(outcome, plan=stored, proposals=proposals, created=True, delivery=delivery)


async def _existing(uow_factory: UnitOfWorkFactory, plan: Plan) -> PlanOutcome:
    assert plan.id is not None
    async with uow_factory() as uow:
        proposals = tuple(await uow.proposals.list_for_plan(plan.id))
        units = {u.code: u for u in await uow.units.list()}
        movers = {p.nip: e for p in proposals if (e := await uow.employees.get(p.nip))}
    names = {code: unit.name for code, unit in units.items()}
    people = {nip: e.name for nip, e in movers.items()}
    document = plan.solution
    return PlanOutcome(
        plan,
        Solution.from_dict(document),
        proposals,
        False,
        False,
        tuple(UnitBar(**b) for b in document.get("chart", [])),
        0,
        names,
        people,
        units,
        movers,
        left_out=tuple(
            Finding("no_abk", str(p["jabatan"]), str(p["unit"]), int(p["staff"]))
            for p in document.get("left_out", [])
        ),
    )


def plan_document(
    solution: Solution,
    left_out: Sequence[Finding],
    bars: Sequence[UnitBar],
    workload_flags: list[WorkloadFlagDocument],
) -> PlanDocument:
    """The plan as stored (`plans.solution`): the engine's `mutasi-solution/2` document plus the
    pairs left out for lack of ABK, the chart's bars and the confirmed large workload changes."""
    return {
        **solution.to_dict(),
        "left_out": left_out_pairs(left_out),
        "chart": bars_to_payload(list(bars)),
        "workload_flags": workload_flags,
    }


async def _store(
    uow_factory: UnitOfWorkFactory,
    now: dt.datetime,
    plan_date: dt.date,
    solution: Solution,
    document: PlanDocument,
    rules: ApprovalRules,
    actor: str,
    snapshot: Snapshot,
    laps: Laps,
) -> tuple[Plan, tuple[TransferProposal, ...], PlanDelivery]:
    moves = solution.moves
    opening = rules.working_time.next_open(now)
    async with uow_factory() as uow:
        plan = await uow.plans.add(
            Plan(
                id=None,
                plan_date=plan_date,
                created_at=now,
                status="awaiting_approval" if moves else "no_moves",
                objective=solution.objective,
                status_quo_objective=solution.status_quo_objective,
                bound=solution.bound,
                solution=document,
                dry_run=False,
            )
        )
        assert plan.id is not None
        catalogue = catalogue_by_key(snapshot.catalogue)
        jabatan = {e.nip: e.jabatan for e in snapshot.employees}
        proposals = list(
            await uow.proposals.add_many(
                [
                    TransferProposal(
                        id=None,
                        plan_id=plan.id,
                        nip=move.employee,
                        from_unit=move.from_unit,
                        to_unit=move.to_unit,
                        explanation=move.explanation,
                        butuh_sip=(
                            needs_sip(jabatan[move.employee], catalogue)
                            if move.employee in jabatan
                            else False
                        ),
                    )
                    for move in moves
                ]
            )
        )
        laps.lap("store")
        # Each approver chat: the summary first (queued first, and a second earlier), then a
        # card per move when it has few, else one digest (core.usecases.digest).
        today = rules.working_time.local(now).date()
        deciders = await recipients_at(uow, proposals, {}, rules, today)
        for chat_id, theirs in deciders.by_chat.items():
            await enqueue(
                uow,
                chat_id,
                plan_summary(
                    plan,
                    moves=len(moves),
                    your_cards=len(theirs),
                    your_votes=sum(1 for p in theirs if rules.stage_at(p.stage).committee),
                ),
                now=now,
                dedupe_key=f"summary:{plan.id}:{chat_id}",
                not_before=opening - dt.timedelta(seconds=1),
            )
        reached = await enqueue_stage_messages(uow, proposals, rules, now, not_before=opening)
        delivery = await _delivery(uow, reached, rules)
        if actor == "system" and moves:
            for _nip, chat_id, _language in await chats_with_role(uow, Role.ADMIN):
                await enqueue(
                    uow,
                    chat_id,
                    PlanReport(
                        plan_id=plan.id,
                        moves=len(moves),
                        approvers=tuple((a.name, a.moves, a.digest) for a in delivery.approvers),
                        unreached=delivery.unreached,
                    ),
                    now=now,
                    dedupe_key=f"plan-report:{plan.id}:{chat_id}",
                    not_before=opening,
                )
        await uow.audit.add(
            AuditEvent(
                actor,
                "plan.create",
                f"plan:{plan.id}",
                now,
                None,
                {
                    "plan_date": plan_date.isoformat(),
                    "moves": len(moves),
                    "objective": plan.objective,
                },
            )
        )
        await uow.commit()
    laps.lap("queue")
    return plan, tuple(proposals), delivery


async def _delivery(uow: Any, reached: Recipients, rules: ApprovalRules) -> PlanDelivery:
    approvers: list[DeliveredTo] = []
    for chat_id, theirs in sorted(reached.by_chat.items()):
        nip = reached.nip_of_chat[chat_id]
        employee = await uow.employees.get(nip)
        approvers.append(
            DeliveredTo(
                employee.name if employee else nip, len(theirs), len(theirs) > rules.cards_max
            )
        )
    return PlanDelivery(
        tuple(approvers), tuple(sorted(p.id for p in reached.nobody if p.id is not None))
    )
