"""The composition module: the agency's settings become core rules here, once.

Everything else (the jobs, the handlers, the command line) receives the rules built here and
never reads a setting to build a rule of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from bot.settings import Settings
from core.domain.abk import CategoryThresholds
from core.domain.working_time import WorkingTime, parse_work_days
from core.rebalance.model import Policy, Weights
from core.usecases.approval.chain import ApprovalRules, ApprovalStage, parse_chain
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.committee import Committee, majority, with_committee
from core.usecases.outbox import DispatchPolicy
from core.usecases.planning import PlanningRules, SolveSnapshot
from core.usecases.rules import AgencyRules
from core.usecases.workload import WorkloadPolicy

T = TypeVar("T")


def same_named(kind: type[T], settings: Settings, **named_otherwise: Any) -> T:
    """The rule dataclass KIND with each field taken from the setting of the same name
    (`tmt_months_ahead` is MUTASI_TMT_MONTHS_AHEAD wherever a rule reads it); NAMED_OTHERWISE
    gives the fields whose value is built or named differently, and wins over a same-named
    setting. A field with neither keeps its default; one without a default raises TypeError
    at start, so a setting renamed away is never dropped silently."""
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    same = {f.name: getattr(settings, f.name) for f in fields if f.name in Settings.model_fields}
    return kind(**(same | named_otherwise))


def rules_of(settings: Settings) -> AgencyRules:
    """Every rule of the agency, built once at start (docs/architecture.md, "Wiring")."""
    return same_named(
        AgencyRules,
        settings,
        name=settings.agency_name,
        planning=planning_rules_of(settings),
        eligibility=same_named(EligibilityPolicy, settings),
        workload=WorkloadPolicy(
            settings.wke_minutes,
            CategoryThresholds(),
            average_months=settings.workload_average_months,
            change_percent=settings.workload_change_percent,
        ),
        engine=engine_policy(settings),
        dispatch=DispatchPolicy(
            chat_per_second=settings.outbox_chat_per_second,
            group_per_minute=settings.outbox_group_per_minute,
        ),
    )


def working_time_of(settings: Settings) -> WorkingTime:
    """The agency's working hours and days."""
    return WorkingTime(
        zone=settings.zone,
        start=settings.work_hours_start,
        end=settings.work_hours_end,
        days=parse_work_days(settings.work_days),
    )


def committee_of(settings: Settings) -> Committee | None:
    """The committee deciding the stage MUTASI_COMMITTEE_STAGE of the approval chain
    (core.usecases.committee): the members MUTASI_COMMITTEE_MEMBERS (NIPs in the agency's
    order), the quorum MUTASI_COMMITTEE_QUORUM (a majority of them when unset) and its name;
    None when no stage is a committee. Raises core.domain.errors.InvalidInput."""
    if settings.committee_stage is None:
        return None
    members = tuple(n for n in settings.committee_members.split(",") if n)
    return Committee(
        settings.committee_stage,
        members,
        settings.committee_quorum or majority(len(members)),
        settings.committee_name,
    )


def stages_of(settings: Settings, committee: Committee | None) -> tuple[ApprovalStage, ...]:
    """The stages of MUTASI_APPROVAL_CHAIN, COMMITTEE's stage marked as the committee's.
    Raises core.domain.errors.InvalidInput when the chain has no such stage or it is the
    last one."""
    return with_committee(parse_chain(settings.approval_chain), committee)


def approval_rules_of(settings: Settings) -> ApprovalRules:
    """The approval chain and its timings."""
    committee = committee_of(settings)
    return same_named(
        ApprovalRules,
        settings,
        stages=stages_of(settings, committee),
        committee=committee,
        working_time=working_time_of(settings),
        freeze_window=settings.freeze_dates,
        cards_max=settings.approval_cards_max,
        freeze_windows=settings.election_freeze_windows,
    )


def planning_rules_of(settings: Settings) -> PlanningRules:
    """The plan step's rules: the approval rules, the solver's time limit (seconds), the WKE
    (minutes) and how many months of accepted workload make the need."""
    return PlanningRules(
        approval_rules_of(settings),
        time_limit_seconds=settings.solver_time_limit,
        wke_minutes=settings.wke_minutes,
        workload_months=settings.workload_average_months,
    )


def engine_policy(settings: Settings) -> Policy:
    """The optimisation policy from the agency's settings (docs/optimisation.md, docs/rules.md;
    weights: the defaults, plus the two issue 15 weights)."""
    weights = Weights(
        very_willing=settings.weight_very_willing, long_tenure=settings.weight_long_tenure
    )
    return same_named(Policy, settings, weights=weights)


def solver_of(rules: AgencyRules) -> SolveSnapshot:
    """The rebalancing engine with the agency's policy, as the plan step's SolveSnapshot."""
    from core.usecases.engine_adapter import engine_solver  # OR-Tools loads when a plan is made

    return engine_solver(
        rules.engine,
        wke_minutes=rules.workload.wke_minutes,
        tmt_months_ahead=rules.approval.tmt_months_ahead,
        expiry_working_days=rules.approval.expiry_working_days,
    )
