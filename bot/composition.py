"""The composition module: the agency's settings become core rules here, once.

Everything else (the jobs, the handlers, the command line) receives the rules built here and
never reads a setting to build a rule of its own.
"""

from __future__ import annotations

from bot.settings import Settings
from core.planning import SolveSnapshot
from core.rebalance.model import Policy, Weights


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


def solver_of(settings: Settings) -> SolveSnapshot:
    """The rebalancing engine with the agency's policy, as the plan step's SolveSnapshot."""
    from core.engine_adapter import engine_solver  # OR-Tools loads when a plan is made

    return engine_solver(
        engine_policy(settings),
        wke_minutes=settings.wke_minutes,
        tmt_months_ahead=settings.tmt_months_ahead,
        expiry_working_days=settings.expiry_working_days,
    )
