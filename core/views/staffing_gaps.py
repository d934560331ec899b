"""Which (unit, jabatan) have more or fewer people than their ABK need, largest gaps first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.domain import Activity, Employee, Unit
from core.domain.abk import (
    DEFAULT_AVERAGE_MONTHS,
    DEFAULT_WKE_MINUTES,
    CategoryThresholds,
    EfficiencyCategory,
    staffing_by_family,
    workload_figures,
)
from core.ports import UnitOfWorkFactory
from core.usecases.workload import accepted_workload

#: A gap smaller than this many FTE is "about right" and not listed.
DEFAULT_MIN_GAP_FTE = 1.0
DEFAULT_THRESHOLDS = CategoryThresholds()


@dataclass(frozen=True, slots=True)
class StaffingGap:
    """One (unit, jabatan): staff in post against the ABK need."""

    unit_code: str
    unit_name: str
    opd: str
    jabatan: str
    staff_in_post: int
    required_fte: float
    efficiency: float | None
    category: EfficiencyCategory | None

    @property
    def surplus(self) -> float:
        """Staff in post minus need: positive means too many people, negative too few."""
        return self.staff_in_post - self.required_fte


@dataclass(frozen=True, slots=True)
class StaffingSummary:
    """Over- and under-staffed (unit, jabatan), largest gaps first, and agency totals."""

    over: tuple[StaffingGap, ...]
    under: tuple[StaffingGap, ...]
    families: int
    units: int
    staff_in_post: int
    required_fte: float
    total_surplus: float  # sum of positive gaps over all (unit, jabatan), listed or not
    total_shortage: float  # sum of negative gaps, as a positive number
    min_gap_fte: float


def staffing_summary(
    units: Iterable[Unit],
    employees: Iterable[Employee],
    activities: Iterable[Activity],
    *,
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    thresholds: CategoryThresholds = DEFAULT_THRESHOLDS,
    min_gap_fte: float = DEFAULT_MIN_GAP_FTE,
) -> StaffingSummary:
    """Compare staff in post with the ABK need for every (unit, jabatan) that has either."""
    unit_by_code = {unit.code: unit for unit in units}
    # Jabatan written differently (case, punctuation, abbreviation) count as one jabatan.
    table = staffing_by_family(employees, activities, wke_minutes)
    gaps: list[StaffingGap] = []
    for key in sorted(table):
        unit_code, jabatan = key
        figures = workload_figures(table[key].minutes, table[key].staff, wke_minutes, thresholds)
        unit = unit_by_code.get(unit_code)
        gaps.append(
            StaffingGap(
                unit_code=unit_code,
                unit_name=unit.name if unit else unit_code,
                opd=unit.opd if unit else "",
                jabatan=jabatan,
                staff_in_post=figures.staff_in_post,
                required_fte=figures.required_fte,
                efficiency=figures.efficiency,
                category=figures.category,
            )
        )
    over = sorted((g for g in gaps if g.surplus >= min_gap_fte), key=lambda g: -g.surplus)
    under = sorted((g for g in gaps if -g.surplus >= min_gap_fte), key=lambda g: g.surplus)
    return StaffingSummary(
        over=tuple(over),
        under=tuple(under),
        families=len(gaps),
        units=len({g.unit_code for g in gaps}),
        staff_in_post=sum(g.staff_in_post for g in gaps),
        required_fte=sum(g.required_fte for g in gaps),
        total_surplus=sum(max(0.0, g.surplus) for g in gaps),
        total_shortage=sum(max(0.0, -g.surplus) for g in gaps),
        min_gap_fte=min_gap_fte,
    )


async def read_staffing_summary(
    uow_factory: UnitOfWorkFactory,
    *,
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    thresholds: CategoryThresholds = DEFAULT_THRESHOLDS,
    min_gap_fte: float = DEFAULT_MIN_GAP_FTE,
    workload_months: int = DEFAULT_AVERAGE_MONTHS,
) -> StaffingSummary:
    """The staffing summary of what the database holds now (reads only), with the need the plan
    uses: ABK volumes averaged over the latest WORKLOAD_MONTHS accepted monthly reports."""
    async with uow_factory() as uow:
        units = await uow.units.list()
        employees = await uow.employees.list()
        activities = await accepted_workload(uow, workload_months)
    return staffing_summary(
        units,
        employees,
        activities,
        wke_minutes=wke_minutes,
        thresholds=thresholds,
        min_gap_fte=min_gap_fte,
    )
