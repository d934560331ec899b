"""What a card and a transfer notice say, as data built from the engine's explanation.

The words are the bot's (handlers render them through i18n); the numbers come from here.
These values travel in outbox payloads (core.domain.messages), stored as JSON by db.outbox_codec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import cast

from core.domain import Employee, TransferProposal, Unit
from core.domain.abk import FamilyKey, FamilyStaffing, demand_by_family
from core.domain.eligibility import months_between
from core.domain.plan_document import BarDocument
from core.rebalance.model import Move, StaffingSide

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


def _side(side: StaffingSide, units: dict[str, Unit]) -> SideFigures:
    """One side of the engine's explanation, with its unit's name."""
    return SideFigures(
        unit_code=side.unit,
        unit_name=_unit_name(side.unit, units),
        family=side.family,
        required=side.required,
        staff_before=side.staff_before,
        staff_after=side.staff_after,
    )


def _unit_name(code: str, units: dict[str, Unit]) -> str:
    unit = units.get(code)
    return unit.name if unit else code


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
    destination_unit = units.get(proposal.to_unit)
    person_skills = set(employee.skills) if employee else set()
    needed = destination_unit.skills_needed if destination_unit else ()
    training = tuple(skill for skill in needed if skill not in person_skills)
    # No home on record: no distance (the engine's figure would be from a default point).
    home_known = employee is not None and None not in (employee.home_lat, employee.home_lon)
    alternative = explanation.alternative
    assert proposal.id is not None
    return TransferContent(
        proposal_id=proposal.id,
        nip=proposal.nip,
        name=employee.name if employee else proposal.nip,
        jabatan=employee.jabatan if employee else "",
        golongan=employee.golongan if employee else "",
        origin=_side(explanation.origin, units),
        destination=_side(explanation.destination, units),
        tmt=proposal.tmt.isoformat() if proposal.tmt else None,
        aspiration_rank=explanation.aspiration_rank,
        skills_matched=explanation.skills_matched,
        training=training,
        distance_before_km=explanation.distance_before_km if home_known else None,
        distance_after_km=explanation.distance_after_km if home_known else None,
        objective_delta=explanation.objective_delta,
        chain_size=len(explanation.chain),
        alternative=_unit_name(alternative.unit, units)
        if alternative and alternative.unit
        else None,
        alternative_delta=alternative.objective_delta if alternative else None,
        freeze_note=freeze,
        butuh_sip=proposal.butuh_sip,
        months_in_unit=(
            months_between(employee.tmt_unit, today) if employee and today is not None else None
        ),
        aspiration_reason=explanation.aspiration_reason or None,
        long_tenure=explanation.long_tenure,
    )


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
    table: Mapping[FamilyKey, FamilyStaffing],
    units: dict[str, Unit],
    limit: int = 15,
) -> list[UnitBar]:
    """Bars for the plan chart: the (unit, family) rows the plan changes, largest absolute gap
    before the plan first, then unchanged rows; at most LIMIT. TABLE is the ABK aggregation
    the engine's instance was built from (core.domain.abk.staffing_by_family): need is its
    demand."""
    staff_by_unit_family = {key: figures.staff for key, figures in table.items()}
    demand = demand_by_family(table)
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


def bars_to_payload(bars: list[UnitBar]) -> list[BarDocument]:
    """JSON-ready bars (the plan document's `chart`)."""
    return [cast(BarDocument, asdict(bar)) for bar in bars]  # the same keys, by definition


def format_date(value: str | dt.date | None) -> str | None:
    """ISO date text (or None) for payloads."""
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
