"""/unit as a view: the ABK status (FTE need, staff in post, EJ and its category) of each unit
the caller supervises, per jabatan that has ABK activities there.

Authorisation: a supervisor sees the units their grants cover (core.domain.access); a caller
who supervises no unit is refused with OutOfScope. The figures come from the one ABK
aggregation (core.domain.abk.staffing_by_family), so a jabatan written differently by the
employees file and the ABK file is one line with its whole headcount, as in the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.domain import Activity, Employee, Role, Unit
from core.domain.abk import (
    DEFAULT_AVERAGE_MONTHS,
    DEFAULT_WKE_MINUTES,
    CategoryThresholds,
    WorkloadFigures,
    staffing_by_family,
    workload_figures,
)
from core.domain.access import Caller, OutOfScope, units_in_scope
from core.ports import UnitOfWorkFactory
from core.usecases.workload import accepted_workload


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """A unit and each of its jabatan that has ABK activities there, sorted by name."""

    unit: Unit
    #: Empty when the unit has no ABK activity list yet.
    jabatan: tuple[JabatanStatus, ...]


@dataclass(frozen=True, slots=True)
class JabatanStatus:
    """One jabatan of a unit and its ABK figures. JABATAN is the spelling it is counted
    under (core.domain.abk.canonical_jabatan), whatever spellings its staff hold."""

    jabatan: str
    figures: WorkloadFigures


def unit_statuses(
    units: Iterable[Unit],
    employees: Iterable[Employee],
    activities: Iterable[Activity],
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    thresholds: CategoryThresholds | None = None,
) -> tuple[UnitStatus, ...]:
    """The status of each of UNITS (in the order given) from the records: per (unit, jabatan)
    with ABK activities, workload minutes, FTE need (minutes / WKE_MINUTES), staff in post and
    the EJ category within THRESHOLDS (the agency's bounds, as /bebankerja uses them). Raises
    ValueError when WKE is not positive."""
    table = staffing_by_family(employees, activities, wke_minutes)
    bounds = thresholds or CategoryThresholds()
    return tuple(
        UnitStatus(
            unit,
            tuple(
                JabatanStatus(
                    jabatan,
                    workload_figures(family.minutes, family.staff, wke_minutes, bounds),
                )
                for (code, jabatan), family in sorted(table.items())
                if code == unit.code and family.has_abk
            ),
        )
        for unit in units
    )


async def read_unit_statuses(
    uow_factory: UnitOfWorkFactory,
    caller: Caller,
    *,
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    thresholds: CategoryThresholds | None = None,
    workload_months: int = DEFAULT_AVERAGE_MONTHS,
) -> tuple[UnitStatus, ...]:
    """The status of the units CALLER supervises, sorted by name (reads only), with the need
    the plan uses: ABK volumes averaged over the latest WORKLOAD_MONTHS accepted monthly
    reports. Raises OutOfScope when the caller supervises no unit."""
    async with uow_factory() as uow:
        units = units_in_scope(caller, Role.SUPERVISOR, await uow.units.list())
        if not units:
            raise OutOfScope()
        activities = await accepted_workload(uow, workload_months)
        employees = await uow.employees.list()
    return unit_statuses(units, employees, activities, wke_minutes, thresholds)
