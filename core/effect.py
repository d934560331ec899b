"""Flow 7: on the TMT the employee's unit changes and tenure restarts; SK draft rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from core.domain import AuditEvent, ProposalState
from core.outbox import chats_of, enqueue
from core.plan_report import proposal_number
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.working_time import WorkingTime

#: States whose transfer takes effect on the TMT (an open objection waits for its ruling).
TAKES_EFFECT = (ProposalState.APPROVED, ProposalState.ACCEPTED)
#: States that belong in an SK draft.
IN_SK = (ProposalState.APPROVED, ProposalState.ACCEPTED, ProposalState.EFFECTIVE)

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
)


@dataclass(frozen=True, slots=True)
class EffectReport:
    """What one pass of the TMT job did."""

    applied: tuple[int, ...]


async def apply_due_transfers(
    uow_factory: UnitOfWorkFactory, clock: Clock, working_time: WorkingTime
) -> EffectReport:
    """Move every approved employee whose TMT has come; each in its own transaction."""
    now = clock.now()
    today = working_time.local(now).date()
    async with uow_factory() as uow:
        due = [
            p
            for state in TAKES_EFFECT
            for p in await uow.proposals.list_by_state(state.value)
            if p.tmt is not None and p.tmt <= today
        ]
    applied: list[int] = []
    for proposal in due:
        assert proposal.id is not None and proposal.tmt is not None
        async with uow_factory() as uow:
            employee = await uow.employees.get(proposal.nip)
            if employee is None or employee.unit_code != proposal.from_unit:
                continue  # moved some other way meanwhile: leave it for a person to look at
            updated = dataclasses.replace(proposal, state=ProposalState.EFFECTIVE)
            if not await uow.proposals.transition(proposal, updated):
                continue
            await uow.employees.upsert(
                dataclasses.replace(employee, unit_code=proposal.to_unit, tmt_unit=proposal.tmt)
            )
            destination = await uow.units.get(proposal.to_unit)
            for chat_id, _lang in await chats_of(uow, proposal.nip):
                await enqueue(
                    uow,
                    chat_id,
                    "transfer_effective",
                    {
                        "proposal_id": proposal.id,
                        "to_unit": proposal.to_unit,
                        "to_name": destination.name if destination else proposal.to_unit,
                        "tmt": proposal.tmt.isoformat(),
                    },
                    now=now,
                    dedupe_key=f"effective:{proposal.id}:{chat_id}",
                    not_before=working_time.next_open(now),
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
            await uow.commit()
            applied.append(proposal.id)
    return EffectReport(tuple(applied))


@dataclass(frozen=True, slots=True)
class SkRow:
    """One row of the SK draft export (DOMAIN.md `sk` file)."""

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

    def values(self) -> tuple[str, ...]:
        """The row in SK_COLUMNS order."""
        return tuple(getattr(self, c) for c in SK_COLUMNS)


async def sk_rows(uow: UnitOfWork, plan_id: int, zone: dt.tzinfo) -> list[SkRow]:
    """SK draft rows of a plan's approved transfers, in proposal order."""
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
            if d.approved and d.stage < 99
        ]
        approvers: list[str] = []
        for decision in sorted(approvals, key=lambda d: d.stage):
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
            )
        )
    return rows
