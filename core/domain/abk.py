"""ABK (Analisis Beban Kerja) arithmetic: workload minutes, FTE need, efficiency, category."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from core.domain import Activity, Employee, WorkloadReport
from core.domain.consistency import canonical_names
from core.domain.eligibility import JabatanInfo, catalogue_by_key, jabatan_info

DEFAULT_WKE_MINUTES = 75_000.0
#: How many of the latest accepted monthly reports make the need (a setting).
DEFAULT_AVERAGE_MONTHS = 3
#: A report moving a (unit, jabatan) FTE by more than this percentage asks for confirmation.
DEFAULT_CHANGE_PERCENT = 50.0
#: (unit code, jabatan): the key ABK figures are kept under.
FamilyKey = tuple[str, str]
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


def minutes_by_family(activities: Iterable[Activity]) -> dict[FamilyKey, float]:
    """Workload minutes per (unit, jabatan): Σ annual volume × norma waktu of its activities.

    This is the one place the ABK activities are summed; the engine's snapshot, the plan's
    chart, the staffing-gap report, /unit and the workload report all read need through it.
    """
    minutes: dict[FamilyKey, float] = defaultdict(float)
    for a in activities:
        minutes[(a.unit_code, a.jabatan)] += a.annual_volume * a.minutes_per_output
    return dict(minutes)


#: The family a (jabatan, mapel) counts in: a person's or an ABK activity's.
FamilyOf = Callable[[str, str | None], str]


def by_jabatan(jabatan: str, mapel: str | None) -> str:
    """Families are jabatan (the staffing-gap report's reading)."""
    return jabatan


def engine_families(catalogue: Iterable[JabatanInfo] = ()) -> FamilyOf:
    """The engine's families: a teacher with a `mapel` (and an ABK activity with one) counts
    in "jabatan · mapel", so a teacher fills only their subject's need; everyone else in their
    jabatan. Whether a jabatan is a teacher's comes from CATALOGUE (core.domain.eligibility
    defaults
    for jabatan it does not list)."""
    lookup = catalogue_by_key(catalogue)

    def family(jabatan: str, mapel: str | None) -> str:
        if mapel and jabatan_info(jabatan, lookup).jenis == "guru":
            return f"{jabatan} · {mapel}"
        return jabatan

    return family


def canonical_jabatan(
    employees: Iterable[Employee], activities: Iterable[Activity]
) -> Callable[[str], str]:
    """The spelling a jabatan is counted under: names that differ only by case, punctuation,
    spaces or a common abbreviation are one jabatan, written as most ABK rows write it (else as
    most staff hold it; core.domain.consistency.canonical_names). A name not in the records is
    returned as written."""
    names = canonical_names(employees, activities)
    return lambda jabatan: names.get(jabatan, jabatan)


def canonical_families(
    employees: Iterable[Employee],
    activities: Iterable[Activity],
    family: FamilyOf = by_jabatan,
) -> FamilyOf:
    """FAMILY read on the canonical spelling of the jabatan (`canonical_jabatan` over these
    records): the family function every count of staff or workload uses, so "perawat
    terampil" and "Perawat Terampil" never split a headcount."""
    canonical = canonical_jabatan(employees, activities)
    return lambda jabatan, mapel: family(canonical(jabatan), mapel)


@dataclass(frozen=True, slots=True)
class FamilyStaffing:
    """The ABK figures of one (unit, family): workload minutes, FTE need (minutes / WKE) and
    the staff in post; `has_abk` when any ABK activity is recorded for it."""

    minutes: float
    required_fte: float
    staff: int
    has_abk: bool

    @property
    def demand(self) -> float:
        """The need a plan works to: the FTE need, or the staff in post when the (unit,
        family) has no ABK activity (nobody is moved in or out on a guess)."""
        return self.required_fte if self.has_abk else float(self.staff)


def staffing_by_family(
    employees: Iterable[Employee],
    activities: Iterable[Activity],
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    family: FamilyOf = by_jabatan,
) -> dict[FamilyKey, FamilyStaffing]:
    """The one ABK aggregation: per (unit code, family) of every pair that has staff or ABK
    activities, the workload minutes (Σ annual volume × norma waktu), the FTE need (minutes /
    WKE, PermenPANRB 1/2020) and the headcount. Jabatan written differently count as one,
    under their canonical spelling (`canonical_families`); FAMILY then groups them
    (`by_jabatan`, or `engine_families` for the rebalancing engine's subject families). The
    engine's snapshot, the plan's chart, the staffing-gap report, /unit and the workload
    preview all read their numbers here.

    Raises ValueError when WKE is not positive.
    """
    if wke_minutes <= 0:
        raise ValueError("WKE must be positive")
    employees, activities = list(employees), list(activities)
    of = canonical_families(employees, activities, family)
    minutes = minutes_by_family(replace(a, jabatan=of(a.jabatan, a.mapel)) for a in activities)
    staff: dict[FamilyKey, int] = defaultdict(int)
    for e in employees:
        staff[(e.unit_code, of(e.jabatan, e.mapel))] += 1
    return {
        key: FamilyStaffing(
            minutes=minutes.get(key, 0.0),
            required_fte=minutes.get(key, 0.0) / wke_minutes,
            staff=staff.get(key, 0),
            has_abk=key in minutes,
        )
        # ABK pairs in activity order, then pairs with staff only: the engine sees its units'
        # families in a stable order.
        for key in [*minutes, *(k for k in staff if k not in minutes)]
    }


def demand_by_family(table: Mapping[FamilyKey, FamilyStaffing]) -> dict[FamilyKey, float]:
    """The need a plan works to per (unit, family) (`FamilyStaffing.demand`)."""
    return {key: figures.demand for key, figures in table.items()}


def need_by_family(
    activities: Iterable[Activity], wke_minutes: float = DEFAULT_WKE_MINUTES
) -> dict[FamilyKey, float]:
    """FTE need per (unit, jabatan) = workload minutes / WKE (PermenPANRB 1/2020 ABK formula).

    Raises ValueError when WKE is not positive.
    """
    if wke_minutes <= 0:
        raise ValueError("WKE must be positive")
    return {key: value / wke_minutes for key, value in minutes_by_family(activities).items()}


def accepted_annual_volume(
    document_annual: float, reported_monthly: Sequence[float], months: int
) -> float:
    """The annual volume the need uses: the mean of the last MONTHS months, times 12.

    REPORTED_MONTHLY holds the activity's volume in each of the latest accepted monthly reports
    (at most MONTHS of them). Months not (yet) reported count at the ABK document's figure
    (DOCUMENT_ANNUAL / 12), so a single month never replaces the year's figure at once.
    Raises ValueError when MONTHS < 1.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    window = list(reported_monthly)[:months]
    missing = months - len(window)
    return (annualise_monthly(sum(window)) + missing * document_annual) / months


def accepted_activities(
    activities: Iterable[Activity],
    reports: Iterable[WorkloadReport],
    months: int = DEFAULT_AVERAGE_MONTHS,
) -> list[Activity]:
    """ACTIVITIES with `annual_volume` replaced by the accepted figure from monthly REPORTS.

    REPORTS are accepted reports (one per (unit, jabatan, month), the newest of that month);
    per (unit, jabatan) only the latest MONTHS months are used, see `accepted_annual_volume`.
    An activity a report does not mention counts at the document figure for that month.
    Activities of a (unit, jabatan) without reports keep the ABK document's volume.
    """
    by_family: dict[FamilyKey, list[WorkloadReport]] = defaultdict(list)
    for report in reports:
        by_family[(report.unit_code, report.jabatan)].append(report)
    for family in by_family.values():
        family.sort(key=lambda r: r.month, reverse=True)
    result: list[Activity] = []
    for a in activities:
        window = by_family.get((a.unit_code, a.jabatan), [])[:months]
        if not window:
            result.append(a)
            continue
        reported = [r.volumes[a.name] for r in window if a.name in r.volumes]
        annual = accepted_annual_volume(a.annual_volume, reported, months)
        result.append(replace(a, annual_volume=annual))
    return result


def report_minutes(activities: Iterable[Activity], volumes: dict[str, float]) -> float:
    """Annual workload minutes one month's VOLUMES (activity name -> count) stand for."""
    return workload_minutes(
        (annualise_monthly(volumes.get(a.name, 0.0)), a.minutes_per_output) for a in activities
    )


def is_large_change(
    previous_fte: float, new_fte: float, percent: float = DEFAULT_CHANGE_PERCENT
) -> bool:
    """True when NEW_FTE differs from PREVIOUS_FTE by more than PERCENT % of PREVIOUS_FTE.

    From zero, any positive figure is a large change. Raises ValueError when PERCENT <= 0.
    """
    if percent <= 0:
        raise ValueError("percent must be positive")
    if previous_fte <= 0:
        return new_fte > 0
    return abs(new_fte - previous_fte) / previous_fte * 100.0 > percent
