"""/status as a view: the person's unit and tenure, aspiration, what stands in its way, their
transfers and why an aspiration was not granted (flow 9).

Authorisation: a person sees only their own status; the view is read for the employee the
caller is (the handler passes its own record), so there is nothing of anyone else to refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from core.domain import Aspiration, Employee, ProposalState
from core.domain.eligibility import months_between
from core.ports import UnitOfWork
from core.usecases.approval.chain import ApprovalRules
from core.usecases.aspirations import EligibilityPolicy, EligibilityProblem, person_problems
from core.usecases.read_once import read_once

#: How many of the person's most recent transfers /status lists.
TRANSFERS_SHOWN = 5
_APPROVED = (ProposalState.APPROVED, ProposalState.ACCEPTED)


@dataclass(frozen=True, slots=True)
class TransferLine:
    """One of the person's transfers: units by name (by code when unknown), its state, and
    what an approved move still waits for."""

    proposal_id: int | None
    origin: str
    destination: str
    state: ProposalState
    tmt: dt.date | None
    #: Approved, TMT set, the destination has not confirmed the person started (SPMT).
    waiting_spmt: bool
    #: The jabatan needs a practice licence (SIP) for the new facility before the TMT.
    needs_sip: bool
    #: Approved inside a freeze window: it waits for the Minister's written approval.
    waiting_minister: bool


@dataclass(frozen=True, slots=True)
class NotGranted:
    """An aspiration the latest plan did not grant: the unit asked for (by name) and the
    engine's reason code (`core.rebalance` not-granted reasons)."""

    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class TransfersView:
    """The person's transfers (the last `TRANSFERS_SHOWN`, oldest first) and what the latest
    plan said of them: the aspirations not granted, or the unit it moves them to and whether
    that unit was one of their own choices."""

    transfers: tuple[TransferLine, ...]
    not_granted: tuple[NotGranted, ...]
    moved_to: str | None = None
    moved_as_asked: bool = False


@dataclass(frozen=True, slots=True)
class StatusView:
    """Everything /status shows: unit (name), jabatan, months in the unit, the current
    aspiration (None: none) with the unit names it needs, eligibility problems, transfers."""

    unit: str
    jabatan: str
    tenure_months: int
    aspiration: Aspiration | None
    unit_names: Mapping[str, str]
    problems: tuple[EligibilityProblem, ...]
    transfers: TransfersView


async def transfers_view(
    uow: UnitOfWork,
    nip: str,
    rules: ApprovalRules,
    now: dt.datetime,
    unit_names: Mapping[str, str] | None = None,
) -> TransfersView:
    """The transfers of NIP and why its aspirations were (not) granted by the latest plan, as
    of NOW (NOW decides whether an approved move needs the Minister's letter, see
    `ApprovalRules.needs_minister`). UNIT_NAMES: code -> name, read when not given."""
    names = unit_names if unit_names is not None else await _unit_names(uow)
    proposals = sorted(await uow.proposals.list_for_nip(nip), key=lambda p: p.id or 0)
    lines = tuple(
        TransferLine(
            proposal_id=p.id,
            origin=names.get(p.from_unit, p.from_unit),
            destination=names.get(p.to_unit, p.to_unit),
            state=p.state,
            tmt=p.tmt,
            waiting_spmt=p.state in _APPROVED and bool(p.tmt) and not p.arrival_confirmed_at,
            needs_sip=p.butuh_sip,
            waiting_minister=p.state in _APPROVED
            and not p.minister_letter_number
            and rules.needs_minister(p, now),
        )
        for p in proposals[-TRANSFERS_SHOWN:]
    )
    # Only what concerns NIP is read of the latest plan: its not-granted entries about NIP and
    # NIP's own proposal in it (every move of a plan is stored as a proposal), never the whole
    # solution document, which at L holds every move with its explanation.
    plan_id = await uow.plans.latest_id()
    if plan_id is None:
        return TransfersView(lines, ())
    not_granted = tuple(
        NotGranted(names.get(aspiration, aspiration), reason)
        for aspiration, reason in await uow.plans.not_granted_for(plan_id, nip)
    )
    moved = {p.nip: p.to_unit for p in proposals if p.plan_id == plan_id}
    if not_granted or nip not in moved:
        return TransfersView(lines, not_granted)
    # Only a move to one of the person's own choices is "your aspiration"; a move the person
    # did not ask for is said as such (no aspiration, or another unit).
    aspiration = await uow.aspirations.current_for(nip)
    asked = aspiration is not None and moved[nip] in aspiration.wish.choices
    return TransfersView(lines, (), names.get(moved[nip], moved[nip]), asked)


async def status_view(
    uow: UnitOfWork,
    me: Employee,
    rules: ApprovalRules,
    policy: EligibilityPolicy,
    now: dt.datetime,
) -> StatusView:
    """The /status of ME (the caller's own employee record) as of NOW; today is NOW's date in
    the agency's time zone (`rules.working_time`)."""
    today = rules.working_time.local(now).date()
    uow = read_once(uow)  # the units and grants are read once for the whole view
    names = await _unit_names(uow)
    aspiration = await uow.aspirations.current_for(me.nip)
    return StatusView(
        unit=names.get(me.unit_code, me.unit_code),
        jabatan=me.jabatan,
        tenure_months=months_between(me.tmt_unit, today),
        aspiration=aspiration,
        unit_names=names,
        problems=tuple(await person_problems(uow, me, today, policy)),
        transfers=await transfers_view(uow, me.nip, rules, now, names),
    )


async def _unit_names(uow: UnitOfWork) -> dict[str, str]:
    return {u.code: u.name for u in await uow.units.list()}
