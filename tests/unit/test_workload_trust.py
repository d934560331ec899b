"""Issue 9 item 5 in core: months offered, the large-change rule, the accepted annual volume,
and the approvers' summary marking a plan that rests on a confirmed large change."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import Activity, WorkloadReport
from core.domain.abk import accepted_activities, accepted_annual_volume, is_large_change
from core.domain.messages import PlanSummary
from core.usecases.planning import propose_plan
from core.usecases.workload import ReportMonth, report_months
from handlers.i18n import translator
from handlers.plan import render_summary
from tests.support.loop_agency import NURSE_A, NURSE_B, ScriptedEngine, move, rules, world
from tests.support.outbox_samples import payload_of


def test_finished_months_come_first_and_the_running_month_last() -> None:
    assert report_months(dt.date(2026, 11, 30)) == [
        ReportMonth("2026-10", False),
        ReportMonth("2026-09", False),
        ReportMonth("2026-08", False),
        ReportMonth("2026-11", True),
    ]
    assert [m.month for m in report_months(dt.date(2027, 2, 1), 2)] == [
        "2027-01",
        "2026-12",
        "2027-02",
    ]


@pytest.mark.parametrize(
    ("previous", "new", "large"),
    [
        (1.0, 0.1, True),  # a 90 % drop
        (1.0, 0.5, False),  # exactly 50 %: not more than the threshold
        (1.0, 1.51, True),
        (1.0, 1.4, False),
        (0.0, 0.3, True),  # from nothing to something
        (0.0, 0.0, False),
    ],
)
def test_a_change_over_the_threshold_is_large(previous: float, new: float, large: bool) -> None:
    assert is_large_change(previous, new, 50.0) is large


def test_the_accepted_volume_is_the_mean_of_the_window_with_the_document_filling_gaps() -> None:
    assert accepted_annual_volume(1200.0, [100.0, 130.0, 190.0], 3) == pytest.approx(1680.0)
    assert accepted_annual_volume(1200.0, [190.0], 3) == pytest.approx((2280 + 2400) / 3)
    assert accepted_annual_volume(1200.0, [], 3) == 1200.0
    with pytest.raises(ValueError):
        accepted_annual_volume(1200.0, [1.0], 0)


def test_only_the_latest_months_count_and_a_new_activity_counts_at_its_document_figure() -> None:
    old = Activity("U", "J", "old", "x", 10.0, 120.0)
    new = Activity("U", "J", "new", "x", 10.0, 24.0)  # added after the August report
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    reports = [
        WorkloadReport("U", "J", "2026-07", {"old": 1000.0}, "n", at),
        WorkloadReport("U", "J", "2026-08", {"old": 10.0}, "n", at),
        WorkloadReport("U", "J", "2026-09", {"old": 20.0, "new": 5.0}, "n", at),
        WorkloadReport("U", "J", "2026-10", {"old": 30.0, "new": 8.0}, "n", at),
    ]
    used = {a.name: a.annual_volume for a in accepted_activities([old, new], reports, 3)}
    assert used["old"] == pytest.approx(240.0)  # mean(10, 20, 30) x 12; July is out
    assert used["new"] == pytest.approx((13 * 12 + 24) / 3)


async def test_the_approvers_summary_marks_a_plan_resting_on_a_confirmed_large_change() -> None:
    factory, clock = await world()
    factory.store.reports.append(
        WorkloadReport(
            "PKM-A",
            "Perawat Terampil",
            "2026-10",
            {"Asuhan keperawatan": 10.0},
            "x",
            dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
            required_fte=0.1,
            previous_fte=1.02,
            large_change=True,
        )
    )
    await propose_plan(factory, clock, rules(), ScriptedEngine([move(NURSE_A), move(NURSE_B)]))
    summary = next(m for m in factory.store.outbox.values() if m.kind == "plan_summary")
    caption, _markup, _png = render_summary(translator("id"), payload_of(summary, PlanSummary))
    assert "1 kebutuhan memakai laporan beban kerja dengan perubahan besar" in caption
    assert (
        "• Puskesmas Wonosari I — Perawat Terampil, Oktober 2026: 1,02 → 0,10 pegawai" in caption
    )
    english, _m, _p = render_summary(translator("en"), payload_of(summary, PlanSummary))
    assert "Puskesmas Wonosari I — Perawat Terampil, October 2026: 1.02 → 0.10 staff" in english
