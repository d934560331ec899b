"""Flow 7: a transfer takes effect when every gate is open; SK draft rows.

Gates (docs/after-approval.md): the TMT has come; no objection is waiting for a ruling; the
destination unit's head confirmed that the person started work there (the SPMT, *surat
pernyataan melaksanakan tugas*), and for a jabatan that needs a practice licence that the new
SIP for that facility is held (PP 28/2024: one SIP, one place of practice); and when the move
falls in a freeze window or an acting regional head is in office, an admin recorded the
Minister's written approval (`ApprovalRules.minister_needed`). Then the employee's unit changes
and tenure restarts at the TMT.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain import AuditEvent, ProposalState, Role, TransferProposal
from core.domain.access import grant_covers_unit
from core.domain.errors import InvalidInput, NotAllowed, NotFound, StaleAction
from core.domain.messages import ArrivalRequest, TransferEffective
from core.domain.working_time import WorkingTime
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.cards import alert_admins, transfer_facts
from core.usecases.approval.chain import ApprovalRules, ApprovalStage, supervisors_of
from core.usecases.committee import DEFAULT_NAME, Committee, ProposalMinutes, minutes_for
from core.usecases.outbox import enqueue, enqueue_to_person
from core.views.plan_report import proposal_number

#: States whose transfer takes effect once its gates open (an open objection waits for its ruling).
TAKES_EFFECT = (ProposalState.APPROVED, ProposalState.ACCEPTED)
#: States that belong in an SK draft.
IN_SK = (ProposalState.APPROVED, ProposalState.ACCEPTED, ProposalState.EFFECTIVE)

MINISTER_LETTER_MAX = 128

SK_COLUMNS = (
    "nip",
    "nama",
    "golongan",
    "jabatan",
    "unit_lama",
    "unit_baru",
    "tmt",
    "nomor_usulan",
    "disetujui_oleh",
    "tanggal_persetujuan",
    "pertimbangan_tim",
)


class ArrivalNotDue(StaleAction):
    """The SPMT can be confirmed from the TMT on (values: tmt)."""

    key = "error.arrival_not_due"


class ArrivalAlreadyConfirmed(StaleAction):
    """The arrival was confirmed already (or the move took effect)."""

    key = "error.arrival_already"


class SipNotConfirmed(InvalidInput):
    """A jabatan that needs a SIP: the confirmation must say the new SIP is held."""

    key = "error.sip_not_confirmed"


class NotDestinationHead(NotAllowed):
    """Only the destination unit's head (or an admin on their behalf) confirms the arrival."""

    key = "error.not_destination_head"


class ProposalNotFound(NotFound):
    """No proposal has this number (values: proposal)."""

    key = "error.proposal_not_found"


class LetterNumberMissing(InvalidInput):
    """The Minister's letter needs its number, at most MINISTER_LETTER_MAX characters."""

    key = "error.letter_number"


class LetterDateInFuture(InvalidInput):
    """The Minister's letter cannot be dated after today (values: date)."""

    key = "error.letter_date_future"


class MinisterNotNeeded(StaleAction):
    """The move is outside every freeze window and no acting head is in office, so a letter
    would mean nothing: most likely a mistyped proposal number (values: proposal)."""

    key = "error.minister_not_needed"


class TransferNotApproved(StaleAction):
    """The transfer is not approved and waiting to take effect (values: state)."""

    key = "error.transfer_not_waiting"


@dataclass(frozen=True, slots=True)
class EffectReport:
    """What one pass of the effect job did."""

    applied: tuple[int, ...]
    arrival_requests: int = 0
    waiting_minister: tuple[int, ...] = ()


def _rules_of(rules: ApprovalRules | WorkingTime) -> ApprovalRules:
    if isinstance(rules, ApprovalRules):
        return rules
    return ApprovalRules((ApprovalStage("approver", "all"),), rules)


def waiting_for(proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime) -> list[str]:
    """The gates still closed for PROPOSAL at NOW, in order: `state` (not approved, or an
    objection awaits its ruling), `tmt`, `spmt`, `minister`. Empty: it takes effect."""
    today = rules.working_time.local(now).date()
    missing: list[str] = []
    if proposal.state not in TAKES_EFFECT:
        missing.append("state")
    if proposal.tmt is None or proposal.tmt > today:
        missing.append("tmt")
    if proposal.arrival_confirmed_at is None:
        missing.append("spmt")
    if rules.needs_minister(proposal, now) and not proposal.minister_letter_number:
        missing.append("minister")
    return missing


async def _apply(
    uow: UnitOfWork, proposal: TransferProposal, now: dt.datetime, working_time: WorkingTime
) -> bool:
    """Move the employee (unit, tenure from the TMT), tell them, audit; False if it cannot.

    An employee already in the destination (employees.csv re-imported after the SK) has moved:
    the proposal takes effect and their imported row is kept. One in a third unit is left for
    an admin (`unit_changed` alert by the callers)."""
    assert proposal.id is not None and proposal.tmt is not None
    employee = await uow.employees.get(proposal.nip)
    if employee is None or employee.unit_code not in (proposal.from_unit, proposal.to_unit):
        return False  # moved some other way meanwhile: leave it for a person to look at
    updated = dataclasses.replace(proposal, state=ProposalState.EFFECTIVE)
    if not await uow.proposals.transition(proposal, updated):
        return False
    if employee.unit_code == proposal.from_unit:
        await uow.employees.upsert(
            dataclasses.replace(employee, unit_code=proposal.to_unit, tmt_unit=proposal.tmt)
        )
    destination = await uow.units.get(proposal.to_unit)
    effective = TransferEffective(
        proposal_id=proposal.id,
        to_unit=proposal.to_unit,
        to_name=destination.name if destination else proposal.to_unit,
        tmt=proposal.tmt,
    )
    await enqueue_to_person(
        uow,
        proposal.nip,
        effective,
        key=f"effective:{proposal.id}",
        now=now,
        opening=working_time.next_open(now),
    )
    await uow.audit.add(
        AuditEvent(
            "system",
            "proposal.effective",
            f"proposal:{proposal.id}",
            now,
            {"unit": proposal.from_unit, "tmt_unit": employee.tmt_unit.isoformat()},
            {"unit": proposal.to_unit, "tmt_unit": proposal.tmt.isoformat()},
        )
    )
    return True


async def _ask_for_arrival(
    uow: UnitOfWork, proposal: TransferProposal, rules: ApprovalRules, now: dt.datetime
) -> int:
    """The SPMT button to the destination heads on the TMT; a reminder every N working days;
    the admins are told when nobody can tap it, and again when it is overdue."""
    assert proposal.id is not None and proposal.tmt is not None
    today = rules.working_time.local(now).date()
    opening = rules.working_time.next_open(now)
    heads = await supervisors_of(uow, proposal.to_unit)
    queued = 0
    waited = rules.working_time.working_days_between(proposal.tmt, today)
    round_ = waited // rules.reminder_working_days
    facts = await transfer_facts(uow, proposal)
    for _nip, chat_id, _lang in heads:
        key = (
            f"arrival:{proposal.id}:{chat_id}"
            if round_ == 0
            else f"arrival-reminder:{proposal.id}:{round_}:{chat_id}"
        )
        message = await enqueue(
            uow,
            chat_id,
            ArrivalRequest.of(facts, reminder=round_ > 0, waited_days=waited),
            now=now,
            dedupe_key=key,
            not_before=opening,
            once=True,
        )
        queued += message is not None
    if not heads:
        queued += await alert_admins(uow, "arrival_no_head", proposal, now, opening)
    elif waited >= rules.expiry_working_days:
        queued += await alert_admins(uow, "arrival_overdue", proposal, now, opening)
    return queued


async def apply_due_transfers(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: ApprovalRules | WorkingTime
) -> EffectReport:
    """One daily pass over approved transfers whose TMT has come: those with every gate open
    take effect (each in its own transaction); the others get the SPMT request or reminder, or
    the admins are told that the Minister's letter is missing."""
    rules = _rules_of(rules)
    now = clock.now()
    today = rules.working_time.local(now).date()
    async with uow_factory() as uow:
        due = [
            p
            for state in TAKES_EFFECT
            for p in await uow.proposals.list_by_state(state.value)
            if p.tmt is not None and p.tmt <= today
        ]
    applied: list[int] = []
    waiting_minister: list[int] = []
    requests = 0
    for proposal in due:
        assert proposal.id is not None
        async with uow_factory() as uow:
            current = await uow.proposals.get(proposal.id)
            if current is None:
                continue
            missing = waiting_for(current, rules, now)
            if not missing:
                if await _apply(uow, current, now, rules.working_time):
                    applied.append(proposal.id)
                else:
                    opening = rules.working_time.next_open(now)
                    await alert_admins(uow, "unit_changed", current, now, opening)
            elif missing == ["spmt"] or missing == ["spmt", "minister"]:
                requests += await _ask_for_arrival(uow, current, rules, now)
            elif missing == ["minister"]:
                waiting_minister.append(proposal.id)
                opening = rules.working_time.next_open(now)
                await alert_admins(uow, "minister_letter_missing", current, now, opening)
            await uow.commit()
    return EffectReport(tuple(applied), requests, tuple(waiting_minister))


@dataclass(frozen=True, slots=True)
class ArrivalOutcome:
    """What an SPMT confirmation did: the proposal now, and whether the move took effect."""

    proposal: TransferProposal
    applied: bool
    waiting: tuple[str, ...]


async def _may_confirm(
    uow: UnitOfWork, proposal: TransferProposal, nip: str, on_behalf: bool
) -> None:
    grants = await uow.roles.list_for(nip)
    if on_behalf:
        if not any(g.role == Role.ADMIN for g in grants):
            raise NotDestinationHead(unit=proposal.to_unit)
        return
    unit = await uow.units.get(proposal.to_unit)
    if unit is None or not any(
        g.role == Role.SUPERVISOR and grant_covers_unit(g, unit) for g in grants
    ):
        raise NotDestinationHead(unit=proposal.to_unit)


async def confirm_arrival(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    nip: str,
    sip_held: bool,
    on_behalf: bool = False,
) -> ArrivalOutcome:
    """The destination head's SPMT tap (or an admin's, ON_BEHALF, audited as such): the person
    started work on or after the TMT, and for a `butuh_sip` jabatan the new SIP is held. The
    move takes effect at once when no other gate is closed.

    Raises ProposalNotFound, NotDestinationHead, TransferNotApproved (not approved, or an
    objection awaits its ruling), ArrivalAlreadyConfirmed, ArrivalNotDue (before the TMT) and
    SipNotConfirmed; each changes nothing.
    """
    now = clock.now()
    today = rules.working_time.local(now).date()
    async with uow_factory() as uow:
        proposal = await uow.proposals.get(proposal_id)
        if proposal is None:
            raise ProposalNotFound(proposal=proposal_id)
        await _may_confirm(uow, proposal, nip, on_behalf)
        if proposal.state == ProposalState.EFFECTIVE or proposal.arrival_confirmed_at:
            raise ArrivalAlreadyConfirmed(proposal=proposal_id)
        if proposal.state not in TAKES_EFFECT:
            raise TransferNotApproved(state=proposal.state.value)
        if proposal.tmt is None or proposal.tmt > today:
            raise ArrivalNotDue(tmt=proposal.tmt or today)
        if proposal.butuh_sip and not sip_held:
            raise SipNotConfirmed(proposal=proposal_id)
        updated = dataclasses.replace(proposal, arrival_confirmed_at=now, arrival_confirmed_by=nip)
        if not await uow.proposals.transition(proposal, updated):
            raise ArrivalAlreadyConfirmed(proposal=proposal_id)
        await uow.audit.add(
            AuditEvent(
                nip,
                "proposal.spmt",
                f"proposal:{proposal_id}",
                now,
                {"arrival_confirmed_at": None},
                {
                    "arrival_confirmed_at": now.isoformat(),
                    "sip_held": sip_held if proposal.butuh_sip else None,
                    "on_behalf_of_head": on_behalf,
                },
            )
        )
        waiting = waiting_for(updated, rules, now)
        applied = not waiting and await _apply(uow, updated, now, rules.working_time)
        if not waiting and not applied:
            # In a third unit by now (another move or an import): an admin must look.
            waiting = ["unit"]
            await alert_admins(
                uow, "unit_changed", updated, now, rules.working_time.next_open(now)
            )
        if waiting == ["minister"]:
            await alert_admins(
                uow, "minister_letter_missing", updated, now, rules.working_time.next_open(now)
            )
        await uow.commit()
        final = await uow.proposals.get(proposal_id)
    assert final is not None
    return ArrivalOutcome(final, applied, tuple(waiting))


async def record_minister_letter(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_ids: Sequence[int],
    admin_nip: str,
    number: str,
    letter_date: dt.date,
) -> tuple[int, ...]:
    """An admin records the Minister's written approval (number, date) for moves that need it;
    each takes effect at once when its other gates are open. Returns the ids that took effect.

    Raises NotAllowed (not an admin), LetterNumberMissing (empty or over-long number),
    LetterDateInFuture, ProposalNotFound / TransferNotApproved for an id that is not an approved
    transfer, and MinisterNotNeeded for a move no freeze window or acting head covers; all or
    nothing.
    """
    number = number.strip()
    if not number or len(number) > MINISTER_LETTER_MAX:
        raise LetterNumberMissing(max=MINISTER_LETTER_MAX)
    now = clock.now()
    if letter_date > rules.working_time.local(now).date():
        raise LetterDateInFuture(date=letter_date)
    applied: list[int] = []
    async with uow_factory() as uow:
        if not any(g.role == Role.ADMIN for g in await uow.roles.list_for(admin_nip)):
            raise NotAllowed(role="admin")
        for proposal_id in proposal_ids:
            proposal = await uow.proposals.get(proposal_id)
            if proposal is None:
                raise ProposalNotFound(proposal=proposal_id)
            if proposal.state not in (*TAKES_EFFECT, ProposalState.OBJECTED):
                raise TransferNotApproved(state=proposal.state.value, proposal=proposal_id)
            if not rules.needs_minister(proposal, now):
                raise MinisterNotNeeded(proposal=proposal_id)
            updated = dataclasses.replace(
                proposal, minister_letter_number=number, minister_letter_date=letter_date
            )
            if not await uow.proposals.transition(proposal, updated):
                raise TransferNotApproved(state="changed", proposal=proposal_id)
            await uow.audit.add(
                AuditEvent(
                    admin_nip,
                    "proposal.minister_letter",
                    f"proposal:{proposal_id}",
                    now,
                    {"minister_letter_number": proposal.minister_letter_number},
                    {
                        "minister_letter_number": number,
                        "minister_letter_date": letter_date.isoformat(),
                    },
                )
            )
            if not waiting_for(updated, rules, now) and await _apply(
                uow, updated, now, rules.working_time
            ):
                applied.append(proposal_id)
        await uow.commit()
    return tuple(applied)


@dataclass(frozen=True, slots=True)
class SkRow:
    """One row of the SK draft export (docs/exports.md, "The SK draft")."""

    nip: str
    nama: str
    golongan: str
    jabatan: str
    unit_lama: str
    unit_baru: str
    tmt: str
    nomor_usulan: str
    disetujui_oleh: str
    tanggal_persetujuan: str
    pertimbangan_tim: str = ""

    def values(self) -> tuple[str, ...]:
        """The row in SK_COLUMNS order."""
        return tuple(getattr(self, c) for c in SK_COLUMNS)


def committee_note(minutes: ProposalMinutes, committee: Committee | None, zone: dt.tzinfo) -> str:
    """The committee's consideration of one move as the SK draft cites it (in Indonesian, like
    the SK): "Tim Penilai Kinerja, 2026-12-01: 2 dari 3 anggota setuju (kuorum 2) — A:
    setuju; B: tidak setuju (alasan); C: setuju"."""
    name = committee.name if committee else DEFAULT_NAME
    when = minutes.decided_at or max(v.voted_at for v in minutes.votes)
    count = (
        f"{minutes.yes} dari {len(committee.members)} anggota setuju"
        if committee
        else (f"{minutes.yes} setuju, {minutes.no} tidak setuju")
    )
    quorum = f" (kuorum {committee.quorum})" if committee else ""
    votes = "; ".join(
        f"{v.member_name}: setuju" if v.approved else f"{v.member_name}: tidak setuju ({v.reason})"
        for v in minutes.votes
    )
    return f"{name}, {when.astimezone(zone).date().isoformat()}: {count}{quorum} — {votes}"


async def sk_rows(
    uow: UnitOfWork, plan_id: int, zone: dt.tzinfo, committee: Committee | None = None
) -> list[SkRow]:
    """SK draft rows of a plan's approved transfers, in proposal order. A stage decided by a
    committee (COMMITTEE names it; core.usecases.committee) is listed by the committee's name in
    `disetujui_oleh`, and its votes make `pertimbangan_tim`."""
    rows: list[SkRow] = []
    plan = await uow.plans.get(plan_id)
    for proposal in sorted(await uow.proposals.list_for_plan(plan_id), key=lambda p: p.id or 0):
        if proposal.state not in IN_SK:
            continue
        employee = await uow.employees.get(proposal.nip)
        old, new = await uow.units.get(proposal.from_unit), await uow.units.get(proposal.to_unit)
        approvals = [
            d
            for d in await uow.decisions.list_for(proposal.id or 0)
            if d.approved and not d.is_objection_ruling
        ]
        minutes = await minutes_for(uow, proposal)
        approvers: list[str] = []
        for decision in sorted(approvals, key=lambda d: d.stage):
            if minutes is not None and minutes.stage == decision.stage:
                approvers.append(committee.name if committee else DEFAULT_NAME)
                continue
            person = await uow.employees.get(decision.approver_nip)
            approvers.append(person.name if person else decision.approver_nip)
        last = max((d.decided_at for d in approvals), default=proposal.decided_at)
        rows.append(
            SkRow(
                nip=proposal.nip,
                nama=employee.name if employee else "",
                golongan=employee.golongan if employee else "",
                jabatan=employee.jabatan if employee else "",
                unit_lama=old.name if old else proposal.from_unit,
                unit_baru=new.name if new else proposal.to_unit,
                tmt=proposal.tmt.isoformat() if proposal.tmt else "",
                nomor_usulan=proposal_number(plan, proposal.id or 0),
                disetujui_oleh="; ".join(approvers),
                tanggal_persetujuan=last.astimezone(zone).date().isoformat() if last else "",
                pertimbangan_tim=committee_note(minutes, committee, zone) if minutes else "",
            )
        )
    return rows
