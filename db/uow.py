"""The SQL unit of work: one session, one transaction; only `commit` makes changes durable."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.ports import UnitOfWork, UnitOfWorkFactory
from db.access_repositories import (
    SqlAccountRepository,
    SqlInvitationRepository,
    SqlRoleRepository,
)
from db.aspiration_repository import SqlAspirationRepository
from db.audit_repository import SqlAuditRepository
from db.committee_repository import SqlCommitteeVoteRepository
from db.delegation_repository import SqlDelegationRepository
from db.engine import session_factory as make_session_factory
from db.inbox_repository import (
    SqlInboxRepository,
    SqlInvitationAttemptRepository,
    mark_handled_in,
)
from db.organisation_repositories import (
    SqlActivityRepository,
    SqlEmployeeRepository,
    SqlJabatanRepository,
    SqlUnitRepository,
)
from db.outbox_repository import SqlOutboxRepository
from db.transfer_repositories import (
    SqlDecisionRepository,
    SqlEvaluationRepository,
    SqlPlanRepository,
    SqlProposalRepository,
)
from db.workload_repository import SqlWorkloadReportRepository


class SqlUnitOfWork(UnitOfWork):
    """core.ports.UnitOfWork over one AsyncSession; leaving without `commit` rolls back.

    It subclasses the port, so its repository attributes are the ones the port declares (typed
    as the ports: attributes of a Protocol are invariant), set when it is entered."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside `async with`)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session_factory()
        self._session = session
        self.units = SqlUnitRepository(session)
        self.employees = SqlEmployeeRepository(session)
        self.activities = SqlActivityRepository(session)
        self.jabatan = SqlJabatanRepository(session)
        self.roles = SqlRoleRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.invitations = SqlInvitationRepository(session)
        self.aspirations = SqlAspirationRepository(session)
        self.workload_reports = SqlWorkloadReportRepository(session)
        self.plans = SqlPlanRepository(session)
        self.proposals = SqlProposalRepository(session)
        self.decisions = SqlDecisionRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.evaluations = SqlEvaluationRepository(session)
        self.audit = SqlAuditRepository(session)
        self.delegations = SqlDelegationRepository(session)
        self.committee_votes = SqlCommitteeVoteRepository(session)
        self.inbox = SqlInboxRepository(session)
        self.invitation_attempts = SqlInvitationAttemptRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Make everything done so far durable; the unit of work stays usable. Inside update
        handling, the update is marked handled in this same transaction (db.inbox_repository)."""
        await mark_handled_in(self.session)
        await self.session.commit()

    async def rollback(self) -> None:
        """Discard everything not yet committed."""
        await self.session.rollback()


def uow_factory(
    sessions: async_sessionmaker[AsyncSession] | AsyncEngine,
) -> UnitOfWorkFactory:
    """A core.ports.UnitOfWorkFactory: each call gives a fresh SqlUnitOfWork."""
    if isinstance(sessions, AsyncEngine):
        sessions = make_session_factory(sessions)
    factory = sessions

    def new_unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    return new_unit_of_work
