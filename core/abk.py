"""ABK (Analisis Beban Kerja) arithmetic: workload minutes, FTE need, efficiency, category."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

DEFAULT_WKE_MINUTES = 75_000.0
EfficiencyCategory = Literal["A", "B", "C", "D", "E"]


@dataclass(frozen=True, slots=True)
class CategoryThresholds:
    """Lower bounds of categories A (exclusive) and B, C, D (inclusive); below D is E."""

    a_above: float = 1.00
    b_from: float = 0.90
    c_from: float = 0.70
    d_from: float = 0.50


@dataclass(frozen=True, slots=True)
class WorkloadFigures:
    """What the ABK arithmetic says about one (unit, jabatan)."""

    workload_minutes: float
    required_fte: float
    staff_in_post: int
    efficiency: float | None
    category: EfficiencyCategory | None

    @property
    def required_headcount(self) -> int:
        """The need as a person reads it: FTE rounded half-up."""
        return round_half_up(self.required_fte)

    @property
    def surplus(self) -> float:
        """Staff in post minus need (positive: too many people)."""
        return self.staff_in_post - self.required_fte


def round_half_up(value: float) -> int:
    """Round to a whole number like people do (2.5 -> 3), not like Python's banker's rounding."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_half_up_to(value: float, places: int) -> float:
    """Round to `places` decimals half-up, for figures shown to people (1.016 -> 1.02)."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def workload_minutes(items: Iterable[tuple[float, float]]) -> float:
    """Sum of volume x norma waktu (minutes) over (annual volume, minutes per output) pairs."""
    return float(sum(volume * minutes for volume, minutes in items))


def efficiency_category(
    efficiency: float, thresholds: CategoryThresholds = CategoryThresholds()
) -> EfficiencyCategory:
    """The A-E category of an efficiency ratio (workload / capacity)."""
    if efficiency > thresholds.a_above:
        return "A"
    if efficiency >= thresholds.b_from:
        return "B"
    if efficiency >= thresholds.c_from:
        return "C"
    if efficiency >= thresholds.d_from:
        return "D"
    return "E"


def workload_figures(
    minutes: float,
    staff_in_post: int,
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    thresholds: CategoryThresholds = CategoryThresholds(),
) -> WorkloadFigures:
    """FTE need, efficiency and category for a workload and the staff in post."""
    if wke_minutes <= 0:
        raise ValueError("WKE must be positive")
    fte = minutes / wke_minutes
    if staff_in_post <= 0:
        return WorkloadFigures(minutes, fte, staff_in_post, None, None)
    ej = minutes / (staff_in_post * wke_minutes)
    # Round the ratio before categorising so 0.695 and 0.70 read the same way people compute it.
    ej_shown = round_half_up_to(ej, 2)
    category = efficiency_category(ej_shown, thresholds)
    return WorkloadFigures(minutes, fte, staff_in_post, ej, category)


def annualise_monthly(volume_per_month: float) -> float:
    """Supervisors report a month's volume; ABK works per year."""
    return volume_per_month * 12.0
