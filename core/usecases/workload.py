"""Workload reports (flow 3): a month's volumes per activity, the resulting FTE and EJ category."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain import Activity, AuditEvent, JsonValue, Role, WorkloadReport
from core.domain.abk import (
    DEFAULT_AVERAGE_MONTHS,
    DEFAULT_CHANGE_PERCENT,
    CategoryThresholds,
    WorkloadFigures,
    accepted_activities,
    annualise_monthly,
    canonical_jabatan,
    is_large_change,
    minutes_by_family,
    report_minutes,
    staffing_by_family,
    workload_figures,
)
from core.domain.access import Caller, require_unit_scope
from core.domain.errors import InvalidInput, NotFound
from core.domain.values import AmbiguousNumber, UnreadableValue, read_number
from core.ports import UnitOfWork

MAX_MONTHLY_VOLUME = 1_000_000.0
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class NotANumber(InvalidInput):
    """Text arrived where a volume belongs."""

    key = "error.not_a_number"


class AmbiguousVolume(InvalidInput):
    """Typed text that reads as two different numbers, e.g. "1,250": values `first` (decimal
    comma) and `second` (thousands comma) are `core.domain.values.Reading`s; the person is asked to
    write it so only one reading is possible."""

    key = "error.ambiguous_number"


class LargeChangeUnconfirmed(InvalidInput):
    """A report moving the FTE by more than the threshold was saved without the confirmation."""

    key = "error.workload_unconfirmed"


class FiguresChanged(InvalidInput):
    """What a report is compared with changed after the person saw the preview (another report
    of the same (unit, jabatan) came in); nothing was written, show the preview again."""

    key = "workload.changed_meanwhile"


@dataclass(frozen=True, slots=True)
class WorkloadPolicy:
    """The ABK settings: effective working minutes per person-year, the category bounds, how
    many accepted months make the need, and the FTE change (percent) that asks to confirm."""

    wke_minutes: float = 75_000.0
    thresholds: CategoryThresholds = CategoryThresholds()
    average_months: int = DEFAULT_AVERAGE_MONTHS
    change_percent: float = DEFAULT_CHANGE_PERCENT


@dataclass(frozen=True, slots=True)
class MonthlyVolumes:
    """What a supervisor enters for one month of one (unit, jabatan): activity name -> count
    (previewed by `preview_workload`, stored by `record_workload_report`)."""

    unit_code: str
    jabatan: str
    month: str  # YYYY-MM
    volumes: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class ReportMonth:
    """A month a supervisor may report (`YYYY-MM`); `running` when it has not ended yet."""

    month: str
    running: bool


@dataclass(frozen=True, slots=True)
class PreviousFigure:
    """What a new report is compared with: the last accepted report, or the ABK document."""

    required_fte: float
    month: str | None  # None: the ABK document's annual volumes (no report yet)
    report_id: int | None


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
    previous: PreviousFigure | None = None
    large_change: bool = False
    replaces: WorkloadReport | None = None  # the same month's accepted report, if any
    accepted_fte: float | None = None  # the need the plan uses once this report is accepted
    average_months: int = DEFAULT_AVERAGE_MONTHS

    @property
    def basis(self) -> str:
        """What the person is shown the report against, as a short token: the report it
        replaces, the report it is compared with, and whether the change is large. Saving with
        the token the person saw (`record_workload_report(seen=...)`) refuses a changed basis."""
        replaced = self.replaces.id if self.replaces is not None else None
        compared = self.previous.report_id if self.previous is not None else None
        return f"{replaced}:{compared}:{int(self.large_change)}"


def parse_volume(text: str) -> float:
    """A month's volume typed by a person, read by `core.domain.values.read_number` like every file
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


def report_months(today: dt.date, finished: int = 3) -> list[ReportMonth]:
    """The months offered for a report: FINISHED ended months newest first, then the running one.

    A month still in progress is offered last and marked, so a partial month is not reported
    by mistake as if it were complete.
    """
    index = today.year * 12 + today.month - 1
    months = [
        ReportMonth(f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}", False)
        for k in range(1, finished + 1)
    ]
    return [*months, ReportMonth(f"{today.year:04d}-{today.month:02d}", True)]


async def accepted_workload(
    uow: UnitOfWork, months: int = DEFAULT_AVERAGE_MONTHS
) -> list[Activity]:
    """Every ABK activity with the annual volume the need uses (see
    core.domain.abk.accepted_activities):
    the mean of the latest MONTHS accepted monthly reports, annualised."""
    activities = await uow.activities.list()
    reports = await uow.workload_reports.accepted_recent(months)
    return accepted_activities(activities, reports, months)


async def large_changes_in_use(
    uow: UnitOfWork, months: int = DEFAULT_AVERAGE_MONTHS
) -> list[WorkloadReport]:
    """Accepted reports among the latest MONTHS that were confirmed despite a large change."""
    return [r for r in await uow.workload_reports.accepted_recent(months) if r.large_change]


async def reportable_jabatan(uow: UnitOfWork, unit_code: str) -> list[str]:
    """The jabatan of a unit that have ABK activities, sorted."""
    return sorted({a.jabatan for a in await uow.activities.list() if a.unit_code == unit_code})


async def preview_workload(
    uow: UnitOfWork, entered: MonthlyVolumes, *, policy: WorkloadPolicy
) -> WorkloadPreview:
    """FTE and EJ the month's volumes ENTERED would give; writes nothing."""
    unit_code, jabatan, month = entered.unit_code, entered.jabatan, entered.month
    volumes = entered.volumes
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
    monthly = {line.activity.name: line.monthly_volume for line in lines}
    minutes = report_minutes(activities, monthly)
    # The headcount and the document's need from the one ABK aggregation: staff whose jabatan
    # is written differently (case, punctuation, abbreviation) count too.
    staff_of_unit = await uow.employees.list_by_unit(unit_code)
    counted = canonical_jabatan(staff_of_unit, activities)(jabatan)
    family = staffing_by_family(staff_of_unit, activities, policy.wke_minutes)[
        (unit_code, counted)
    ]
    figures = workload_figures(minutes, family.staff, policy.wke_minutes, policy.thresholds)
    replaces = await uow.workload_reports.for_month(unit_code, jabatan, month)
    last = replaces or await uow.workload_reports.latest_for(unit_code, jabatan)
    if last is not None:
        previous = PreviousFigure(
            report_minutes(activities, last.volumes) / policy.wke_minutes, last.month, last.id
        )
    else:
        previous = PreviousFigure(family.required_fte, None, None)
    large = is_large_change(previous.required_fte, figures.required_fte, policy.change_percent)
    accepted_fte = await _accepted_fte_with(uow, activities, monthly, month, policy)
    return WorkloadPreview(
        unit_code,
        jabatan,
        month,
        lines,
        figures,
        previous,
        large,
        replaces,
        accepted_fte,
        policy.average_months,
    )


async def _accepted_fte_with(
    uow: UnitOfWork,
    activities: Sequence[Activity],
    monthly: Mapping[str, float],
    month: str,
    policy: WorkloadPolicy,
) -> float:
    """The (unit, jabatan) need once this month's report is accepted (it replaces its month)."""
    a = activities[0]
    others = [
        r
        for r in await uow.workload_reports.accepted_recent(policy.average_months)
        if (r.unit_code, r.jabatan) == (a.unit_code, a.jabatan) and r.month != month
    ]
    this = WorkloadReport(a.unit_code, a.jabatan, month, dict(monthly), "", dt.datetime.min)
    used = accepted_activities(activities, [this, *others], policy.average_months)
    return minutes_by_family(used).get((a.unit_code, a.jabatan), 0.0) / policy.wke_minutes


async def record_workload_report(
    uow: UnitOfWork,
    *,
    caller: Caller,
    entered: MonthlyVolumes,
    now: dt.datetime,
    policy: WorkloadPolicy,
    confirmed_large_change: bool = False,
    seen: str | None = None,
) -> WorkloadPreview:
    """Store the volumes ENTERED as the month's accepted report; commits, audited.

    The ABK document's volumes stay as imported: the need is computed from the latest accepted
    months (`accepted_workload`). A report of a month already reported is stored next to the
    earlier one (which stays in history, named in the audit event) and replaces it as accepted.
    Raises LargeChangeUnconfirmed (nothing written) when the FTE moves by more than
    `policy.change_percent` and CONFIRMED_LARGE_CHANGE is False; FiguresChanged (nothing
    written) when SEEN, the `WorkloadPreview.basis` the person confirmed, is no longer the
    basis (a report of the same (unit, jabatan) arrived meanwhile); NotFound, OutOfScope.
    """
    unit = await uow.units.get(entered.unit_code)
    if unit is None:
        raise NotFound(unit=entered.unit_code)
    require_unit_scope(caller, Role.SUPERVISOR, unit)
    preview = await preview_workload(uow, entered, policy=policy)
    if seen is not None and preview.basis != seen:
        raise FiguresChanged()
    if preview.large_change and not confirmed_large_change:
        raise LargeChangeUnconfirmed()
    previous = preview.previous
    replaced = preview.replaces
    report = await uow.workload_reports.add(
        WorkloadReport(
            unit_code=entered.unit_code,
            jabatan=entered.jabatan,
            month=entered.month,
            volumes={line.activity.name: line.monthly_volume for line in preview.lines},
            reported_by=caller.nip,
            reported_at=now,
            required_fte=round(preview.figures.required_fte, 4),
            previous_fte=round(previous.required_fte, 4) if previous else None,
            large_change=preview.large_change,
            replaces_id=replaced.id if replaced else None,
        )
    )
    before: dict[str, JsonValue] | None = (
        {
            "report_id": replaced.id,
            "volumes": dict(replaced.volumes),
            "reported_by": replaced.reported_by,
            "reported_at": replaced.reported_at.isoformat(),
        }
        if replaced
        else None
    )
    await uow.audit.add(
        AuditEvent(
            caller.nip,
            "workload.rereport" if replaced else "workload.report",
            f"unit:{entered.unit_code}/{entered.jabatan}",
            now,
            before,
            {
                "report_id": report.id,
                "month": entered.month,
                "volumes": dict(report.volumes),
                "required_fte": round(preview.figures.required_fte, 4),
                "previous_fte": round(previous.required_fte, 4) if previous else None,
                "large_change": preview.large_change,
                "accepted_fte": (
                    round(preview.accepted_fte, 4) if preview.accepted_fte is not None else None
                ),
                "category": preview.figures.category,
            },
        )
    )
    await uow.commit()
    return preview
