"""In-memory ports for unit tests: a store, a unit of work implementing every repository port of
core.ports (mypy checks it against them), a recording sender."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self

from core.domain import (
    Activity,
    ApprovalDecision,
    Aspiration,
    AuditEvent,
    CommitteeVote,
    Delegation,
    Employee,
    Evaluation,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    Plan,
    ProposalLine,
    ProposalState,
    RoleGrant,
    TelegramAccount,
    TransferProposal,
    Unit,
    WorkloadReport,
)
from core.domain.eligibility import JabatanInfo
from core.domain.errors import Conflict
from core.ports import (
    AccountRepository,
    ActivityRepository,
    AspirationRepository,
    AuditRepository,
    CommitteeVoteRepository,
    DecisionRepository,
    DelegationRepository,
    EmployeeRepository,
    EvaluationRepository,
    InboxRepository,
    InvitationAttemptRepository,
    InvitationRepository,
    JabatanRepository,
    OutboxRepository,
    OutboxTake,
    PlanRepository,
    ProposalRepository,
    RoleRepository,
    UnitRepository,
    WorkloadReportRepository,
)
from core.usecases.outbox import SendResult, send_order


def _gates(p: TransferProposal) -> tuple[object, ...]:
    """What the SQL transition compares (db.transfer_repositories): state, stage, whether each
    after-approval time is set, and the SPMT's author and the Minister's letter as they are."""
    return (
        p.state,
        p.stage,
        p.notice_delivered_at is None,
        p.objected_at is None,
        p.arrival_confirmed_at is None,
        p.arrival_confirmed_by,
        p.minister_letter_number,
        p.minister_letter_date,
    )


@dataclass
class Store:
    """Committed state."""

    units: dict[str, Unit] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    jabatan: list[JabatanInfo] = field(default_factory=list)
    roles: list[RoleGrant] = field(default_factory=list)
    accounts: dict[int, TelegramAccount] = field(default_factory=dict)
    aspirations: list[Aspiration] = field(default_factory=list)
    reports: list[WorkloadReport] = field(default_factory=list)
    plans: dict[int, Plan] = field(default_factory=dict)
    proposals: dict[int, TransferProposal] = field(default_factory=dict)
    decisions: list[ApprovalDecision] = field(default_factory=list)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    evaluations: list[Evaluation] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)
    committee_votes: list[CommitteeVote] = field(default_factory=list)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    invitation_attempts: list[tuple[int, dt.datetime]] = field(default_factory=list)
    #: update_id -> (payload, received_at, handled_at)
    inbox: dict[int, tuple[dict[str, Any], dt.datetime, dt.datetime | None]] = field(
        default_factory=dict
    )
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        assert self.uow.work is not None, "used outside `async with`"
        return self.uow.work


class Units(_Repo):
    async def get(self, code: str) -> Unit | None:
        return self.s.units.get(code)

    async def list(self) -> Sequence[Unit]:
        return list(self.s.units.values())

    async def search(self, text: str, limit: int = 20) -> Sequence[Unit]:
        return [u for u in self.s.units.values() if text.lower() in u.name.lower()][:limit]

    async def upsert(self, unit: Unit) -> None:
        self.s.units[unit.code] = unit

    async def list_by_opd(self, opd: str) -> Sequence[Unit]:
        return [u for u in self.s.units.values() if u.opd == opd]

    async def upsert_many(self, units: Sequence[Unit]) -> None:
        for unit in units:
            await self.upsert(unit)


class Employees(_Repo):
    async def get(self, nip: str) -> Employee | None:
        return self.s.employees.get(nip)

    async def list(self) -> Sequence[Employee]:
        return list(self.s.employees.values())

    async def list_by_unit(self, unit_code: str) -> Sequence[Employee]:
        return [e for e in self.s.employees.values() if e.unit_code == unit_code]

    async def upsert(self, employee: Employee) -> None:
        self.s.employees[employee.nip] = employee

    async def get_many(self, nips: Collection[str]) -> Mapping[str, Employee]:
        return {n: self.s.employees[n] for n in nips if n in self.s.employees}

    async def upsert_many(self, employees: Sequence[Employee]) -> None:
        for employee in employees:
            await self.upsert(employee)


class Activities(_Repo):
    async def list(self) -> Sequence[Activity]:
        return list(self.s.activities)

    async def list_for(self, unit_code: str, jabatan: str) -> Sequence[Activity]:
        return [a for a in self.s.activities if (a.unit_code, a.jabatan) == (unit_code, jabatan)]

    async def upsert(self, activity: Activity) -> None:
        key = (activity.unit_code, activity.jabatan, activity.name)
        self.s.activities[:] = [
            a for a in self.s.activities if (a.unit_code, a.jabatan, a.name) != key
        ]
        self.s.activities.append(activity)

    async def upsert_many(self, activities: Sequence[Activity]) -> None:
        for activity in activities:
            await self.upsert(activity)


class Jabatan(_Repo):
    async def list(self) -> Sequence[JabatanInfo]:
        return list(self.s.jabatan)

    async def upsert_many(self, rows: Sequence[JabatanInfo]) -> None:
        names = {r.jabatan for r in rows}
        self.s.jabatan[:] = [j for j in self.s.jabatan if j.jabatan not in names] + list(rows)


class Roles(_Repo):
    async def list_for(self, nip: str) -> Sequence[RoleGrant]:
        return [g for g in self.s.roles if g.nip == nip]

    async def list_by_role(self, role: str) -> Sequence[RoleGrant]:
        return [g for g in self.s.roles if g.role.value == role]

    async def grant(self, grant: RoleGrant) -> bool:
        if grant in self.s.roles:
            return False
        self.s.roles.append(grant)
        return True

    async def revoke(self, grant: RoleGrant) -> bool:
        if grant not in self.s.roles:
            return False
        self.s.roles.remove(grant)
        return True

    async def grant_many(self, grants: Sequence[RoleGrant]) -> int:
        return sum([await self.grant(g) for g in grants])


class Accounts(_Repo):
    async def get_by_telegram(self, telegram_user_id: int) -> TelegramAccount | None:
        return self.s.accounts.get(telegram_user_id)

    async def list_for_nip(self, nip: str) -> Sequence[TelegramAccount]:
        return [a for a in self.s.accounts.values() if a.nip == nip]

    async def list_for_chat(self, chat_id: int) -> Sequence[TelegramAccount]:
        return [
            a for a in self.s.accounts.values() if (a.chat_id or a.telegram_user_id) == chat_id
        ]

    async def save(self, account: TelegramAccount) -> None:
        self.s.accounts[account.telegram_user_id] = account


class Aspirations(_Repo):
    async def current_for(self, nip: str) -> Aspiration | None:
        mine = [a for a in self.s.aspirations if a.nip == nip and a.withdrawn_at is None]
        return mine[-1] if mine else None

    async def list_active(self, at: dt.datetime) -> Sequence[Aspiration]:
        return [a for a in self.s.aspirations if a.withdrawn_at is None and a.expires_at > at]

    async def add(self, aspiration: Aspiration) -> Aspiration:
        stored = dataclasses.replace(aspiration, id=self.uow.store.new_id())
        self.s.aspirations.append(stored)
        return stored

    async def withdraw(self, nip: str, at: dt.datetime) -> bool:
        live = [a for a in self.s.aspirations if a.nip == nip and a.withdrawn_at is None]
        self.s.aspirations[:] = [
            dataclasses.replace(a, withdrawn_at=at) if a in live else a for a in self.s.aspirations
        ]
        return bool(live)

    async def add_many(self, aspirations: Sequence[Aspiration]) -> None:
        for aspiration in aspirations:
            await self.add(aspiration)


class Reports(_Repo):
    async def add(self, report: WorkloadReport) -> WorkloadReport:
        self.s.reports.append(report)
        return report

    def _of(self, unit_code: str, jabatan: str) -> list[WorkloadReport]:
        return [r for r in self.s.reports if (r.unit_code, r.jabatan) == (unit_code, jabatan)]

    async def latest_for(self, unit_code: str, jabatan: str) -> WorkloadReport | None:
        found = sorted(self._of(unit_code, jabatan), key=lambda r: (r.month, r.reported_at))
        return found[-1] if found else None

    async def for_month(self, unit_code: str, jabatan: str, month: str) -> WorkloadReport | None:
        found = [r for r in self._of(unit_code, jabatan) if r.month == month]
        return max(found, key=lambda r: r.reported_at) if found else None

    async def history(self, unit_code: str, jabatan: str) -> Sequence[WorkloadReport]:
        return sorted(self._of(unit_code, jabatan), key=lambda r: r.reported_at)

    async def list_for_month(self, month: str) -> Sequence[WorkloadReport]:
        return [r for r in self.s.reports if r.month == month]

    async def accepted_recent(self, months: int) -> Sequence[WorkloadReport]:
        newest: dict[tuple[str, str, str], WorkloadReport] = {}
        for r in sorted(self.s.reports, key=lambda r: r.reported_at):
            newest[(r.unit_code, r.jabatan, r.month)] = r
        per_family: dict[tuple[str, str], list[WorkloadReport]] = {}
        for r in sorted(newest.values(), key=lambda r: r.month, reverse=True):
            per_family.setdefault((r.unit_code, r.jabatan), []).append(r)
        return [r for family in per_family.values() for r in family[:months]]


class Plans(_Repo):
    async def add(self, plan: Plan) -> Plan:
        if not plan.dry_run and any(
            p.plan_date == plan.plan_date and not p.dry_run for p in self.s.plans.values()
        ):
            raise Conflict("plan exists")
        stored = dataclasses.replace(plan, id=self.uow.store.new_id())
        self.s.plans[stored_id(stored)] = stored
        return stored

    async def get(self, plan_id: int) -> Plan | None:
        return self.s.plans.get(plan_id)

    async def latest(self) -> Plan | None:
        real = [p for p in self.s.plans.values() if not p.dry_run]
        return max(real, key=lambda p: (p.plan_date, p.id or 0)) if real else None

    async def latest_id(self) -> int | None:
        plan = await self.latest()
        return plan.id if plan is not None else None

    async def not_granted_for(self, plan_id: int, nip: str) -> list[tuple[str, str]]:
        plan = self.s.plans.get(plan_id)
        entries = plan.solution.get("not_granted") if plan is not None else None
        return [(e["aspiration"], e["reason"]) for e in entries or [] if e["employee"] == nip]

    async def get_for_date(self, plan_date: dt.date) -> Plan | None:
        for plan in self.s.plans.values():
            if plan.plan_date == plan_date and not plan.dry_run:
                return plan
        return None

    async def update(self, plan: Plan) -> None:
        self.s.plans[stored_id(plan)] = plan


class Proposals(_Repo):
    async def add(self, proposal: TransferProposal) -> TransferProposal:
        if proposal.state == ProposalState.PENDING and any(
            p.nip == proposal.nip and p.state == ProposalState.PENDING
            for p in self.s.proposals.values()
        ):
            raise Conflict("pending proposal exists")
        stored = dataclasses.replace(proposal, id=self.uow.store.new_id())
        self.s.proposals[stored_id(stored)] = stored
        return stored

    async def add_many(self, proposals: Sequence[TransferProposal]) -> list[TransferProposal]:
        keys = [(p.plan_id, p.nip) for p in proposals]
        if len(set(keys)) != len(keys):
            raise ValueError("a plan proposes at most one move per employee")
        before = dict(self.s.proposals)
        try:
            return [await self.add(p) for p in proposals]
        except Conflict:
            self.s.proposals.clear()
            self.s.proposals.update(before)
            raise

    async def get(self, proposal_id: int) -> TransferProposal | None:
        return self.s.proposals.get(proposal_id)

    async def list_for_plan(self, plan_id: int) -> Sequence[TransferProposal]:
        return [p for p in self.s.proposals.values() if p.plan_id == plan_id]

    async def list_pending_nips(self) -> Sequence[str]:
        return [p.nip for p in self.s.proposals.values() if p.state == ProposalState.PENDING]

    async def lines_for_plan(
        self, plan_id: int, unit_codes: Collection[str] | None
    ) -> Sequence[ProposalLine]:
        return [
            ProposalLine(stored_id(p), p.plan_id, p.nip, p.from_unit, p.to_unit, p.state, p.stage)
            for p in sorted(self.s.proposals.values(), key=stored_id)
            if p.plan_id == plan_id
            and (unit_codes is None or {p.from_unit, p.to_unit} & set(unit_codes))
        ]

    async def update(self, proposal: TransferProposal) -> None:
        self.s.proposals[stored_id(proposal)] = proposal

    async def transition(self, expected: TransferProposal, new: TransferProposal) -> bool:
        current = self.s.proposals.get(stored_id(expected))
        if current is None or _gates(current) != _gates(expected):
            return False
        self.s.proposals[stored_id(new)] = new
        return True

    async def list_by_state(self, state: str) -> Sequence[TransferProposal]:
        return [p for p in self.s.proposals.values() if p.state.value == state]

    async def list_for_nip(self, nip: str) -> Sequence[TransferProposal]:
        return [p for p in self.s.proposals.values() if p.nip == nip]


class Decisions(_Repo):
    async def add(self, decision: ApprovalDecision) -> None:
        if any(
            (d.proposal_id, d.stage) == (decision.proposal_id, decision.stage)
            for d in self.s.decisions
        ):
            raise Conflict("decided")
        self.s.decisions.append(decision)

    async def list_for(self, proposal_id: int) -> Sequence[ApprovalDecision]:
        return [d for d in self.s.decisions if d.proposal_id == proposal_id]


class CommitteeVotes(_Repo):
    async def add(self, vote: CommitteeVote) -> bool:
        if any(
            (v.proposal_id, v.stage, v.member_nip)
            == (vote.proposal_id, vote.stage, vote.member_nip)
            for v in self.s.committee_votes
        ):
            return False
        self.s.committee_votes.append(vote)
        return True

    async def list_for(self, proposal_id: int) -> Sequence[CommitteeVote]:
        return [v for v in self.s.committee_votes if v.proposal_id == proposal_id]

    async def acted_on(self, plan_id: int, nip: str) -> Collection[int]:
        in_plan = {i for i, p in self.s.proposals.items() if p.plan_id == plan_id}
        voted = {v.proposal_id for v in self.s.committee_votes if v.member_nip == nip}
        decided = {d.proposal_id for d in self.s.decisions if d.approver_nip == nip}
        return (voted | decided) & in_plan


class Outbox(_Repo):
    async def add(self, message: OutboxMessage) -> OutboxMessage:
        if message.dedupe_key and any(
            m.dedupe_key == message.dedupe_key for m in self.s.outbox.values()
        ):
            raise Conflict("duplicate")
        stored = dataclasses.replace(message, id=self.uow.store.new_id())
        self.s.outbox[stored_id(stored)] = stored
        return stored

    async def due(self, now: dt.datetime, take: OutboxTake) -> Sequence[OutboxMessage]:
        limit, per_chat, skip_chats = take.limit, take.per_chat, take.skip_chats
        due = sorted(
            (
                m
                for m in self.s.outbox.values()
                if m.status == OutboxStatus.PENDING
                and (m.next_attempt_at is None or m.next_attempt_at <= now)
                and m.chat_id not in skip_chats
            ),
            key=send_order,
        )
        taken: dict[int, int] = {}
        found: list[OutboxMessage] = []
        for message in due:
            taken[message.chat_id] = taken.get(message.chat_id, 0) + 1
            if per_chat is None or taken[message.chat_id] <= per_chat:
                found.append(message)
        return found[:limit]

    async def update(self, message: OutboxMessage) -> None:
        self.s.outbox[stored_id(message)] = message

    async def get_by_dedupe_key(self, dedupe_key: str) -> OutboxMessage | None:
        for message in self.s.outbox.values():
            if message.dedupe_key == dedupe_key:
                return message
        return None

    async def claim(self, expected: OutboxMessage, new: OutboxMessage) -> bool:
        current = self.s.outbox.get(stored_id(expected))
        if current is None or (current.status, current.attempts) != (
            expected.status,
            expected.attempts,
        ):
            return False
        self.s.outbox[stored_id(new)] = new
        return True

    async def list_by_dedupe_prefix(self, prefix: str) -> Sequence[OutboxMessage]:
        return sorted(
            (m for m in self.s.outbox.values() if (m.dedupe_key or "").startswith(prefix)),
            key=lambda m: m.id or 0,
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        return self.s.outbox.get(message_id)

    async def release_claims(self, owner: str) -> int:
        taken = [
            m
            for m in self.s.outbox.values()
            if m.status == OutboxStatus.SENDING and m.claimed_by != owner
        ]
        for m in taken:
            self.s.outbox[stored_id(m)] = dataclasses.replace(
                m, status=OutboxStatus.PENDING, claimed_by=None
            )
        return len(taken)

    async def reopen_undeliverable(self, chat_id: int, now: dt.datetime) -> int:
        held = [
            m
            for m in self.s.outbox.values()
            if m.chat_id == chat_id and m.status == OutboxStatus.UNDELIVERABLE
        ]
        for m in held:
            self.s.outbox[stored_id(m)] = dataclasses.replace(
                m, status=OutboxStatus.PENDING, next_attempt_at=now, claimed_by=None
            )
        return len(held)

    async def mark_sent(self, message_id: int, telegram_message_id: int | None) -> bool:
        current = self.s.outbox.get(message_id)
        if current is None or current.status != OutboxStatus.PENDING:
            return False
        self.s.outbox[message_id] = dataclasses.replace(
            current, status=OutboxStatus.SENT, telegram_message_id=telegram_message_id
        )
        return True

    async def list(self, status: str | None = None) -> Sequence[OutboxMessage]:
        return [m for m in self.s.outbox.values() if status is None or m.status.value == status]


class Evaluations(_Repo):
    async def add(self, evaluation: Evaluation) -> None:
        if any(
            (e.proposal_id, e.rater_nip, e.kind)
            == (evaluation.proposal_id, evaluation.rater_nip, evaluation.kind)
            for e in self.s.evaluations
        ):
            raise Conflict("rated")
        self.s.evaluations.append(evaluation)

    async def list_for(self, proposal_id: int) -> Sequence[Evaluation]:
        return [e for e in self.s.evaluations if e.proposal_id == proposal_id]


class Audit(_Repo):
    async def add(self, event: AuditEvent) -> None:
        self.s.audit.append(event)

    async def list(self, subject: str | None = None) -> Sequence[AuditEvent]:
        return [e for e in self.s.audit if subject is None or e.subject == subject]


class Delegations(_Repo):
    async def add(self, delegation: Delegation) -> Delegation:
        stored = dataclasses.replace(delegation, id=self.uow.store.new_id())
        self.s.delegations.append(stored)
        return stored

    async def update(self, delegation: Delegation) -> None:
        self.s.delegations[:] = [
            delegation if d.id == delegation.id else d for d in self.s.delegations
        ]

    async def list_for(self, nip: str) -> Sequence[Delegation]:
        return [d for d in self.s.delegations if nip in (d.approver_nip, d.delegate_nip)]

    async def list_all(self) -> Sequence[Delegation]:
        return list(self.s.delegations)


class Invitations(_Repo):
    async def get(self, code_hash: str) -> Invitation | None:
        return self.s.invitations.get(code_hash)

    async def add(self, invitation: Invitation) -> None:
        self.s.invitations[invitation.code_hash] = invitation

    async def mark_used(self, code_hash: str, telegram_user_id: int, at: dt.datetime) -> bool:
        current = self.s.invitations.get(code_hash)
        if current is None or current.used_at is not None:
            return False
        self.s.invitations[code_hash] = dataclasses.replace(
            current, used_at=at, used_by_telegram_id=telegram_user_id
        )
        return True

    async def expire_unused(self, nips: Sequence[str], at: dt.datetime) -> list[str]:
        live = [
            i
            for i in self.s.invitations.values()
            if i.nip in nips and i.used_at is None and i.expires_at > at
        ]
        for i in live:
            self.s.invitations[i.code_hash] = dataclasses.replace(i, expires_at=at, replaced_at=at)
        return sorted({i.nip for i in live})


class InvitationAttempts(_Repo):
    async def add(self, telegram_user_id: int, at: dt.datetime) -> None:
        self.s.invitation_attempts.append((telegram_user_id, at))

    def _since(self, telegram_user_id: int, since: dt.datetime) -> list[dt.datetime]:
        return [a for u, a in self.s.invitation_attempts if u == telegram_user_id and a >= since]

    async def count_since(self, telegram_user_id: int, since: dt.datetime) -> int:
        return len(self._since(telegram_user_id, since))

    async def oldest_since(self, telegram_user_id: int, since: dt.datetime) -> dt.datetime | None:
        return min(self._since(telegram_user_id, since), default=None)


class Inbox(_Repo):
    async def store(self, update_id: int, payload: dict[str, Any], now: dt.datetime) -> bool:
        if update_id in self.s.inbox:
            return False
        self.s.inbox[update_id] = (payload, now, None)
        return True

    async def unhandled(self, limit: int = 1000) -> Sequence[tuple[int, dict[str, Any]]]:
        waiting = sorted((k, v[0]) for k, v in self.s.inbox.items() if v[2] is None)
        return waiting[:limit]

    async def mark_handled(self, update_id: int, now: dt.datetime) -> None:
        payload, received, handled = self.s.inbox[update_id]
        if handled is None:
            self.s.inbox[update_id] = ({}, received, now)

    async def is_handled(self, update_id: int) -> bool:
        entry = self.s.inbox.get(update_id)
        return entry is not None and entry[2] is not None

    async def last_update_id(self) -> int | None:
        return max(self.s.inbox, default=None)

    async def prune(self, handled_before: dt.datetime) -> int:
        old = [k for k, v in self.s.inbox.items() if v[2] is not None and v[2] < handled_before]
        for k in old:
            del self.s.inbox[k]
        return len(old)


class FakeUnitOfWork:
    """A transaction over a Store: works on a copy, `commit` publishes it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.work: Store | None = None
        self.base = Store()
        self.units: UnitRepository = Units(self)
        self.employees: EmployeeRepository = Employees(self)
        self.activities: ActivityRepository = Activities(self)
        self.jabatan: JabatanRepository = Jabatan(self)
        self.roles: RoleRepository = Roles(self)
        self.accounts: AccountRepository = Accounts(self)
        self.invitations: InvitationRepository = Invitations(self)
        self.invitation_attempts: InvitationAttemptRepository = InvitationAttempts(self)
        self.inbox: InboxRepository = Inbox(self)
        self.aspirations: AspirationRepository = Aspirations(self)
        self.workload_reports: WorkloadReportRepository = Reports(self)
        self.plans: PlanRepository = Plans(self)
        self.proposals: ProposalRepository = Proposals(self)
        self.decisions: DecisionRepository = Decisions(self)
        self.outbox: OutboxRepository = Outbox(self)
        self.evaluations: EvaluationRepository = Evaluations(self)
        self.audit: AuditRepository = Audit(self)
        self.delegations: DelegationRepository = Delegations(self)
        self.committee_votes: CommitteeVoteRepository = CommitteeVotes(self)

    async def __aenter__(self) -> Self:
        self.base = copy.deepcopy(self.store)
        self.work = copy.deepcopy(self.store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.work = None

    async def commit(self) -> None:
        """Publish only what this transaction changed, so concurrent ones do not clobber."""
        assert self.work is not None
        for f in dataclasses.fields(Store):
            if f.name == "next_id":
                continue
            base, work, target = (getattr(x, f.name) for x in (self.base, self.work, self.store))
            if isinstance(work, dict):
                for key in set(base) | set(work):
                    if key not in work:
                        target.pop(key, None)
                    elif base.get(key) != work[key]:
                        target[key] = copy.deepcopy(work[key])
            else:
                for item in work:
                    if item not in base:
                        target.append(copy.deepcopy(item))
                for item in base:
                    if item not in work and item in target:
                        target.remove(item)
        self.base = copy.deepcopy(self.work)

    async def rollback(self) -> None:
        self.work = copy.deepcopy(self.store)
        self.base = copy.deepcopy(self.store)


class FakeUowFactory:
    """Makes FakeUnitOfWorks over one Store."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


class RecordingSender:
    """A Sender that records calls and answers from a script (default: sent)."""

    def __init__(self) -> None:
        self.sent: list[tuple[OutboxMessage, int | None]] = []
        self.script: dict[int, list[SendResult]] = {}
        self.next_message_id = 1000

    async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult:
        self.sent.append((message, edit_message_id))
        queue = self.script.get(message.chat_id)
        if queue:
            return queue.pop(0)
        self.next_message_id += 1
        return SendResult("sent", message_id=self.next_message_id)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(entity: _Stored | None) -> int:
    """The id a repository gave ENTITY (a plan, proposal, message...); fails if there is no
    entity or it was never stored."""
    assert entity is not None and entity.id is not None, f"{entity!r} was never stored"
    return entity.id
