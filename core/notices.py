"""What a card and a transfer notice say, as data built from the engine's explanation.

The words are the bot's (handlers render them through i18n); the numbers come from here.
Everything here round-trips through JSON, because it travels in outbox payloads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.domain import Employee, TransferProposal, Unit
from core.eligibility import months_between
from core.rebalance.model import Move

#: PP 11/2017 Pasal 190: at most 5 years in one post; longer is shown as a reason to rotate.
ROTATION_DUE_MONTHS = 60

#: Legal basis cited on every notice (proper names of regulations; not translated). Only the
#: article we are sure of is named: PP 11/2017 Pasal 190 (who may be moved, 2 to 5 years in
#: post); the procedure is Peraturan BKN 5/2019; workload figures follow PermenPANRB 1/2020.
LEGAL_BASIS: tuple[str, ...] = (
    "UU 20/2023 tentang ASN",
    "PP 11/2017 jo. PP 17/2020 tentang Manajemen PNS, Pasal 190",
    "Peraturan BKN 5/2019 tentang Tata Cara Pelaksanaan Mutasi",
    "PermenPANRB 1/2020 tentang Pedoman Analisis Jabatan dan Analisis Beban Kerja",
)


@dataclass(frozen=True, slots=True)
class SideFigures:
    """Staffing of one (unit, family) before and after the plan, against ABK need."""

    unit_code: str
    unit_name: str
    family: str
    required: float
    staff_before: int
    staff_after: int

    @property
    def gap_before(self) -> float:
        """Staff minus need before the plan (positive: surplus)."""
        return round(self.staff_before - self.required, 2)

    @property
    def gap_after(self) -> float:
        """Staff minus need after the plan."""
        return round(self.staff_after - self.required, 2)


@dataclass(frozen=True, slots=True)
class TransferContent:
    """Everything a card or a notice shows about one proposed transfer."""

    proposal_id: int
    nip: str
    name: str
    jabatan: str
    golongan: str
    origin: SideFigures
    destination: SideFigures
    tmt: str | None
    aspiration_rank: int | None
    skills_matched: tuple[str, ...]
    training: tuple[str, ...]
    distance_before_km: float | None
    distance_after_km: float | None
    objective_delta: float | None
    chain_size: int
    alternative: str | None
    alternative_delta: float | None = None
    months_in_unit: int | None = None
    aspiration_reason: str | None = None  # the person's reason category (career, family, ...)
    long_tenure: bool | None = None  # the engine's "over max_tenure_months" (None: older plans)
    legal_basis: tuple[str, ...] = LEGAL_BASIS
    #: The move needs the Minister's written approval before it takes effect (freeze window
    #: or acting head; `ApprovalRules.minister_needed`).
    freeze_note: bool = False
    #: The jabatan needs a new SIP for the destination facility before the TMT (PP 28/2024).
    butuh_sip: bool = False

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> TransferContent:
        """Back from `to_payload`."""
        values = dict(data)
        values["origin"] = SideFigures(**values["origin"])
        values["destination"] = SideFigures(**values["destination"])
        for key in ("skills_matched", "training", "legal_basis"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


def _side(
    raw: dict[str, Any] | None, unit_code: str, units: dict[str, Unit], family: str
) -> SideFigures:
    raw = raw or {}
    code = str(raw.get("unit", unit_code))
    unit = units.get(code)
    return SideFigures(
        unit_code=code,
        unit_name=unit.name if unit else code,
        family=str(raw.get("family", family)),
        required=float(raw.get("required", 0.0)),
        staff_before=int(raw.get("staff_before", 0)),
        staff_after=int(raw.get("staff_after", 0)),
    )


def transfer_content(
    proposal: TransferProposal,
    employee: Employee | None,
    units: dict[str, Unit],
    *,
    freeze: bool = False,
    today: dt.date | None = None,
) -> TransferContent:
    """Card/notice content for `proposal` from its stored explanation
    (docs/optimisation.md, explanations)."""
    explanation = proposal.explanation
    family = employee.jabatan if employee else ""
    destination_unit = units.get(proposal.to_unit)
    person_skills = set(employee.skills) if employee else set()
    needed = destination_unit.skills_needed if destination_unit else ()
    training = tuple(skill for skill in needed if skill not in person_skills)
    # No home on record: no distance (the engine's figure would be from a default point).
    home_known = employee is not None and None not in (employee.home_lat, employee.home_lon)
    distance = (explanation.get("distance_km") or {}) if home_known else {}
    rank = explanation.get("aspiration_rank")
    chain = explanation.get("chain") or []
    assert proposal.id is not None
    return TransferContent(
        proposal_id=proposal.id,
        nip=proposal.nip,
        name=employee.name if employee else proposal.nip,
        jabatan=employee.jabatan if employee else "",
        golongan=employee.golongan if employee else "",
        origin=_side(explanation.get("origin"), proposal.from_unit, units, family),
        destination=_side(explanation.get("destination"), proposal.to_unit, units, family),
        tmt=proposal.tmt.isoformat() if proposal.tmt else None,
        aspiration_rank=int(rank) if rank is not None else None,
        skills_matched=tuple(explanation.get("skills_matched") or ()),
        training=training,
        distance_before_km=_maybe_float(distance.get("before")),
        distance_after_km=_maybe_float(distance.get("after")),
        objective_delta=_maybe_float(explanation.get("objective_delta")),
        chain_size=len(chain),
        alternative=_alternative_name(explanation.get("alternative"), units),
        alternative_delta=_maybe_float(
            (explanation.get("alternative") or {}).get("objective_delta")
        ),
        freeze_note=freeze,
        butuh_sip=proposal.butuh_sip,
        months_in_unit=(
            months_between(employee.tmt_unit, today) if employee and today is not None else None
        ),
        aspiration_reason=_maybe_str(explanation.get("aspiration_reason")),
        long_tenure=(bool(explanation["long_tenure"]) if "long_tenure" in explanation else None),
    )


def _maybe_str(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _alternative_name(raw: Any, units: dict[str, Unit]) -> str | None:
    """The next-best unit's name from the engine's `alternative` ({unit, objective_delta})."""
    if not isinstance(raw, dict) or not raw.get("unit"):
        return None
    code = str(raw["unit"])
    unit = units.get(code)
    return unit.name if unit else code


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class UnitBar:
    """One bar group of the plan chart: a (unit, family)'s need and staff before/after."""

    unit_code: str
    unit_name: str
    family: str
    required: float
    before: int
    after: int


def unit_bars(
    solution_moves: Sequence[Move],
    staff_by_unit_family: dict[tuple[str, str], int],
    demand: dict[tuple[str, str], float],
    units: dict[str, Unit],
    limit: int = 15,
) -> list[UnitBar]:
    """Bars for the plan chart: the (unit, family) rows the plan changes, largest absolute gap
    before the plan first, then unchanged rows; at most LIMIT."""
    after = dict(staff_by_unit_family)
    families: dict[str, str] = {}
    for move in solution_moves:
        family = move.explanation.origin.family
        families[move.employee] = family
        after[(move.from_unit, family)] = after.get((move.from_unit, family), 0) - 1
        after[(move.to_unit, family)] = after.get((move.to_unit, family), 0) + 1
    keys = set(demand) | set(staff_by_unit_family)
    bars = [
        UnitBar(
            unit_code=code,
            unit_name=units[code].name if code in units else code,
            family=family,
            required=round(demand.get((code, family), 0.0), 2),
            before=staff_by_unit_family.get((code, family), 0),
            after=after.get((code, family), 0),
        )
        for code, family in keys
    ]
    # Rows the plan changes first (the chart shows those), each group largest gap first.
    bars.sort(
        key=lambda b: (b.after == b.before, -abs(b.before - b.required), b.unit_code, b.family)
    )
    return bars[:limit]


def bars_to_payload(bars: list[UnitBar]) -> list[dict[str, Any]]:
    """JSON-ready bars."""
    return [asdict(bar) for bar in bars]


def bars_from_payload(data: list[dict[str, Any]]) -> list[UnitBar]:
    """Back from `bars_to_payload`."""
    return [UnitBar(**item) for item in data]


def format_date(value: str | dt.date | None) -> str | None:
    """ISO date text (or None) for payloads."""
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
