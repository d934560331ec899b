"""The sample kabupaten: deterministic, the right size, valid and believable."""

from __future__ import annotations

import datetime as dt
import statistics
from functools import cache

import pytest

from bot.sample_agency import (
    LAT_RANGE,
    LOCK_REASONS,
    LON_RANGE,
    SampleAgency,
    SampleSize,
    distance_km,
    generate_sample_agency,
)
from core.domain import Role, ScopeKind
from core.domain.nip import parse_nip
from core.usecases.importing.columns import ACTIVITY_COLUMNS, EMPLOYEE_COLUMNS, UNIT_COLUMNS
from core.usecases.importing.sheets import Sheet, SheetRow
from core.usecases.importing.validation import (
    validate_activities,
    validate_employees,
    validate_units,
)
from core.usecases.importing.writing import activity_cells, employee_cells, unit_cells
from core.views.staffing_gaps import staffing_summary

TODAY = dt.date(2026, 3, 2)


@cache
def agency(size: SampleSize = "S", seed: int = 7) -> SampleAgency:
    return generate_sample_agency(size, seed, TODAY)


def test_the_same_seed_gives_the_same_agency_and_another_seed_another() -> None:
    assert generate_sample_agency("S", 7, TODAY) == generate_sample_agency("S", 7, TODAY)
    assert generate_sample_agency("S", 8, TODAY).employees != agency().employees


@pytest.mark.parametrize(
    ("size", "low", "high", "units_low", "units_high"),
    [("S", 500, 700, 20, 30), ("M", 4_500, 5_500, 110, 130), ("L", 19_000, 21_000, 380, 420)],
)
def test_sizes_have_about_the_promised_staff_and_units(
    size: SampleSize, low: int, high: int, units_low: int, units_high: int
) -> None:
    generated = agency(size)
    assert low <= len(generated.employees) <= high
    assert units_low <= len(generated.units) <= units_high


def test_every_nip_is_valid_for_its_status_and_unique_with_both_statuses_present() -> None:
    people = agency("M").employees
    for person in people:
        parse_nip(person.nip, person.status)
    assert len({p.nip for p in people}) == len(people)
    assert {p.status for p in people} == {"PNS", "PPPK", "CPNS"}


def test_couples_are_reciprocal_and_share_a_home() -> None:
    by_nip = {p.nip: p for p in agency().employees}
    married = [p for p in by_nip.values() if p.spouse_nip]
    assert len(married) >= 20
    for person in married:
        assert person.spouse_nip is not None
        spouse = by_nip[person.spouse_nip]
        assert spouse.spouse_nip == person.nip
        assert (spouse.home_lat, spouse.home_lon) == (person.home_lat, person.home_lon)


def test_staffing_is_uneven_some_units_clearly_over_and_some_under_need() -> None:
    summary = staffing_summary(agency().units, agency().employees, agency().activities)
    assert summary.over and summary.under
    assert summary.over[0].surplus >= 3
    assert summary.under[0].surplus <= -3
    assert len({g.unit_code for g in summary.over}) >= 3
    assert len({g.unit_code for g in summary.under}) >= 3


def test_there_are_locked_staff_people_near_retirement_and_recent_arrivals() -> None:
    people = agency("M").employees
    reasons = {p.lock_reason for p in people if p.lock_reason}
    assert reasons <= {reason for reason, _ in LOCK_REASONS}
    assert {"tugas belajar", "hukuman disiplin"} <= reasons

    def months_to_retirement(nip: str, status: str, age: int) -> float:
        born = parse_nip(nip, status).birth_date  # type: ignore[arg-type]
        return (born.year + age - TODAY.year) * 12 + born.month - TODAY.month

    near = [p for p in people if months_to_retirement(p.nip, p.status, p.retirement_age) <= 12]
    assert len(near) >= 0.02 * len(people)
    recent = [p for p in people if (TODAY - p.tmt_unit).days < 730]
    assert 0.1 * len(people) <= len(recent) <= 0.4 * len(people)


def test_units_and_homes_lie_inside_the_kabupaten() -> None:
    generated = agency("M")
    points = [(u.lat, u.lon) for u in generated.units] + [
        (p.home_lat, p.home_lon) for p in generated.employees
    ]
    for lat, lon in points:
        assert lat is not None and lon is not None
        assert LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def test_unit_names_are_schools_puskesmas_hospital_and_offices() -> None:
    names = [u.name for u in agency().units]
    for prefix in (
        "SD Negeri",
        "SMP Negeri",
        "Puskesmas",
        "RSUD",
        "Kantor Kecamatan",
        "Sekretariat Daerah",
        "Dinas Pendidikan",
        "Dinas Kesehatan",
    ):
        assert any(name.startswith(prefix) for name in names), prefix


def test_aspirations_rank_up_to_three_units_that_employ_the_jabatan_mostly_nearby() -> None:
    generated = agency("M")
    units = {u.code: u for u in generated.units}
    people = {p.nip: p for p in generated.employees}
    employing = {(a.unit_code, a.jabatan) for a in generated.activities}
    assert len(generated.aspirations) >= 0.15 * len(people)
    first_choice_km, any_unit_km = [], []
    for aspiration in generated.aspirations:
        person = people[aspiration.nip]
        assert 1 <= len(aspiration.wish.choices) <= 3
        assert len(set(aspiration.wish.choices)) == len(aspiration.wish.choices)
        assert person.unit_code not in aspiration.wish.choices
        assert all((code, person.jabatan) in employing for code in aspiration.wish.choices)
        assert aspiration.expires_at > dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
        assert person.home_lat is not None and person.home_lon is not None
        first = units[aspiration.wish.choices[0]]
        first_choice_km.append(distance_km(person.home_lat, person.home_lon, first.lat, first.lon))
        some = units[sorted(units)[len(first_choice_km) % len(units)]]
        any_unit_km.append(distance_km(person.home_lat, person.home_lon, some.lat, some.lon))
    assert statistics.median(first_choice_km) < 0.5 * statistics.median(any_unit_km)


def test_role_grants_name_an_admin_an_approver_and_a_head_for_every_staffed_unit() -> None:
    generated = agency()
    people = {p.nip: p for p in generated.employees}
    roles = [g.role for g in generated.role_grants]
    assert roles.count(Role.ADMIN) == 1 and roles.count(Role.APPROVER) == 1
    heads = [g for g in generated.role_grants if g.role == Role.SUPERVISOR]
    assert {g.scope_value for g in heads} == {p.unit_code for p in people.values()}
    for head in heads:
        assert head.scope_kind == ScopeKind.UNIT
        assert people[head.nip].unit_code == head.scope_value


def _sheet(columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> Sheet:
    def text(value: object) -> str:
        return repr(value) if isinstance(value, float) else str(value)

    return Sheet(
        columns,
        tuple(
            SheetRow(line, {c: text(v) for c, v in zip(columns, row, strict=True)})
            for line, row in enumerate(rows, start=2)
        ),
    )


@pytest.mark.parametrize("size", ["S", "M"])
def test_the_generated_files_pass_the_import_validation_unchanged(size: SampleSize) -> None:
    generated = agency(size)
    units = validate_units(_sheet(UNIT_COLUMNS, [unit_cells(u) for u in generated.units]))
    codes = {u.code for u in units.items}
    people = validate_employees(
        _sheet(EMPLOYEE_COLUMNS, [employee_cells(e) for e in generated.employees]), codes, ()
    )
    activities = validate_activities(
        _sheet(ACTIVITY_COLUMNS, [activity_cells(a) for a in generated.activities]), codes
    )
    assert units.problems == people.problems == activities.problems == ()
    assert units.items == generated.units
    assert people.items == generated.employees
    assert activities.items == generated.activities


def test_sample_aspirations_pass_the_chat_rules_and_a_level_4_is_refused() -> None:
    import dataclasses

    import pytest

    from core.domain.errors import InvalidInput
    from core.usecases.aspirations import validate_aspiration

    agency = generate_sample_agency("S", 7, dt.date(2026, 1, 1))
    levels = {a.wish.willingness for a in agency.aspirations}
    assert levels == {1, 2, 3}
    for aspiration in agency.aspirations:
        validate_aspiration(aspiration)
    with pytest.raises(InvalidInput):
        first = agency.aspirations[0]
        validate_aspiration(
            dataclasses.replace(first, wish=dataclasses.replace(first.wish, willingness=4))
        )


def test_the_sample_has_every_lawful_detail_and_its_plan_respects_them() -> None:
    from core.domain.eligibility import SKP_PASSING
    from core.rebalance import check_plan, solve
    from core.rebalance.model import Policy
    from core.rebalance.snapshot import build_instance

    generated = agency("S")
    people = generated.employees
    teachers = [p for p in people if p.jabatan.startswith("Guru")]
    assert {p.mapel for p in teachers if p.unit_code.startswith("SD-")} == {"guru kelas"}
    assert len({p.mapel for p in teachers if p.unit_code.startswith("SMP-")}) >= 4
    assert any(a.mapel == "matematika" for a in generated.activities)
    assert sum(u.daerah_khusus for u in generated.units) == 1
    assert all(u.head_nip for u in generated.units if u.code.startswith(("SD-", "PKM-")))
    assert any(u.head_nip is None for u in generated.units)  # left to the supervisor grant
    assert any(p.lock_until and p.lock_until > TODAY for p in people)
    assert any(p.lock_until and p.lock_until <= TODAY for p in people)
    assert any(p.skp_1 not in SKP_PASSING for p in people)
    assert any(p.contract_end for p in people if p.status == "PPPK")
    assert any(p.status == "CPNS" for p in people)
    assert any(c.needs_sip for c in generated.catalogue)

    heads: dict[str, list[str]] = {}
    for g in generated.role_grants:
        if g.role == Role.SUPERVISOR and g.scope_value:
            heads.setdefault(g.scope_value, []).append(g.nip)
    inst = build_instance(
        generated.units, people, generated.activities, generated.aspirations, [], TODAY,
        Policy(), catalogue=generated.catalogue, unit_heads=heads,
        tmt=dt.date(2026, 3, 1),
    )  # fmt: skip
    solution = solve(inst, time_limit=30)
    assert len(solution.moves) >= 5
    assert check_plan(inst, {m.employee: m.to_unit for m in solution.moves}).ok
    by_nip = {p.nip: p for p in people}
    head_nips = {n for ns in heads.values() for n in ns} | {
        u.head_nip for u in generated.units if u.head_nip
    }
    for move in solution.moves:
        person = by_nip[move.employee]
        assert person.status != "CPNS" and person.nip not in head_nips
        assert person.skp_1 in SKP_PASSING and person.skp_2 in SKP_PASSING
        special = {u.code for u in generated.units if u.daerah_khusus}
        if person.jabatan.startswith("Guru"):
            assert person.unit_code in special or (TODAY - person.tmt_unit).days >= 4 * 365
            assert move.explanation.destination.family.endswith(f"· {person.mapel}")
