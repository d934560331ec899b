"""Every rule of one agency in one frozen value, built once at start from the agency's settings
by the composition root (bot.composition) and handed to the jobs, the handlers and the command
line; none of them reads a setting to build a rule of its own.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from core.domain.working_time import WorkingTime
from core.rebalance.model import Policy
from core.usecases.approval.chain import ApprovalRules
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.outbox import DispatchPolicy
from core.usecases.planning import PlanningRules
from core.usecases.workload import WorkloadPolicy


@dataclass(frozen=True, slots=True)
class AgencyRules:
    """One agency's rules for the whole cycle (docs/architecture.md, "The cycle").

    - `name`: who runs the bot (the bot's profile, the privacy notice); `language`: the default
      language of its messages, "id" or "en".
    - `planning`: the plan step (solver time limit in seconds, WKE in minutes, the workload
      months) with the approval rules inside (`approval`, also reachable directly).
    - `eligibility`: who may be moved at all (docs/rules.md); `workload`: the ABK settings.
    - `engine`: the rebalancing engine's policy (docs/optimisation.md).
    - `dispatch`: how the outbox sends (rates per second and per minute).
    - `nightly_time`: when the plan step runs each night, in the agency's zone.
    - `invitation_days`: how long an invitation code is valid; `invitation_attempts_per_hour`:
      wrong codes one Telegram account may try per hour.
    """

    name: str
    language: str
    planning: PlanningRules
    eligibility: EligibilityPolicy
    workload: WorkloadPolicy
    engine: Policy
    dispatch: DispatchPolicy
    nightly_time: dt.time
    invitation_days: int
    invitation_attempts_per_hour: int

    @property
    def approval(self) -> ApprovalRules:
        """The approval chain and its timings (working days, freeze windows, objections)."""
        return self.planning.approval

    @property
    def working_time(self) -> WorkingTime:
        """The agency's working hours and days."""
        return self.planning.approval.working_time

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The agency's time zone: dates people read and schedules are in it."""
        return self.working_time.zone
