"""Workload reports (flow 3): a month's volumes per activity, the resulting FTE and EJ category."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.abk import CategoryThresholds, WorkloadFigures, annualise_monthly, workload_figures
from core.access import Caller, require_unit_scope
from core.consistency import jabatan_key
from core.domain import Activity, AuditEvent, Role, WorkloadReport
from core.errors import InvalidInput, NotFound
from core.ports import UnitOfWork
from core.values import AmbiguousNumber, UnreadableValue, read_number

MAX_MONTHLY_VOLUME = 1_000_000.0
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class NotANumber(InvalidInput):
    """Text arrived where a volume belongs."""

    key = "error.not_a_number"


class AmbiguousVolume(InvalidInput):
    """Typed text that reads as two different numbers, e.g. "1,250": values `first` (decimal
    comma) and `second` (thousands comma) are `core.values.Reading`s; the person is asked to
    write it so only one reading is possible."""

    key = "error.ambiguous_number"


@dataclass(frozen=True, slots=True)
class WorkloadPolicy:
    """The ABK settings: effective working minutes per person-year and the category bounds."""

    wke_minutes: float = 75_000.0
    thresholds: CategoryThresholds = CategoryThresholds()


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """One activity with the month's reported volume."""

    activity: Activity
    monthly_volume: float

    @property
    def annual_volume(self) -> float:
        """The month's volume as a year's."""
        return annualise_monthly(self.monthly_volume)


@dataclass(frozen=True, slots=True)
class WorkloadPreview:
    """What the report would mean for the (unit, jabatan): per activity and in total."""

    unit_code: str
    jabatan: str
    month: str
    lines: tuple[ActivityLine, ...]
    figures: WorkloadFigures


def parse_volume(text: str) -> float:
    """A month's volume typed by a person, read by `core.values.read_number` like every file
    ("12", "12,5", "1.000" = a thousand, "1.250,5"); 0 to MAX_MONTHLY_VOLUME.

    Raises AmbiguousVolume for text two conventions read differently ("1,250"), NotANumber for
    anything else outside the accepted forms or the range.
    """
    shown = text.strip()[:40]
    try:
        value = read_number(text)
    except AmbiguousNumber as error:
        first, second = error.readings
        raise AmbiguousVolume(text=shown, first=first, second=second) from None
    except UnreadableValue:
        raise NotANumber(text=shown) from None
    if not 0 <= value <= MAX_MONTHLY_VOLUME:
        raise NotANumber(text=shown)
    return value


def parse_month(text: str, today: dt.date) -> str:
    """A report month `YYYY-MM`, not in the future; InvalidInput otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(field="month")
    if (int(match.group(1)), int(match.group(2))) > (today.year, today.month):
        raise InvalidInput(field="month")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def recent_months(today: dt.date, count: int = 3) -> list[str]:
    """The current and previous months, newest first, as `YYYY-MM`."""
    index = today.year * 12 + today.month - 1
    return [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in range(count)]


async def reportable_jabatan(uow: UnitOfWork, unit_code: str) -> list[str]:
    """The jabatan of a unit that have ABK activities, sorted."""
    return sorted({a.jabatan for a in await uow.activities.list() if a.unit_code == unit_code})


async def preview_workload(
    uow: UnitOfWork,
    *,
    unit_code: str,
    jabatan: str,
    month: str,
    volumes: Mapping[str, float],
    policy: WorkloadPolicy,
) -> WorkloadPreview:
    """FTE and EJ the month's VOLUMES (activity name -> count) would give; writes nothing."""
    activities: Sequence[Activity] = await uow.activities.list_for(unit_code, jabatan)
    if not activities:
        raise NotFound(unit=unit_code, jabatan=jabatan)
    known = {a.name for a in activities}
    unknown = sorted(set(volumes) - known)
    if unknown:
        raise InvalidInput(field="activity", activity=unknown[0])
    if any(v < 0 for v in volumes.values()):
        raise InvalidInput(field="volume")
    lines = tuple(ActivityLine(a, float(volumes.get(a.name, 0.0))) for a in activities)
    minutes = sum(line.annual_volume * line.activity.minutes_per_output for line in lines)
    # Staff whose jabatan is written differently (case, punctuation, abbreviation) count too.
    key = jabatan_key(jabatan)
    staff = sum(
        1 for e in await uow.employees.list_by_unit(unit_code) if jabatan_key(e.jabatan) == key
    )
    figures = workload_figures(minutes, staff, policy.wke_minutes, policy.thresholds)
    return WorkloadPreview(unit_code, jabatan, month, lines, figures)


async def record_workload_report(
    uow: UnitOfWork,
    *,
    caller: Caller,
    unit_code: str,
    jabatan: str,
    month: str,
    volumes: Mapping[str, float],
    now: dt.datetime,
    policy: WorkloadPolicy,
) -> WorkloadPreview:
    """Store the report and the annualised volumes as the accepted figures; commits, audited."""
    unit = await uow.units.get(unit_code)
    if unit is None:
        raise NotFound(unit=unit_code)
    require_unit_scope(caller, Role.SUPERVISOR, unit)
    preview = await preview_workload(
        uow, unit_code=unit_code, jabatan=jabatan, month=month, volumes=volumes, policy=policy
    )
    before = {line.activity.name: line.activity.annual_volume for line in preview.lines}
    report = await uow.workload_reports.add(
        WorkloadReport(
            unit_code=unit_code,
            jabatan=jabatan,
            month=month,
            volumes={line.activity.name: line.monthly_volume for line in preview.lines},
            reported_by=caller.nip,
            reported_at=now,
        )
    )
    for line in preview.lines:
        a = line.activity
        await uow.activities.upsert(
            Activity(
                a.unit_code,
                a.jabatan,
                a.name,
                a.output_unit,
                a.minutes_per_output,
                line.annual_volume,
            )
        )
    await uow.audit.add(
        AuditEvent(
            caller.nip,
            "workload.report",
            f"unit:{unit_code}/{jabatan}",
            now,
            {"annual_volumes": before},
            {
                "report_id": report.id,
                "month": month,
                "annual_volumes": {ln.activity.name: ln.annual_volume for ln in preview.lines},
                "required_fte": round(preview.figures.required_fte, 4),
                "category": preview.figures.category,
            },
        )
    )
    await uow.commit()
    return preview
