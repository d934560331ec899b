"""Pure rules behind flows 1-3: tenure and retirement, volumes and months, scopes, codes, ids."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import Employee, Role, RoleGrant, ScopeKind, TelegramAccount, Unit
from core.domain.access import Caller, grant_covers_unit, units_in_scope
from core.domain.eligibility import add_months, months_between
from core.domain.errors import InvalidInput
from core.usecases.aspirations import EligibilityPolicy, personal_eligibility
from core.usecases.invitations import hash_invitation_code, invitation_link, new_invitation_code
from core.usecases.workload import NotANumber, parse_month, parse_volume, recent_months
from handlers.keyboards import callback_id, page_of, parse_callback_id

TODAY = dt.date(2026, 11, 2)
NURSE = Employee(
    "199505052019032001", "Dewi", "PNS", "PKM-B", "Perawat", "III/a", dt.date(2025, 9, 1), 58
)
HOME = Unit("PKM-A", "Puskesmas Sukamaju", "Dinas Kesehatan", 0.0, 0.0)
SCHOOL = Unit("SDN-1", "SD Negeri 1", "Dinas Pendidikan", 0.0, 0.0)


def test_months_between_counts_whole_calendar_months() -> None:
    assert months_between(dt.date(2025, 9, 1), TODAY) == 14
    assert months_between(dt.date(2025, 9, 3), TODAY) == 13
    assert months_between(TODAY, dt.date(2020, 1, 1)) == 0


def test_add_months_clamps_to_the_end_of_short_months() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 9, 1), 24) == dt.date(2027, 9, 1)


def test_fourteen_months_in_the_unit_is_a_tenure_problem_until_month_24() -> None:
    problems = personal_eligibility(NURSE, TODAY, EligibilityPolicy())
    assert [p.key for p in problems] == ["eligibility.tenure"]
    assert problems[0].values == {"months": 14, "minimum": 24, "from_date": dt.date(2027, 9, 1)}


def test_a_lock_and_near_retirement_are_reported_too() -> None:
    old = Employee(
        "196801012000031001",
        "Pak Tua",
        "PNS",
        "PKM-A",
        "Perawat",
        "IV/a",
        dt.date(2010, 1, 1),
        58,
        lock_reason="hukuman disiplin",
    )
    keys = [p.key for p in personal_eligibility(old, TODAY, EligibilityPolicy())]
    assert keys == ["eligibility.locked", "eligibility.retirement"]


def test_a_long_serving_unlocked_employee_has_no_problem() -> None:
    veteran = Employee(
        "198703122010012003", "Siti", "PNS", "PKM-A", "Perawat", "III/a", dt.date(2019, 1, 1), 58
    )
    assert personal_eligibility(veteran, TODAY, EligibilityPolicy()) == []


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12", 12.0),
        ("12,5", 12.5),
        (" 7.25 ", 7.25),
        ("1.000", 1000.0),
        ("12.500", 12500.0),
        ("1.250,5", 1250.5),
    ],
)
def test_volumes_are_read_the_way_people_type_them(typed: str, value: float) -> None:
    assert parse_volume(typed) == value


@pytest.mark.parametrize(
    "typed", ["seratus", "-3", "1e9", "", "12 pasien", "1.00.0", "1.000.000.000"]
)
def test_text_where_a_volume_belongs_is_not_a_number(typed: str) -> None:
    with pytest.raises(NotANumber):
        parse_volume(typed)


def test_report_months_are_recent_and_never_in_the_future() -> None:
    assert recent_months(dt.date(2026, 1, 15), 3) == ["2026-01", "2025-12", "2025-11"]
    assert parse_month("2026-10", TODAY) == "2026-10"
    with pytest.raises(InvalidInput):
        parse_month("2026-12", TODAY)
    with pytest.raises(InvalidInput):
        parse_month("2026-13", TODAY)


def test_scopes_cover_a_unit_directly_through_its_opd_or_everywhere() -> None:
    unit_grant = RoleGrant("x", Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A")
    opd_grant = RoleGrant("x", Role.APPROVER, ScopeKind.OPD, "Dinas Kesehatan")
    everywhere = RoleGrant("x", Role.ADMIN, ScopeKind.ALL, None)
    assert grant_covers_unit(unit_grant, HOME) and not grant_covers_unit(unit_grant, SCHOOL)
    assert grant_covers_unit(opd_grant, HOME) and not grant_covers_unit(opd_grant, SCHOOL)
    assert grant_covers_unit(everywhere, SCHOOL)


def test_a_supervisor_sees_only_the_units_in_scope_and_every_caller_is_an_asn() -> None:
    caller = Caller(
        TelegramAccount(1, "x"),
        NURSE,
        (RoleGrant("x", Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"),),
    )
    assert units_in_scope(caller, Role.SUPERVISOR, [SCHOOL, HOME]) == [HOME]
    assert caller.roles == {Role.ASN, Role.SUPERVISOR}
    assert not caller.may_act_on_unit(Role.ADMIN, HOME)


def test_invitation_codes_are_random_link_safe_and_stored_only_as_a_hash() -> None:
    codes = {new_invitation_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == 16 and code.replace("-", "").replace("_", "").isalnum()
    assert hash_invitation_code(code) != code and len(hash_invitation_code(code)) == 64
    assert invitation_link("@mutasi_bot", code) == f"https://t.me/mutasi_bot?start={code}"


def test_callback_ids_are_short_and_round_trip() -> None:
    data = callback_id("asp", "wd", 12345)
    assert data == "asp:wd:12345"
    parsed = parse_callback_id(data)
    assert parsed is not None and parsed.int_arg(0) == 12345
    assert parse_callback_id("garbage") is None
    assert parse_callback_id("asp:pick:-1") is not None
    assert parse_callback_id("asp:pick:-1").int_arg(0) is None  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        callback_id("asp", "pick", "x" * 80)


def test_pages_are_clamped_to_what_exists() -> None:
    assert page_of(13, 5, 8).number == 1
    assert page_of(13, 1, 8).start == 8 and page_of(13, 1, 8).stop == 13
    assert page_of(0, 0, 8).count == 1
