"""Repositories for the transfer loop: plans, proposals, approval decisions, evaluations.
Uniqueness rules are enforced by the database and surface as core.domain.errors.Conflict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Row, Update, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.domain import (
    ApprovalDecision,
    Evaluation,
    Plan,
    ProposalLine,
    ProposalState,
    TransferProposal,
)
from core.domain.errors import Conflict
from core.rebalance.model import Explanation
from db.mapping import column_values, from_row
from db.repositories import ProposalRecords, SqlRepository
from db.rows import ApprovalDecisionRow, EvaluationRow, PlanRow, TransferProposalRow
from db.statements import insert_rows_returning

# ----------------------------------------------------------------------------- plans


def plan_from_row(row: PlanRow) -> Plan:
    """The domain value of a plan row."""
    return from_row(Plan, row)


class SqlPlanRepository(SqlRepository):
    """core.ports.PlanRepository over `plans` (one real plan per date)."""

    async def add(self, plan: Plan) -> Plan:
        """Store a plan; Conflict if a real plan already exists for its date."""
        stored = await self._add_unless_taken(plan_from_row, PlanRow, column_values(plan))
        if stored is None:
            raise Conflict("a plan already exists for this date", plan_date=plan.plan_date)
        return stored

    async def get(self, plan_id: int) -> Plan | None:
        """The plan with this id."""
        return await self._first_where(plan_from_row, PlanRow, PlanRow.id == plan_id)

    async def latest(self) -> Plan | None:
        """The newest real (not dry-run) plan."""
        row = await self._one_or_none(
            select(PlanRow)
            .where(PlanRow.dry_run.is_(False))
            .order_by(PlanRow.plan_date.desc(), PlanRow.id.desc())
            .limit(1)
        )
        return plan_from_row(row) if row else None

    async def latest_id(self) -> int | None:
        """The id of the newest real (not dry-run) plan; its solution is not read."""
        result = await self.session.scalars(
            select(PlanRow.id)
            .where(PlanRow.dry_run.is_(False))
            .order_by(PlanRow.plan_date.desc(), PlanRow.id.desc())
            .limit(1)
        )
        return result.first()

    async def not_granted_for(self, plan_id: int, nip: str) -> list[tuple[str, str]]:
        """(aspiration unit code, reason code) of each entry of plan PLAN_ID's `not_granted`
        list about NIP, in stored order. Only that list is read out of the solution document
        (a JSON path in SQL), not its moves."""
        result = await self.session.scalars(
            select(PlanRow.solution["not_granted"]).where(PlanRow.id == plan_id)
        )
        entries = result.first()
        if not isinstance(entries, list):
            return []
        return [
            (str(e["aspiration"]), str(e["reason"]))
            for e in entries
            if isinstance(e, dict) and e.get("employee") == nip
        ]

    async def get_for_date(self, plan_date: dt.date) -> Plan | None:
        """The real (not dry-run) plan of that night, if any."""
        return await self._first_where(
            plan_from_row, PlanRow, PlanRow.plan_date == plan_date, PlanRow.dry_run.is_(False)
        )

    async def update(self, plan: Plan) -> None:
        """Store the plan's status, numbers and solution (date and dry-run are fixed)."""
        fixed = ("id", "plan_date", "created_at", "dry_run")
        await self._update_by_id(PlanRow, plan.id, "plan", **column_values(plan, skip=fixed))


# ------------------------------------------------------------------------- proposals


def proposal_from_row(row: TransferProposalRow | Row[Any]) -> TransferProposal:
    """The domain value of a proposal row."""
    return from_row(
        TransferProposal,
        row,
        explanation=Explanation.from_dict(row.explanation),
        state=ProposalState(row.state),
    )


def _line_from_row(row: Row[Any]) -> ProposalLine:
    return from_row(ProposalLine, row, state=ProposalState(row.state))


class SqlProposalRepository(SqlRepository):
    """core.ports.ProposalRepository over `transfer_proposals` (one pending per employee)."""

    async def add(self, proposal: TransferProposal) -> TransferProposal:
        """Store a proposal; Conflict if the employee already has a pending one."""
        stored = await self._add_unless_taken(
            proposal_from_row, TransferProposalRow, _proposal_values(proposal)
        )
        if stored is None:
            raise Conflict("employee already has a pending transfer", nip=proposal.nip)
        return stored

    async def add_many(self, proposals: Sequence[TransferProposal]) -> list[TransferProposal]:
        """Store many proposals with one multi-row INSERT ... RETURNING per chunk of rows (not
        one per proposal); returns them with their ids, in the given order. Conflict if an
        employee already has a pending proposal (the unit of work must then be left without
        commit: nothing of it is stored). (plan, NIP) must not repeat within PROPOSALS."""
        keys = [(p.plan_id, p.nip) for p in proposals]
        if len(set(keys)) != len(keys):
            raise ValueError("a plan proposes at most one move per employee")
        rows = [_proposal_values(p) for p in proposals]
        try:
            returned = await insert_rows_returning(
                self.session, TransferProposalRow.__table__, rows, ("plan_id", "nip", "id")
            )
        except IntegrityError as error:
            raise Conflict("employee already has a pending transfer") from error
        ids = {(plan_id, nip): int(new_id) for plan_id, nip, new_id in returned}
        return [replace(p, id=ids[key]) for p, key in zip(proposals, keys, strict=True)]

    async def get(self, proposal_id: int) -> TransferProposal | None:
        """The proposal with this id."""
        return await self._first_where(
            proposal_from_row, TransferProposalRow, TransferProposalRow.id == proposal_id
        )

    async def list_for_plan(self, plan_id: int) -> Sequence[TransferProposal]:
        """The proposals of one plan, in creation order."""
        return await self._in_creation_order(TransferProposalRow.plan_id == plan_id)

    async def lines_for_plan(
        self, plan_id: int, unit_codes: Collection[str] | None
    ) -> Sequence[ProposalLine]:
        """The moves of one plan from or to any of UNIT_CODES (None: every move), as light
        lines in creation order: seven plain columns, the explanation's JSON is not read."""
        proposal = TransferProposalRow
        statement = select(
            proposal.id,
            proposal.plan_id,
            proposal.nip,
            proposal.from_unit,
            proposal.to_unit,
            proposal.state,
            proposal.stage,
        ).where(proposal.plan_id == plan_id)
        if unit_codes is not None:
            codes = sorted(set(unit_codes))
            if not codes:
                return []
            statement = statement.where(
                or_(proposal.from_unit.in_(codes), proposal.to_unit.in_(codes))
            )
        return await self._converted(statement.order_by(proposal.id), _line_from_row)

    async def list_by_state(self, state: str) -> Sequence[TransferProposal]:
        """The proposals in one state, in creation order."""
        return await self._converted(
            select(TransferProposalRow.__table__)
            .where(TransferProposalRow.state == str(state))
            .order_by(TransferProposalRow.id),
            proposal_from_row,
        )

    async def list_for_nip(self, nip: str) -> Sequence[TransferProposal]:
        """Every proposal ever made for one employee, in creation order."""
        return await self._in_creation_order(TransferProposalRow.nip == nip)

    async def _in_creation_order(self, where: ColumnElement[bool]) -> list[TransferProposal]:
        return await self._list_where(
            proposal_from_row, TransferProposalRow, where, TransferProposalRow.id
        )

    async def list_pending_nips(self) -> Sequence[str]:
        """NIPs with a proposal awaiting a decision."""
        result = await self.session.scalars(
            select(TransferProposalRow.nip)
            .where(TransferProposalRow.state == ProposalState.PENDING.value)
            .order_by(TransferProposalRow.nip)
        )
        return list(result.all())

    async def update(self, proposal: TransferProposal) -> None:
        """Store the proposal's mutable fields unconditionally (prefer `transition`)."""
        if proposal.id is None:
            raise ValueError("cannot update a proposal without an id")
        await self._change(
            update(TransferProposalRow)
            .where(TransferProposalRow.id == proposal.id)
            .values(**_mutable_fields(proposal)),
            proposal,
        )

    async def transition(self, expected: TransferProposal, new: TransferProposal) -> bool:
        """Compare-and-set: store `new` only if the row still has `expected`'s state and stage
        and the after-approval gates as `expected` saw them (notice delivered, objected, SPMT,
        Minister's letter), so two writes that keep the state (an SPMT tap and a recorded
        letter) cannot undo each other with a stale copy: the later one is refused."""
        if expected.id is None or new.id != expected.id:
            raise ValueError("transition needs the same stored proposal before and after")
        row = TransferProposalRow
        seen = [
            column.is_(None) if value is None else column.is_not(None)
            for column, value in (
                (row.notice_delivered_at, expected.notice_delivered_at),
                (row.objected_at, expected.objected_at),
                (row.arrival_confirmed_at, expected.arrival_confirmed_at),
            )
        ]
        return await self._change(
            update(row)
            .where(
                row.id == expected.id,
                row.state == expected.state.value,
                row.stage == expected.stage,
                *seen,
                row.arrival_confirmed_by.is_not_distinct_from(expected.arrival_confirmed_by),
                row.minister_letter_number.is_not_distinct_from(expected.minister_letter_number),
                row.minister_letter_date.is_not_distinct_from(expected.minister_letter_date),
            )
            .values(**_mutable_fields(new)),
            new,
        )

    async def _change(self, statement: Update, proposal: TransferProposal) -> bool:
        """Run an UPDATE; a second pending proposal for the employee becomes Conflict and
        leaves the transaction usable (PostgreSQL needs a savepoint for that)."""
        statement = statement.execution_options(synchronize_session=False)
        try:
            if self.session.get_bind().dialect.name == "postgresql":
                async with self.session.begin_nested():
                    result = await self.session.execute(statement)
            else:
                result = await self.session.execute(statement)
        except IntegrityError as error:
            raise Conflict("employee already has a pending transfer", nip=proposal.nip) from error
        return bool(result.rowcount)  # type: ignore[attr-defined]


#: The columns of a proposal that never change once it is stored.
_FIXED_AT_CREATION = ("id", "plan_id", "nip", "from_unit", "to_unit", "butuh_sip")


def _proposal_values(
    proposal: TransferProposal, skip: Collection[str] = ("id",)
) -> dict[str, object]:
    return column_values(proposal, skip=skip, explanation=proposal.explanation.to_dict())


def _mutable_fields(proposal: TransferProposal) -> dict[str, object]:
    return _proposal_values(proposal, skip=_FIXED_AT_CREATION)


# ------------------------------------------------------------------------- decisions


class SqlDecisionRepository(
    ProposalRecords[ApprovalDecision], row=ApprovalDecisionRow, order=("stage",)
):
    """core.ports.DecisionRepository over `approval_decisions` (one per proposal and stage;
    `list_for` gives them by stage)."""

    async def add(self, decision: ApprovalDecision) -> None:
        """Record a stage's decision; Conflict if that stage was already decided."""
        if not await self._add_once(decision):
            raise Conflict(
                "this stage is already decided",
                proposal_id=decision.proposal_id,
                stage=decision.stage,
            )


# ----------------------------------------------------------------------- evaluations


class SqlEvaluationRepository(
    ProposalRecords[Evaluation], row=EvaluationRow, order=("rated_at", "id")
):
    """core.ports.EvaluationRepository over `evaluations` (one per proposal, rater and kind;
    `list_for` gives them oldest first)."""

    async def add(self, evaluation: Evaluation) -> None:
        """Record a rating; Conflict if this rater already gave this kind of rating."""
        if not await self._add_once(evaluation):
            raise Conflict("already rated", proposal_id=evaluation.proposal_id)
