"""The outbox's message kinds (core.domain.messages): one class per kind, each stored as JSON and
read
back the same at the db edge, each drawn by the sender in both languages.

That every kind HAS a renderer is checked by mypy (the exhaustive `match` in
handlers/outbox_render.py over core.domain.messages.TextPayload, and the narrowing in
bot/outbox_sender.py); these tests check that the registry is one-to-one and that what is
drawn reads as words in both languages.
"""

from __future__ import annotations

import inspect
import json
from typing import get_args

import pytest

import core.domain.messages
from core.domain.messages import (
    KIND_TYPES,
    AdminAlert,
    ApprovalDigest,
    AspirationRenew,
    DigestRefresh,
    LiveDigest,
    OutboxPayload,
    PlanSummary,
    TextPayload,
    UnreachedMove,
    WorkloadReminder,
)
from db.outbox_codec import PayloadError, decode, encode
from handlers.i18n import translator
from handlers.outbox_render import render_text
from handlers.reminders import render_aspiration_renew, render_workload_reminder
from tests.support.outbox_samples import SAMPLES

KINDS = sorted(KIND_TYPES)


def test_each_kind_is_one_class_and_each_class_one_kind() -> None:
    members = get_args(OutboxPayload)
    assert len(KIND_TYPES) == len(members) >= 26
    assert set(KIND_TYPES.values()) == set(members)
    assert all(KIND_TYPES[cls.KIND] is cls for cls in members)
    # Every class of core.domain.messages that names a kind is in the union (none forgotten).
    named = {
        cls
        for _, cls in inspect.getmembers(core.domain.messages, inspect.isclass)
        if cls.__module__ == "core.domain.messages" and isinstance(getattr(cls, "KIND", None), str)
    }
    assert named == set(members)


def test_the_sender_has_exactly_one_way_for_each_kind() -> None:
    text = set(get_args(TextPayload))
    live = set(get_args(LiveDigest))
    assert live == {ApprovalDigest, DigestRefresh}
    assert text.isdisjoint(live | {PlanSummary})
    assert text | live | {PlanSummary} == set(get_args(OutboxPayload))


def test_there_is_a_sample_of_every_kind() -> None:
    assert set(SAMPLES) == set(KIND_TYPES.values())
    assert all(type(sample) is cls for cls, sample in SAMPLES.items())


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_stored_as_json_and_read_back_the_same(kind: str) -> None:
    payload = SAMPLES[KIND_TYPES[kind]]
    stored = json.loads(json.dumps(encode(payload)))
    assert "KIND" not in stored and isinstance(stored, dict)
    assert decode(kind, stored) == payload


def test_a_payload_that_does_not_fit_its_kind_is_refused_by_name() -> None:
    with pytest.raises(PayloadError, match="reminder"):
        decode("reminder", {"proposal_id": "seven"})
    with pytest.raises(PayloadError, match="no_such_kind"):
        decode("no_such_kind", {})


def test_a_no_approver_alert_stored_before_the_payloads_were_typed_still_reads() -> None:
    stored = {
        "alert": "no_approver",
        "proposals": [{"id": 9, "nip": "199001012015032001", "from": "PKM-A", "to": "PKM-B"}],
        "stage": 1,
    }
    assert decode("admin_alert", stored) == AdminAlert(
        alert="no_approver",
        proposals=(
            UnreachedMove(id=9, nip="199001012015032001", from_unit="PKM-A", to_unit="PKM-B"),
        ),
        stage=1,
    )


TEXT_KINDS: list[type[TextPayload]] = sorted(get_args(TextPayload), key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", TEXT_KINDS, ids=lambda c: c.__name__)
def test_every_text_kind_reads_as_words_in_both_languages(cls: type[TextPayload]) -> None:
    payload = SAMPLES[cls]
    assert isinstance(payload, cls)
    texts = {language: render_text(translator(language), payload)[0] for language in ("id", "en")}
    assert texts["id"].strip() and texts["en"].strip()
    assert texts["id"] != texts["en"]


def test_flow_reminders_render_in_both_languages() -> None:
    renewal, missing = SAMPLES[AspirationRenew], SAMPLES[WorkloadReminder]
    assert isinstance(renewal, AspirationRenew) and isinstance(missing, WorkloadReminder)
    for language in ("id", "en"):
        t = translator(language)
        renew, renew_keys = render_aspiration_renew(t, renewal)
        work, work_keys = render_workload_reminder(t, missing)
        assert "2027" in renew and renew_keys is not None
        assert "Puskesmas Playen" in work and work_keys is not None
    assert translator("id")("reminder.workload_button") != translator("en")(
        "reminder.workload_button"
    )


#: The keys each kind was stored with before the kinds shared their common facts (an edit's
#: `edit_of`, a proposal's outcome, the move shown, the undecided list, which digest) through
#: base classes; rows stored then must still read, so the stored keys stay flat and the same.
KEYS_STORED_BEFORE_SHARED_BASES: dict[str, set[str]] = {
    "approval_card": {
        "proposal_id",
        "content",
        "stage",
        "stage_name",
        "stage_count",
        "escalated",
        "waited_limit",
        "committee",
    },
    "card_outcome": {
        "edit_of",
        "proposal_id",
        "outcome",
        "by_name",
        "reason",
        "content",
        "stage",
        "decided_stage",
        "stage_count",
        "next_stage",
        "next_stage_name",
    },
    "committee_tally": {"edit_of", "card", "yes", "no", "open", "voted", "reason"},
    "reminder_digest": {"count", "ids", "expires_in"},
    "escalation_digest": {"count", "ids", "days"},
    "approval_digest": {"plan_id", "stage", "nip", "count"},
    "digest_refresh": {"edit_of", "plan_id", "stage", "nip", "count"},
    "objection_card_outcome": {"edit_of", "proposal_id", "outcome", "by_name", "objection"},
    "notice": {"proposal_id", "content", "objection_days"},
    "notice_outcome": {"edit_of", "proposal_id", "outcome", "content", "objection_days"},
    "supervisor_info": {"proposal_id", "direction", "content"},
}


@pytest.mark.parametrize("kind", sorted(KEYS_STORED_BEFORE_SHARED_BASES))
def test_kinds_sharing_a_fact_store_the_keys_they_stored_before(kind: str) -> None:
    stored = encode(SAMPLES[KIND_TYPES[kind]])
    assert set(stored) == KEYS_STORED_BEFORE_SHARED_BASES[kind]


def test_a_digest_refresh_stored_before_the_shared_bases_still_reads() -> None:
    stored = {"edit_of": "digest:4:0:1990", "plan_id": 4, "stage": 0, "nip": "1990", "count": 12}
    assert decode("digest_refresh", stored) == DigestRefresh(
        edit_of="digest:4:0:1990", plan_id=4, stage=0, nip="1990", count=12
    )
