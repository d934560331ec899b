"""Working hours, working days and the TMT."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from core.domain.errors import InvalidInput
from core.domain.working_time import WorkingTime, first_of_month_after, parse_work_days

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
HOURS = WorkingTime(zone=JAKARTA)


def jkt(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def test_work_days_parse_ranges_and_lists() -> None:
    assert parse_work_days("1-5") == frozenset({1, 2, 3, 4, 5})
    assert parse_work_days("1-5,6") == frozenset(range(1, 7))


def test_work_days_outside_the_week_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_work_days("0-8")


def test_monday_morning_is_open_but_saturday_is_not() -> None:
    assert HOURS.is_open(jkt(2026, 11, 23, 9, 0))
    assert not HOURS.is_open(jkt(2026, 11, 28, 9, 0))


def test_opening_is_inclusive_and_closing_exclusive() -> None:
    assert HOURS.is_open(jkt(2026, 11, 23, 7, 30))
    assert not HOURS.is_open(jkt(2026, 11, 23, 16, 0))


def test_a_night_result_waits_for_half_past_seven_local() -> None:
    one_am = jkt(2026, 11, 24, 1, 0).astimezone(dt.UTC)
    assert HOURS.next_open(one_am) == jkt(2026, 11, 24, 7, 30)


def test_friday_evening_waits_for_monday() -> None:
    assert HOURS.next_open(jkt(2026, 11, 27, 17, 0)) == jkt(2026, 11, 30, 7, 30)


def test_an_open_moment_is_its_own_next_opening() -> None:
    at = jkt(2026, 11, 23, 10, 0)
    assert HOURS.next_open(at) == at


def test_two_working_days_after_friday_is_tuesday() -> None:
    assert HOURS.add_working_days(dt.date(2026, 11, 27), 2) == dt.date(2026, 12, 1)


def test_working_days_between_skips_the_weekend() -> None:
    assert HOURS.working_days_between(dt.date(2026, 11, 27), dt.date(2026, 12, 1)) == 2
    assert HOURS.working_days_between(dt.date(2026, 12, 1), dt.date(2026, 11, 27)) == 0


def test_tmt_is_the_first_of_the_month_after_next() -> None:
    assert first_of_month_after(dt.date(2026, 11, 25)) == dt.date(2027, 1, 1)
    assert first_of_month_after(dt.date(2026, 12, 31)) == dt.date(2027, 2, 1)
    assert first_of_month_after(dt.date(2026, 1, 1), 1) == dt.date(2026, 2, 1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        HOURS.is_open(dt.datetime(2026, 11, 23, 9, 0))
