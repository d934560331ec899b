"""The composition module: the agency's settings become core rules here, once.

Everything else (the jobs, the handlers, the command line) receives the rules built here and
never reads a setting to build a rule of its own.
"""

from __future__ import annotations

from bot.settings import Settings
from core.abk import CategoryThresholds
from core.approval import ApprovalRules, parse_chain
from core.aspirations import EligibilityPolicy
from core.outbox import DispatchPolicy
from core.planning import PlanningRules, SolveSnapshot
from core.rebalance.model import Policy, Weights
from core.rules import AgencyRules
from core.working_time import WorkingTime, parse_work_days
from core.workload import WorkloadPolicy


def rules_of(settings: Settings) -> AgencyRules:
    """Every rule of the agency, built once at start (docs/architecture.md, "Wiring")."""
    return AgencyRules(
        name=settings.agency_name,
        language=settings.language,
        planning=planning_rules_of(settings),
        eligibility=EligibilityPolicy(
            settings.min_tenure_months,
            settings.retirement_guard_months,
            settings.aspiration_months,
            teacher_min_tenure_months=settings.teacher_min_tenure_months,
            skp_gate=settings.skp_gate,
            tmt_months_ahead=settings.tmt_months_ahead,
            expiry_working_days=settings.expiry_working_days,
        ),
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
        nightly_time=settings.nightly_time,
        invitation_days=settings.invitation_days,
        invitation_attempts_per_hour=settings.invitation_attempts_per_hour,
    )


def working_time_of(settings: Settings) -> WorkingTime:
    """The agency's working hours and days."""
    return WorkingTime(
        zone=settings.zone,
        start=settings.work_hours_start,
        end=settings.work_hours_end,
        days=parse_work_days(settings.work_days),
    )


def approval_rules_of(settings: Settings) -> ApprovalRules:
    """The approval chain and its timings."""
    return ApprovalRules(
        stages=parse_chain(settings.approval_chain),
        working_time=working_time_of(settings),
        tmt_months_ahead=settings.tmt_months_ahead,
        reminder_working_days=settings.reminder_working_days,
        expiry_working_days=settings.expiry_working_days,
        freeze_window=settings.freeze_dates,
        objection_days=settings.objection_days,
        cards_max=settings.approval_cards_max,
        escalation_working_days=settings.escalation_working_days,
        freeze_windows=settings.election_freeze_windows,
        acting_head=settings.acting_head,
        objection_decision_working_days=settings.objection_decision_working_days,
        objection_escalation_working_days=settings.objection_escalation_working_days,
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
    return Policy(
        min_tenure_months=settings.min_tenure_months,
        retirement_guard_months=settings.retirement_guard_months,
        max_home_distance_km=settings.max_home_distance_km,
        spouse_max_distance_km=settings.spouse_max_distance_km,
        arrivals_fraction=settings.arrivals_fraction,
        departures_fraction=settings.departures_fraction,
        min_moves_cap=settings.min_moves_cap,
        max_total_moves=settings.max_total_moves,
        voluntary_only=settings.voluntary_only,
        teacher_min_tenure_months=settings.teacher_min_tenure_months,
        max_tenure_months=settings.max_tenure_months,
        skp_gate=settings.skp_gate,
        weights=Weights(
            very_willing=settings.weight_very_willing, long_tenure=settings.weight_long_tenure
        ),
    )


def solver_of(rules: AgencyRules) -> SolveSnapshot:
    """The rebalancing engine with the agency's policy, as the plan step's SolveSnapshot."""
    from core.engine_adapter import engine_solver  # OR-Tools loads when a plan is made

    return engine_solver(
        rules.engine,
        wke_minutes=rules.workload.wke_minutes,
        tmt_months_ahead=rules.approval.tmt_months_ahead,
        expiry_working_days=rules.approval.expiry_working_days,
    )
