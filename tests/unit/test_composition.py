"""The composition module (bot.composition): settings become the agency's rules once, and a
rule field named like a setting carries that setting's value."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.composition import committee_of, rules_of, same_named
from bot.settings import Settings
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.committee import Committee

#: The rule fields that take the setting of the same name (a setting renamed away fails here).
SAME_NAMED = {
    "": {"language", "nightly_time", "invitation_days", "invitation_attempts_per_hour"},
    "engine": {
        "min_tenure_months",
        "retirement_guard_months",
        "max_home_distance_km",
        "spouse_max_distance_km",
        "arrivals_fraction",
        "departures_fraction",
        "min_moves_cap",
        "max_total_moves",
        "voluntary_only",
        "teacher_min_tenure_months",
        "max_tenure_months",
        "skp_gate",
    },
    "eligibility": {
        "min_tenure_months",
        "retirement_guard_months",
        "aspiration_months",
        "teacher_min_tenure_months",
        "skp_gate",
        "tmt_months_ahead",
        "expiry_working_days",
    },
    "approval": {
        "tmt_months_ahead",
        "reminder_working_days",
        "expiry_working_days",
        "objection_days",
        "escalation_working_days",
        "acting_head",
        "objection_decision_working_days",
        "objection_escalation_working_days",
    },
}


def changed(value: Any) -> Any:
    """A valid setting other than VALUE (its default)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2
    if isinstance(value, dt.time):
        return dt.time(value.hour + 1, 30)
    return {None: 9, "id": "en"}[value]


def agency() -> Settings:
    """Settings where every same-named value differs from its default, and a few others."""
    default = Settings(_env_file=None)  # type: ignore[call-arg]
    names = set().union(*SAME_NAMED.values())
    values = {name: changed(getattr(default, name)) for name in names}
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        **values,
        approval_cards_max=3,
        freeze_window="2026-12-01..2026-12-31",
        agency_name="BKPSDM Gunungkidul",
    )


@pytest.mark.parametrize("part", sorted(SAME_NAMED))
def test_a_rule_field_named_like_a_setting_carries_its_value(part: str) -> None:
    settings = agency()
    rules = rules_of(settings)
    rule = getattr(rules, part) if part else rules
    for name in SAME_NAMED[part]:
        assert getattr(rule, name) == getattr(settings, name), (part, name)


def test_the_fields_named_otherwise_carry_the_settings_they_are_built_from() -> None:
    settings = agency()
    rules = rules_of(settings)
    assert rules.approval.freeze_window == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert rules.approval.cards_max == 3
    assert rules.name == "BKPSDM Gunungkidul"
    assert rules.nightly_time == dt.time(2, 30)
    assert rules.eligibility.min_tenure_months == 25
    assert rules.zone.key == "Asia/Jakarta"
    assert rules.planning.approval is rules.approval


def test_a_rule_field_with_no_setting_and_no_default_refuses_to_start() -> None:
    @dataclasses.dataclass(frozen=True)
    class Rule:
        min_tenure_months: int
        unheard_of: int

    with pytest.raises(TypeError):
        same_named(Rule, agency())
    assert same_named(Rule, agency(), unheard_of=1) == Rule(25, 1)


def test_named_otherwise_wins_over_a_same_named_setting() -> None:
    policy = same_named(EligibilityPolicy, agency(), min_tenure_months=12)
    assert policy.min_tenure_months == 12
    assert policy.aspiration_months == 13


def test_the_committee_is_built_here_into_the_approval_rules() -> None:
    members = ("197504042003041004", "197605052004052005", "198803032010011003")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        approval_chain="tpk,ppk",
        committee_stage="tpk",
        committee_members=" , ".join(members),
        committee_name="Tim  Penilai   Mutasi",
    )
    rules = rules_of(settings)
    # No quorum set: a majority of the three; the name as the agency wrote it, spaces tidied.
    assert rules.approval.committee == Committee("tpk", members, 2, "Tim Penilai Mutasi")
    assert committee_of(settings) == rules.approval.committee
    assert [(s.name, s.committee) for s in rules.approval.stages] == [
        ("tpk", True),
        ("ppk", False),
    ]
    assert rules.planning.approval.committee == rules.approval.committee
    plain = Settings(_env_file=None, approval_chain="tpk,ppk")  # type: ignore[call-arg]
    without = rules_of(plain)
    assert without.approval.committee is None and committee_of(plain) is None
    assert not any(s.committee for s in without.approval.stages)
