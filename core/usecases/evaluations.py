"""Flow 8: 90 days after the TMT the new supervisor and the ASN rate the move (1-5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from core.domain import AuditEvent, Evaluation, ProposalState
from core.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, StaleAction
from core.domain.messages import EvaluationRequest
from core.domain.working_time import WorkingTime
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.chain import supervisors_of
from core.usecases.outbox import chats_of, enqueue

EvaluationKind = Literal["performance", "adaptation", "move"]
SUPERVISOR_KINDS: tuple[EvaluationKind, ...] = ("performance", "adaptation")
ASN_KINDS: tuple[EvaluationKind, ...] = ("move",)


class AlreadyRated(StaleAction):
    """This rating was already given."""

    key = "error.already_rated"


async def request_due_evaluations(
    uow_factory: UnitOfWorkFactory, clock: Clock, working_time: WorkingTime, days: int = 90
) -> int:
    """Ask for ratings of transfers effective `days` ago or more; each request goes out once."""
    now = clock.now()
    today = working_time.local(now).date()
    asked = 0
    async with uow_factory() as uow:
        for proposal in await uow.proposals.list_by_state(ProposalState.EFFECTIVE.value):
            if proposal.tmt is None or proposal.id is None:
                continue
            if today < proposal.tmt + dt.timedelta(days=days):
                continue
            employee = await uow.employees.get(proposal.nip)
            unit = await uow.units.get(proposal.to_unit)
            targets: list[tuple[int, tuple[EvaluationKind, ...]]] = [
                (chat, SUPERVISOR_KINDS)
                for nip, chat, _lang in await supervisors_of(uow, proposal.to_unit)
                if nip != proposal.nip
            ]
            targets += [(chat, ASN_KINDS) for chat, _lang in await chats_of(uow, proposal.nip)]
            for chat_id, kinds in targets:
                for kind in kinds:
                    queued = await enqueue(
                        uow,
                        chat_id,
                        EvaluationRequest(
                            proposal_id=proposal.id,
                            kind=kind,
                            nip=proposal.nip,
                            name=employee.name if employee else proposal.nip,
                            to_unit=proposal.to_unit,
                            to_name=unit.name if unit else proposal.to_unit,
                        ),
                        now=now,
                        dedupe_key=f"evaluation:{proposal.id}:{kind}:{chat_id}",
                        not_before=working_time.next_open(now),
                        once=True,
                    )
                    asked += queued is not None
        await uow.commit()
    return asked


async def _may_rate(uow: UnitOfWork, proposal_id: int, rater_nip: str, kind: str) -> None:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(proposal=proposal_id)
    if proposal.state != ProposalState.EFFECTIVE:
        raise StaleAction(state=proposal.state.value)
    if kind in ASN_KINDS:
        if rater_nip != proposal.nip:
            raise NotAllowed()
        return
    if kind not in SUPERVISOR_KINDS:
        raise InvalidInput(f"unknown rating {kind!r}")
    if rater_nip not in {nip for nip, _c, _l in await supervisors_of(uow, proposal.to_unit)}:
        raise NotAllowed()


async def record_evaluation(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    proposal_id: int,
    rater_nip: str,
    kind: str,
    score: int,
) -> Evaluation:
    """Store one 1-5 rating by the person entitled to give it; a second one changes nothing."""
    if not 1 <= score <= 5:
        raise InvalidInput("score must be 1-5")
    now = clock.now()
    evaluation = Evaluation(proposal_id, rater_nip, cast(EvaluationKind, kind), score, now)
    try:
        async with uow_factory() as uow:
            await _may_rate(uow, proposal_id, rater_nip, kind)
            if any(
                (e.rater_nip, e.kind) == (rater_nip, kind)
                for e in await uow.evaluations.list_for(proposal_id)
            ):
                raise AlreadyRated()
            await uow.evaluations.add(evaluation)
            await uow.audit.add(
                AuditEvent(
                    rater_nip,
                    "evaluation.add",
                    f"proposal:{proposal_id}",
                    now,
                    None,
                    {"kind": kind, "score": score},
                )
            )
            await uow.commit()
    except Conflict:
        raise AlreadyRated() from None
    return evaluation


@dataclass(frozen=True, slots=True)
class PlanEvaluationSummary:
    """Average ratings of a plan's transfers (for plan reports)."""

    rated_transfers: int
    averages: dict[str, float]


async def plan_evaluations(uow: UnitOfWork, plan_id: int) -> PlanEvaluationSummary:
    """Mean score per kind over the plan's rated transfers."""
    scores: dict[str, list[int]] = {}
    rated = 0
    for proposal in await uow.proposals.list_for_plan(plan_id):
        found = await uow.evaluations.list_for(proposal.id or 0)
        rated += bool(found)
        for evaluation in found:
            scores.setdefault(evaluation.kind, []).append(evaluation.score)
    return PlanEvaluationSummary(
        rated, {k: round(sum(v) / len(v), 2) for k, v in sorted(scores.items())}
    )
