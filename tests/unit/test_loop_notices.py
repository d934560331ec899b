"""Card and notice content from the engine's explanation; the plan chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from core.domain import Employee, TransferProposal, Unit
from core.domain.abk import FamilyStaffing
from core.domain.messages import Notice, PlanSummary
from core.domain.notices import (
    transfer_content,
    unit_bars,
)
from core.rebalance.documents import ExplanationDocument
from core.rebalance.model import Explanation, Move
from db.outbox_codec import decode, encode
from handlers.charts import ChartLabels, render_plan_chart
from tests.support.outbox_samples import sample_of

UNITS = {
    "PKM-A": Unit("PKM-A", "Puskesmas Wonosari I", "Dinkes", -7.96, 110.6, ("keperawatan",)),
    "PKM-B": Unit(
        "PKM-B", "Puskesmas Playen", "Dinkes", -7.94, 110.55, ("keperawatan", "farmasi")
    ),
}
NURSE = Employee(
    "199001012015031001",
    "Siti Aminah",
    "PNS",
    "PKM-A",
    "Perawat Terampil",
    "II/c",
    dt.date(2019, 1, 1),
    58,
    skills=("keperawatan",),
    home_lat=-7.9,
    home_lon=110.5,
)
EXPLANATION: ExplanationDocument = {
    "origin": {
        "unit": "PKM-A",
        "family": "Perawat Terampil",
        "required": 11.2,
        "staff_before": 14,
        "staff_after": 13,
    },
    "destination": {
        "unit": "PKM-B",
        "family": "Perawat Terampil",
        "required": 9.6,
        "staff_before": 7,
        "staff_after": 8,
    },
    "aspiration_rank": 1,
    "skills_matched": ["keperawatan"],
    "distance_km": {"before": 12.3, "after": 8.1},
    "objective_delta": -135.0,
    "chain": [],
}


def proposal() -> TransferProposal:
    explanation = Explanation.from_dict(EXPLANATION)
    return TransferProposal(
        7, 1, NURSE.nip, "PKM-A", "PKM-B", explanation=explanation, tmt=dt.date(2027, 1, 1)
    )


def test_content_carries_the_numbers_behind_the_choice() -> None:
    content = transfer_content(proposal(), NURSE, UNITS)
    assert content.origin.gap_before == 2.8
    assert content.destination.gap_before == -2.6
    assert content.aspiration_rank == 1
    assert (content.distance_before_km, content.distance_after_km) == (12.3, 8.1)
    assert content.destination.unit_name == "Puskesmas Playen"
    assert content.tmt == "2027-01-01"


def test_no_distance_is_claimed_for_a_person_whose_home_is_unknown() -> None:
    homeless = dataclasses.replace(NURSE, home_lat=None, home_lon=None)
    content = transfer_content(proposal(), homeless, UNITS)
    assert (content.distance_before_km, content.distance_after_km) == (None, None)
    assert transfer_content(proposal(), None, UNITS).distance_before_km is None


def test_training_is_recommended_for_destination_skills_the_person_lacks() -> None:
    assert transfer_content(proposal(), NURSE, UNITS).training == ("farmasi",)


def test_content_survives_a_trip_through_the_outbox_payload() -> None:
    content = transfer_content(proposal(), NURSE, UNITS)
    notice = Notice(proposal_id=7, content=content)
    assert decode("notice", json.loads(json.dumps(encode(notice)))) == notice


def test_chart_bars_put_the_largest_gap_first_and_apply_the_moves() -> None:
    moves = [
        Move.from_dict(
            {"employee": NURSE.nip, "from": "PKM-A", "to": "PKM-B", "explanation": EXPLANATION}
        )
    ]
    table = {
        ("PKM-A", "Perawat Terampil"): FamilyStaffing(840_000.0, 11.2, 14, has_abk=True),
        ("PKM-B", "Perawat Terampil"): FamilyStaffing(720_000.0, 9.6, 7, has_abk=True),
    }
    bars = unit_bars(moves, table, UNITS)
    assert [(b.unit_code, b.before, b.after) for b in bars] == [("PKM-A", 14, 13), ("PKM-B", 7, 8)]
    summary = dataclasses.replace(sample_of(PlanSummary), bars=tuple(bars))
    assert decode("plan_summary", json.loads(json.dumps(encode(summary)))) == summary


def test_plan_chart_is_a_png() -> None:
    moves: list[Move] = []
    table = {("PKM-A", "x"): FamilyStaffing(187_500.0, 2.5, 3, has_abk=True)}
    bars = unit_bars(moves, table, UNITS)
    png = render_plan_chart(bars, ChartLabels("Plan", "ABK need", "Before", "After", "staff"))
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_the_card_names_the_next_best_unit_by_name_without_a_score() -> None:
    from handlers.i18n import translator
    from handlers.transfer_text import detail_lines

    explained: ExplanationDocument = {
        **EXPLANATION,
        "alternative": {"unit": "PKM-A", "objective_delta": 42.25},
    }
    content = transfer_content(
        TransferProposal(
            7, 1, NURSE.nip, "PKM-A", "PKM-B", explanation=Explanation.from_dict(explained)
        ),
        NURSE,
        UNITS,
    )
    assert (content.alternative, content.alternative_delta) == ("Puskesmas Wonosari I", 42.25)
    card = "\n".join(detail_lines(translator("id"), content))
    assert "Pilihan terbaik berikutnya: Puskesmas Wonosari I" in card
    assert "PKM-A" not in card and "poin" not in card and "42" not in card
    assert transfer_content(proposal(), NURSE, UNITS).alternative is None


def test_more_than_five_years_in_the_unit_is_shown_as_a_reason_to_rotate() -> None:
    from handlers.i18n import translator
    from handlers.transfer_text import reason_lines

    # NURSE has been in PKM-A since 2019-01-01.
    long_stay = transfer_content(proposal(), NURSE, UNITS, today=dt.date(2024, 2, 1))
    short_stay = transfer_content(proposal(), NURSE, UNITS, today=dt.date(2023, 12, 31))
    assert (long_stay.months_in_unit, short_stay.months_in_unit) == (61, 59)
    assert "Sudah 5 tahun 1 bulan di unit ini" in "\n".join(
        reason_lines(translator("id"), long_stay)
    )
    assert "di unit ini" not in "\n".join(reason_lines(translator("id"), short_stay))
    assert "5 years 1 month in this unit" in "\n".join(reason_lines(translator("en"), long_stay))


def test_the_engine_flag_decides_the_rotation_line_and_the_aspiration_reason_is_one_line() -> None:
    """The engine's long_tenure (MUTASI_MAX_TENURE_MONTHS) wins over the 60-month fallback."""
    from handlers.i18n import translator
    from handlers.transfer_text import reason_lines

    seven_years = dt.date(2026, 1, 2)  # NURSE arrived 2019-01-01
    flagged: ExplanationDocument = {
        **EXPLANATION,
        "long_tenure": True,
        "aspiration_reason": "family",
    }
    content = transfer_content(
        TransferProposal(
            7, 1, NURSE.nip, "PKM-A", "PKM-B", explanation=Explanation.from_dict(flagged)
        ),
        NURSE, UNITS,
        today=seven_years,
    )  # fmt: skip
    card = reason_lines(translator("id"), content)
    assert "⏳ Sudah 7 tahun di unit ini: lebih dari masa maksimal, saatnya rotasi" in "\n".join(
        card
    )
    assert [line for line in card if "Alasan yang disampaikan" in line] == [
        "💬 Alasan yang disampaikan ASN: Keluarga / ikut pasangan."
    ]
    unflagged: ExplanationDocument = {**EXPLANATION, "long_tenure": False}
    quiet = transfer_content(
        TransferProposal(
            7, 1, NURSE.nip, "PKM-A", "PKM-B", explanation=Explanation.from_dict(unflagged)
        ),
        NURSE, UNITS,
        today=seven_years,
    )  # fmt: skip
    assert "di unit ini" not in "\n".join(reason_lines(translator("id"), quiet))
