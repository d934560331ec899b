"""One ABK aggregation (core.domain.abk.staffing_by_family): the engine's instance, the plan's
chart, the staffing-gap report, /unit and the /bebankerja preview read the same need and
headcount from the same records, however a jabatan is written."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import Activity, Employee, Unit
from core.domain.abk import CategoryThresholds, engine_families, staffing_by_family
from core.domain.notices import unit_bars
from core.ports import UnitOfWorkFactory
from core.rebalance.model import Move, Policy
from core.rebalance.snapshot import build_instance
from core.usecases.engine_adapter import instance_from_snapshot
from core.usecases.planning import Snapshot, consistent_snapshot
from core.usecases.workload import (
    MonthlyVolumes,
    WorkloadPolicy,
    WorkloadPreview,
    preview_workload,
)
from core.views.staffing_gaps import staffing_summary
from core.views.unit_status import unit_statuses
from tests.support.outbox_samples import explanation

WKE = 75_000.0
TODAY = dt.date(2026, 11, 24)
UNITS = [
    Unit("PKM-A", "Puskesmas Wonosari I", "Dinkes", -7.96, 110.6),
    Unit("PKM-B", "Puskesmas Playen", "Dinkes", -7.94, 110.55),
    Unit("SMP-1", "SMP Negeri 1 Wonosari", "Disdik", -7.96, 110.6),
    Unit("SMP-2", "SMP Negeri 2 Playen", "Disdik", -7.94, 110.55),
]
NURSE, CLERK, TEACHER = "Perawat Terampil", "Pengadministrasi Umum", "Guru Ahli Pertama"


def person(i: int, unit: str, jabatan: str, mapel: str | None = None) -> Employee:
    nip = f"198501012010012{i:03d}"
    return Employee(
        nip, f"Pegawai {i}", "PNS", unit, jabatan, "III/a", dt.date(2018, 1, 1), 58, mapel=mapel
    )


EMPLOYEES = [
    *(person(i, "PKM-A", NURSE) for i in range(1, 7)),  # 6 nurses where 3.2 are needed
    *(person(i, "PKM-B", NURSE) for i in range(7, 9)),  # 2 where 4.8 are needed
    person(9, "PKM-B", CLERK),  # no ABK for clerks at PKM-B: need = staff
    person(10, "SMP-1", TEACHER, "Matematika"),
    person(11, "SMP-1", TEACHER, "Matematika"),
    person(12, "SMP-1", TEACHER, "IPA"),
    person(13, "SMP-2", TEACHER, "IPA"),
]
ACTIVITIES = [
    Activity("PKM-A", NURSE, "Asuhan keperawatan", "pasien", 60.0, 2_500.0),
    Activity("PKM-A", NURSE, "Penyuluhan", "kegiatan", 120.0, 750.0),
    Activity("PKM-B", NURSE, "Asuhan keperawatan", "pasien", 60.0, 6_000.0),
    Activity("SMP-1", TEACHER, "Mengajar", "jam", 45.0, 1_000.0, mapel="Matematika"),
    Activity("SMP-1", TEACHER, "Mengajar", "jam", 45.0, 1_500.0, mapel="IPA"),
    Activity("SMP-2", TEACHER, "Mengajar", "jam", 45.0, 2_500.0, mapel="Matematika"),
]


def test_the_engine_the_chart_and_the_gaps_report_agree_on_need_and_staff() -> None:
    instance = build_instance(UNITS, EMPLOYEES, ACTIVITIES, [], [], TODAY, wke_minutes=WKE)
    engine = {(u.id, family): need for u in instance.units for family, need in u.demand.items()}
    table = staffing_by_family(EMPLOYEES, ACTIVITIES, WKE, engine_families())
    chart = {
        (b.unit_code, b.family): b
        for b in unit_bars([], table, {u.code: u for u in UNITS}, limit=100)
    }
    gaps = staffing_summary(UNITS, EMPLOYEES, ACTIVITIES, wke_minutes=WKE, min_gap_fte=0.0)
    report = {(g.unit_code, g.jabatan): g for g in (*gaps.over, *gaps.under)}
    assert gaps.families == len(report) == 5

    # The engine's families are the chart's, one bar each, with the engine's need.
    assert set(chart) == set(engine) == set(table)
    for key, need in engine.items():
        assert chart[key].required == round(need, 2), key
        assert chart[key].before == table[key].staff, key
    # The numbers themselves (minutes / WKE; no ABK: need = staff in post).
    assert engine[("PKM-A", NURSE)] == (2_500 * 60 + 750 * 120) / WKE == 3.2
    assert engine[("PKM-B", NURSE)] == 6_000 * 60 / WKE == 4.8
    assert engine[("PKM-B", CLERK)] == 1.0 and chart[("PKM-B", CLERK)].before == 1
    # A teacher fills only their subject's need, in the engine and on the chart alike.
    assert engine[("SMP-1", f"{TEACHER} · Matematika")] == 1_000 * 45 / WKE
    # An IPA teacher where the ABK has only Matematika hours: need = staff, never a guess.
    assert engine[("SMP-2", f"{TEACHER} · IPA")] == chart[("SMP-2", f"{TEACHER} · IPA")].required
    assert chart[("SMP-2", f"{TEACHER} · IPA")].required == 1.0
    assert engine[("SMP-2", f"{TEACHER} · Matematika")] == 2_500 * 45 / WKE
    assert chart[("SMP-2", f"{TEACHER} · Matematika")].before == 0

    # The gaps report reads jabatan, not subjects: the same minutes and people, summed.
    for (unit, jabatan), gap in report.items():
        families = [k for k in table if k[0] == unit and k[1].split(" · ")[0] == jabatan]
        assert families, (unit, jabatan)
        minutes = sum(table[k].minutes for k in families)
        assert gap.required_fte == minutes / WKE, (unit, jabatan)
        assert gap.staff_in_post == sum(table[k].staff for k in families), (unit, jabatan)
        if jabatan != TEACHER and table[(unit, jabatan)].has_abk:
            assert gap.required_fte == engine[(unit, jabatan)]
    assert report[("PKM-A", NURSE)].staff_in_post == 6
    assert report[("SMP-1", TEACHER)].required_fte == 2_500 * 45 / WKE


def test_the_chart_applies_the_moves_to_the_engines_subject_families() -> None:
    """A teacher's move is charted in their subject family (the engine's), not in a bare
    jabatan row the instance never had."""
    table = staffing_by_family(EMPLOYEES, ACTIVITIES, WKE, engine_families())
    family = f"{TEACHER} · Matematika"
    move = Move(
        EMPLOYEES[9].nip,
        "SMP-1",
        "SMP-2",
        dataclasses.replace(explanation("SMP-1", "SMP-2", family), aspiration_rank=None),
    )
    bars = {
        (b.unit_code, b.family): b
        for b in unit_bars([move], table, {u.code: u for u in UNITS}, limit=100)
    }
    assert (bars[("SMP-1", family)].before, bars[("SMP-1", family)].after) == (2, 1)
    assert (bars[("SMP-2", family)].before, bars[("SMP-2", family)].after) == (0, 1)
    assert ("SMP-1", TEACHER) not in bars and ("SMP-2", TEACHER) not in bars


# --- one jabatan written several ways -------------------------------------------------------
# The ABK file writes "Perawat Terampil" at PKM-A and "PERAWAT TRAMPIL" at PKM-B; staff hold it
# as "perawat terampil", "Perawat  Terampil", "Perawat, Terampil" and "Perawat Ttp." (spellings
# core.domain.consistency.jabatan_key reads as one). The clerk's ABK says "Pengadm. Umum", the
# clerks hold "Pengadministrasi Umum". Teachers keep their subject families.
VARIANT_EMPLOYEES = [
    person(1, "PKM-A", "perawat terampil"),
    person(2, "PKM-A", "Perawat  Terampil"),
    person(3, "PKM-A", "Perawat, Terampil"),
    person(4, "PKM-B", "Perawat Ttp."),
    person(5, "PKM-B", "Perawat Terampil"),
    person(6, "PKM-B", "Pengadministrasi Umum"),
    person(7, "PKM-B", "PENGADMINISTRASI UMUM"),
    person(10, "SMP-1", TEACHER, "Matematika"),
    person(11, "SMP-1", "guru ahli pertama", "Matematika"),
    person(12, "SMP-1", TEACHER, "IPA"),
]
VARIANT_ACTIVITIES = [
    # 4,800 x 60 + 360 x 120 = 331,200 minutes = 4.416 FTE where 3 nurses work.
    Activity("PKM-A", NURSE, "Asuhan keperawatan", "pasien", 60.0, 4_800.0),
    Activity("PKM-A", NURSE, "Penyuluhan", "kegiatan", 120.0, 360.0),
    # 1,200 x 60 = 72,000 minutes = 0.96 FTE where 2 nurses work.
    Activity("PKM-B", "PERAWAT TRAMPIL", "Asuhan keperawatan", "pasien", 60.0, 1_200.0),
    # 2,400 x 30 = 72,000 minutes = 0.96 FTE where 2 clerks work.
    Activity("PKM-B", "Pengadm. Umum", "Surat masuk", "surat", 30.0, 2_400.0),
    Activity("SMP-1", TEACHER, "Mengajar", "jam", 45.0, 1_200.0, mapel="Matematika"),
]
#: (unit, jabatan as counted) -> (need in FTE, staff in post, the spelling the unit's ABK uses),
#: by hand from the records above. A jabatan is counted under the spelling most ABK rows use.
EXPECTED = {
    ("PKM-A", NURSE): ((4_800 * 60 + 360 * 120) / WKE, 3, NURSE),
    ("PKM-B", NURSE): (1_200 * 60 / WKE, 2, "PERAWAT TRAMPIL"),
    ("PKM-B", "Pengadm. Umum"): (2_400 * 30 / WKE, 2, "Pengadm. Umum"),
}


async def test_every_reader_counts_variant_spellings_as_one_jabatan(
    sqlite_uow_factory: UnitOfWorkFactory,
) -> None:
    """The engine's instance, the plan's chart, the staffing-gap report, /unit and the
    /bebankerja preview give the same need and headcount for the same records, however the
    jabatan is written."""
    units = {u.code: u for u in UNITS}
    # The engine's instance, from the records as stored and as the planner hands them over.
    raw = build_instance(
        UNITS, VARIANT_EMPLOYEES, VARIANT_ACTIVITIES, [], [], TODAY, wke_minutes=WKE
    )
    snapshot = Snapshot(
        taken_at=dt.datetime(2026, 11, 24, 1, tzinfo=dt.UTC),
        as_of=TODAY,
        units=tuple(UNITS),
        employees=tuple(VARIANT_EMPLOYEES),
        activities=tuple(VARIANT_ACTIVITIES),
        aspirations=(),
        busy_nips=frozenset(),
    )
    planned, findings = consistent_snapshot(snapshot)
    assert {f.kind for f in findings} == {"variant"}  # nothing left out, nobody unmatched
    instances = [raw, instance_from_snapshot(planned, Policy(), WKE)]
    table = staffing_by_family(planned.employees, planned.activities, WKE, engine_families())
    chart = {(b.unit_code, b.family): b for b in unit_bars([], table, units, limit=100)}
    gaps = staffing_summary(
        UNITS, VARIANT_EMPLOYEES, VARIANT_ACTIVITIES, wke_minutes=WKE, min_gap_fte=0.0
    )
    report = {(g.unit_code, g.jabatan): g for g in (*gaps.over, *gaps.under)}
    status = unit_statuses(UNITS, VARIANT_EMPLOYEES, VARIANT_ACTIVITIES, WKE)
    shown = {(s.unit.code, line.jabatan): line.figures for s in status for line in s.jabatan}

    async with sqlite_uow_factory() as uow:
        await uow.units.upsert_many(UNITS)
        await uow.employees.upsert_many(VARIANT_EMPLOYEES)
        await uow.activities.upsert_many(VARIANT_ACTIVITIES)
        await uow.commit()
    previews: dict[tuple[str, str], WorkloadPreview] = {}
    async with sqlite_uow_factory() as uow:
        for (code, counted), (_need, _staff, jabatan) in EXPECTED.items():
            # The month's volumes at the ABK document's rate: the preview's need is the year's.
            volumes = {
                a.name: a.annual_volume / 12
                for a in VARIANT_ACTIVITIES
                if (a.unit_code, a.jabatan) == (code, jabatan)
            }
            previews[(code, counted)] = await preview_workload(
                uow,
                MonthlyVolumes(code, jabatan, "2026-10", volumes),
                policy=WorkloadPolicy(wke_minutes=WKE),
            )

    for key, (need, staff, _written) in EXPECTED.items():
        for instance in instances:
            demand = {u.id: u.demand for u in instance.units}[key[0]]
            assert demand[key[1]] == pytest.approx(need), key
            assert sum(1 for e in instance.employees if (e.unit, e.family) == key) == staff, key
        assert chart[key].required == round(need, 2) and chart[key].before == staff, key
        assert report[key].required_fte == pytest.approx(need), key
        assert report[key].staff_in_post == staff, key
        assert shown[key].required_fte == pytest.approx(need), key
        assert shown[key].staff_in_post == staff, key
        assert previews[key].figures.required_fte == pytest.approx(need), key
        assert previews[key].accepted_fte == pytest.approx(need), key
        assert previews[key].figures.staff_in_post == staff, key
    # One line per jabatan, never one per spelling, and the teachers' subjects stay apart.
    assert sorted(shown) == sorted([*EXPECTED, ("SMP-1", TEACHER)])
    assert set(report) == set(shown)
    assert {k for k in chart if k[0] == "SMP-1"} == {
        ("SMP-1", f"{TEACHER} · Matematika"),
        ("SMP-1", f"{TEACHER} · IPA"),
    }
    assert chart[("SMP-1", f"{TEACHER} · Matematika")].before == 2
    assert report[("SMP-1", TEACHER)].staff_in_post == shown[("SMP-1", TEACHER)].staff_in_post == 3


def test_unit_status_uses_the_agencys_category_bounds_like_the_report_preview() -> None:
    # An agency that moves the bounds (MUTASI_ABK_CATEGORY_*) sees the same category in /unit
    # as in /bebankerja: EJ 0.8 is C by default and B when B starts at 0.75.
    policy = WorkloadPolicy(wke_minutes=WKE, thresholds=CategoryThresholds(b_from=0.75))
    unit = UNITS[0]
    staff = [e for e in VARIANT_EMPLOYEES if e.unit_code == unit.code][:1]
    assert staff
    activity = Activity(unit.code, staff[0].jabatan, "Pelayanan", "kegiatan", 60, 1000)
    default = unit_statuses([unit], staff, [activity], WKE)
    configured = unit_statuses([unit], staff, [activity], WKE, policy.thresholds)
    [[default_line], [configured_line]] = [s.jabatan for s in (*default, *configured)]
    assert default_line.figures.efficiency == pytest.approx(0.8)
    assert (default_line.figures.category, configured_line.figures.category) == ("C", "B")
