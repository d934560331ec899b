"""The approval chain: its stages, the rules and timings of deciding, and who decides a stage.

A chain is read from the `approval_chain` setting (`parse_chain`, e.g. "kepala_opd:opd,sekda");
each stage names the scope of the approvers who decide it. The timings (working days to a
reminder, to expiry, to escalation; freeze windows) are the agency's, counted in its working
time (`core.domain.working_time`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.domain import Role, RoleGrant, ScopeKind, TransferProposal, Unit
from core.domain.access import grant_covers_unit
from core.domain.errors import InvalidInput
from core.domain.working_time import WorkingTime, first_of_month_after
from core.ports import UnitOfWork
from core.usecases.delegation import principals_of, running_for_approver
from core.usecases.outbox import chats_of

if TYPE_CHECKING:  # core.usecases.committee builds on this module
    from core.usecases.committee import Committee


StageScope = Literal["opd", "all"]


@dataclass(frozen=True, slots=True)
class ApprovalStage:
    """One stage of the approval chain."""

    name: str
    scope: StageScope
    #: Decided by the votes of a committee's members (core.usecases.committee), not by approver
    #: grants.
    committee: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """Settings the approval flow needs."""

    stages: tuple[ApprovalStage, ...]
    working_time: WorkingTime
    tmt_months_ahead: int = 2
    reminder_working_days: int = 2
    expiry_working_days: int = 10
    freeze_window: tuple[dt.date, dt.date] | None = None
    objection_days: int = 7
    #: An approver chat with at most this many moves of a plan at one stage gets a card each;
    #: more get one digest (core.usecases.digest).
    cards_max: int = 8
    #: A card undecided this many working days is raised to the next stage's approvers (or the
    #: admins at the last stage).
    escalation_working_days: int = 3
    #: More freeze windows (before the regional-head election, after the inauguration).
    freeze_windows: tuple[tuple[dt.date, dt.date], ...] = ()
    #: An acting regional head (Pj/Plt) is in office: every move needs the Minister's letter.
    acting_head: bool = False
    #: Working days the approvers have to rule on an objection; undecided, it is granted.
    objection_decision_working_days: int = 10
    #: Working days after which an undecided objection is raised to the admins as well.
    objection_escalation_working_days: int = 5
    #: The committee that decides the stage marked `committee` (core.usecases.committee), if any.
    committee: Committee | None = None

    def stage_at(self, index: int) -> ApprovalStage:
        """The stage a proposal at INDEX waits for; the last one if the chain was shortened."""
        return self.stages[min(index, len(self.stages) - 1)]

    def windows(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """Every freeze window (first, last day; agency dates), the legacy one first."""
        legacy = (self.freeze_window,) if self.freeze_window is not None else ()
        return legacy + self.freeze_windows

    def frozen_on(self, moment: dt.datetime) -> bool:
        """True when MOMENT (local date) is inside a freeze window or an acting head is in
        office."""
        return self.minister_needed(moment.astimezone(self.working_time.zone).date(), None)

    def minister_needed(self, decided_on: dt.date | None, tmt: dt.date | None) -> bool:
        """Whether a move decided on DECIDED_ON taking effect on TMT needs the Minister's
        written approval before it takes effect.

        UU 10/2016 Pasal 71 ayat (2) (from six months before the candidates are set until the
        end of the term) and Pasal 162 ayat (3) (six months after the inauguration) bar the
        regional head from replacing officials without the Minister's written approval; PP
        49/2008 Pasal 132A bars an acting head (Pj/Plt) from moving staff without it. Which
        dates the windows cover is the agency's setting; here a move is caught when either its
        decision or its TMT falls inside one.
        """
        if self.acting_head:
            return True
        days = [d for d in (decided_on, tmt) if d is not None]
        return any(first <= d <= last for first, last in self.windows() for d in days)

    def needs_minister(self, proposal: TransferProposal, now: dt.datetime) -> bool:
        """`minister_needed` for PROPOSAL: its decision day and TMT, or (still pending) today
        and the TMT it would get if approved today."""
        today = self.working_time.local(now).date()
        decided = (
            self.working_time.local(proposal.decided_at).date() if proposal.decided_at else today
        )
        tmt = proposal.tmt or first_of_month_after(today, self.tmt_months_ahead)
        return self.minister_needed(decided, tmt)


def parse_chain(text: str) -> tuple[ApprovalStage, ...]:
    """Stages from "approver" or "kepala_opd:opd,sekda,ppk"."""
    stages: list[ApprovalStage] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, scope = part.partition(":")
        scope = scope.strip() or ("opd" if name.strip() == "kepala_opd" else "all")
        if scope not in ("opd", "all"):
            raise InvalidInput(f"approval stage {part!r}: scope must be opd or all")
        stages.append(ApprovalStage(name.strip(), scope))  # type: ignore[arg-type]
    if not stages:
        raise InvalidInput("the approval chain has no stages")
    return tuple(stages)


def grant_decides(
    grant: RoleGrant, stage: ApprovalStage, stage_count: int, units: Sequence[Unit | None]
) -> bool:
    """Whether an approver grant may decide `stage` of a move touching `units`."""
    if grant.role != Role.APPROVER or stage.committee:
        return (
            False  # a committee stage is decided by its members' votes (core.usecases.committee)
        )
    touched = [u for u in units if u is not None]
    if stage_count == 1:
        return any(grant_covers_unit(grant, u) for u in touched)
    if stage.scope == "opd":
        return grant.scope_kind != ScopeKind.ALL and any(
            grant_covers_unit(grant, u) for u in touched
        )
    return grant.scope_kind == ScopeKind.ALL and grant.scope_value in (None, "", stage.name)


async def stage_approvers(
    uow: UnitOfWork,
    proposal: TransferProposal,
    stage: int,
    rules: ApprovalRules,
    today: dt.date | None = None,
) -> list[tuple[str, int, str]]:
    """(nip, chat id, language) of everyone who decides `proposal` at `stage`; with TODAY, an
    approver whose delegation runs is replaced by the delegate (nip of the delegate). At a
    committee stage: the members who have not voted yet (core.usecases.committee)."""
    if rules.stage_at(stage).committee:
        from core.usecases.committee import members_to_vote

        return await members_to_vote(uow, proposal, rules)
    units = [await uow.units.get(proposal.from_unit), await uow.units.get(proposal.to_unit)]
    found: list[tuple[str, int, str]] = []
    seen: set[int] = set()
    for grant in await uow.roles.list_by_role(Role.APPROVER.value):
        if not grant_decides(grant, rules.stage_at(stage), len(rules.stages), units):
            continue
        nip = grant.nip
        if today is not None:
            running = await running_for_approver(uow, grant.nip, today)
            nip = running.delegate_nip if running is not None else grant.nip
        for chat_id, language in await chats_of(uow, nip):
            if chat_id not in seen:
                seen.add(chat_id)
                found.append((nip, chat_id, language))
    return found


async def supervisors_of(uow: UnitOfWork, unit_code: str) -> list[tuple[str, int, str]]:
    """(nip, chat, language) of the supervisors of one unit."""
    unit = await uow.units.get(unit_code)
    found: list[tuple[str, int, str]] = []
    if unit is None:
        return found
    for grant in await uow.roles.list_by_role(Role.SUPERVISOR.value):
        if grant.scope_kind == ScopeKind.UNIT and grant.scope_value == unit.code:
            found.extend((grant.nip, c, lang) for c, lang in await chats_of(uow, grant.nip))
    return found


async def raised_to(
    uow: UnitOfWork,
    caller_nip: str,
    proposal: TransferProposal,
    rules: ApprovalRules,
    units: Sequence[Unit | None],
    today: dt.date,
) -> str | None:
    """Whom (the caller or an approver they stand in for) an escalated card lets decide: the
    next stage's approvers, or the admins at the last stage."""
    for candidate in await principals_of(uow, caller_nip, today):
        grants = await uow.roles.list_for(candidate)
        if raised_to_next_stage(proposal, rules):
            following = rules.stage_at(proposal.stage + 1)
            if any(grant_decides(g, following, len(rules.stages), units) for g in grants):
                return candidate
        elif any(g.role == Role.ADMIN for g in grants):
            return candidate
    return None


async def escalated_at(uow: UnitOfWork, proposal_id: int, stage: int) -> bool:
    """Whether PROPOSAL_ID was raised past STAGE (escalation) already."""
    return stage in await escalated_stages(uow, proposal_id)


async def escalated_stages(uow: UnitOfWork, proposal_id: int) -> set[int]:
    """The stages (0-based) at which PROPOSAL_ID was raised (escalation), read from its audit."""
    return {
        int(stage)
        for e in await uow.audit.list(f"proposal:{proposal_id}")
        if e.action == "proposal.escalate"
        and isinstance(stage := (e.before or {}).get("stage"), int)
    }


def raised_to_next_stage(proposal: TransferProposal, rules: ApprovalRules) -> bool:
    """Whether an undecided card of PROPOSAL is raised to the next stage's approvers; at the
    last stage, or before a committee stage (members vote only on their own stage), it is
    raised to the admins."""
    following = proposal.stage + 1
    return following < len(rules.stages) and not rules.stage_at(following).committee
