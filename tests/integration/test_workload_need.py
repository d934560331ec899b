"""Issue 9: the need the plan uses is the mean of the latest accepted months, annualised, and
every reader (engine snapshot, chart, staffing gaps) gets it from the one ABK aggregation."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from core.domain import WorkloadReport
from core.domain.abk import need_by_family
from core.ports import UnitOfWorkFactory
from core.rebalance.snapshot import build_instance
from core.usecases.planning import propose_plan, take_snapshot, workload_flags_payload
from core.views.staffing_gaps import read_staffing_summary
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.support.clock import FakeClock
from tests.support.handler_agency import CARE, HANDLER_AGENCY, KEPALA, NURSE, OUTREACH, START
from tests.support.loop_agency import ScriptedEngine, rules

JAKARTA = ZoneInfo("Asia/Jakarta")


def report(month: str, care: float, day: int = 1, large: bool = False) -> WorkloadReport:
    return WorkloadReport(
        "PKM-A",
        NURSE,
        month,
        {CARE: care, OUTREACH: 7.0},
        KEPALA.nip,
        dt.datetime(2026, 10, day, 3, 0, tzinfo=dt.UTC),
        required_fte=care * 12 * 60 / 75_000 + 84 * 50 / 75_000,
        previous_fte=1.016 if large else None,
        large_change=large,
    )


@pytest.fixture
async def factory(migrated_database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(migrated_database_url)
    uows = make_uow_factory(engine)
    async with uows() as uow:
        await HANDLER_AGENCY.write(uow)
    try:
        yield uows
    finally:
        await engine.dispose()


async def add(uows: UnitOfWorkFactory, *reports: WorkloadReport) -> None:
    async with uows() as uow:
        for r in reports:
            await uow.workload_reports.add(r)
        await uow.commit()


# 4 months reported, October twice: the latest 3 accepted months are Aug 100, Sep 130, Oct 190
# (the 160 first reported for October is history). Care: mean 140 a month = 1,680 a year;
# 1,680 x 60 + 84 x 50 (outreach, 7 a month) = 105,000 min = 1.4 FTE at WKE 75,000.
EXPECTED_NEED = 1.4


async def test_the_three_month_average_feeds_snapshot_engine_chart_and_gaps(
    factory: UnitOfWorkFactory,
) -> None:
    await add(
        factory,
        report("2026-07", 400.0),
        report("2026-08", 100.0),
        report("2026-09", 130.0),
        report("2026-10", 160.0, day=2),
        report("2026-10", 190.0, day=3),
    )
    snapshot = await take_snapshot(factory, FakeClock(START), JAKARTA, workload_months=3)
    care = next(a for a in snapshot.activities if a.unit_code == "PKM-A" and a.name == CARE)
    assert care.annual_volume == pytest.approx(1680.0)
    assert need_by_family(snapshot.activities)[("PKM-A", NURSE)] == pytest.approx(EXPECTED_NEED)

    instance = build_instance(
        snapshot.units,
        snapshot.employees,
        snapshot.activities,
        snapshot.aspirations,
        snapshot.busy_nips,
        snapshot.as_of,
    )
    engine_unit = next(u for u in instance.units if u.id == "PKM-A")
    assert engine_unit.demand[NURSE] == pytest.approx(EXPECTED_NEED)

    outcome = await propose_plan(
        factory, FakeClock(START), rules(), ScriptedEngine([]), dry_run=True
    )
    bar = next(b for b in outcome.bars if (b.unit_code, b.family) == ("PKM-A", NURSE))
    assert bar.required == pytest.approx(EXPECTED_NEED)

    summary = await read_staffing_summary(factory, workload_months=3, min_gap_fte=0.0)
    gap = next(g for g in summary.over if (g.unit_code, g.jabatan) == ("PKM-A", NURSE))
    assert gap.required_fte == pytest.approx(EXPECTED_NEED)


async def test_one_reported_month_does_not_replace_the_year_at_once(
    factory: UnitOfWorkFactory,
) -> None:
    await add(factory, report("2026-10", 190.0))
    snapshot = await take_snapshot(factory, FakeClock(START), JAKARTA, workload_months=3)
    care = next(a for a in snapshot.activities if a.unit_code == "PKM-A" and a.name == CARE)
    # (190 x 12 + 2 months at the ABK document's 1,200 a year) / 3
    assert care.annual_volume == pytest.approx((190 * 12 + 2 * 1200) / 3)
    untouched = next(a for a in snapshot.activities if a.unit_code == "PKM-B" and a.name == CARE)
    assert untouched.annual_volume == 1200.0  # no report: the ABK document's figure
    one = await take_snapshot(factory, FakeClock(START), JAKARTA, workload_months=1)
    care_one = next(a for a in one.activities if a.unit_code == "PKM-A" and a.name == CARE)
    assert care_one.annual_volume == pytest.approx(190 * 12)


async def test_accepted_recent_keeps_the_newest_of_each_month_and_history_keeps_all(
    factory: UnitOfWorkFactory,
) -> None:
    await add(
        factory,
        report("2026-08", 100.0),
        report("2026-10", 160.0, day=2),
        report("2026-10", 190.0, day=3),
        report("2026-09", 130.0),
    )
    async with factory() as uow:
        accepted = await uow.workload_reports.accepted_recent(2)
        history = await uow.workload_reports.history("PKM-A", NURSE)
    assert [(r.month, r.volumes[CARE]) for r in accepted] == [
        ("2026-10", 190.0),
        ("2026-09", 130.0),
    ]
    assert sorted(r.volumes[CARE] for r in history) == [100.0, 130.0, 160.0, 190.0]


async def test_a_confirmed_large_change_in_use_is_marked_on_the_plan(
    factory: UnitOfWorkFactory,
) -> None:
    await add(factory, report("2026-09", 100.0), report("2026-10", 10.0, day=2, large=True))
    outcome = await propose_plan(
        factory, FakeClock(START), rules(), ScriptedEngine([]), dry_run=True
    )
    assert workload_flags_payload(outcome.workload_flags, outcome.unit_names) == [
        {
            "unit": "PKM-A",
            "unit_name": "Puskesmas Sukamaju",
            "jabatan": NURSE,
            "month": "2026-10",
            "previous_fte": pytest.approx(1.016),
            "required_fte": pytest.approx(0.152),
        }
    ]
