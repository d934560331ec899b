"""Working hours and working days in the agency's zone; the TMT of an approved transfer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from core.domain.errors import InvalidInput


def parse_work_days(text: str) -> frozenset[int]:
    """ISO weekdays from "1-5" or "1,2,3,4,5,6" (Monday = 1)."""
    days: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            try:
                lo, hi = int(first), int(last)
            except ValueError:
                raise InvalidInput(f"bad work days {text!r}") from None
            days.update(range(lo, hi + 1))
        else:
            try:
                days.add(int(part))
            except ValueError:
                raise InvalidInput(f"bad work days {text!r}") from None
    if not days or not days <= set(range(1, 8)):
        raise InvalidInput(f"bad work days {text!r}: use ISO weekdays 1-7, e.g. 1-5")
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """When people may be messaged: local hours on working weekdays."""

    zone: zoneinfo.ZoneInfo
    start: dt.time = dt.time(7, 30)
    end: dt.time = dt.time(16, 0)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    def local(self, at: dt.datetime) -> dt.datetime:
        """`at` in the agency's zone."""
        if at.tzinfo is None:
            raise ValueError("naive datetime: time is always timezone-aware")
        return at.astimezone(self.zone)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether `day` is a working weekday."""
        return day.isoweekday() in self.days

    def is_open(self, at: dt.datetime) -> bool:
        """Whether messages may go out at `at`."""
        local = self.local(at)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """`at` itself if open, else the next start of working hours (in UTC)."""
        if self.is_open(at):
            return at
        local = self.local(at)
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self.start):
            day = self.add_working_days(day, 1)
        opening = dt.datetime.combine(day, self.start, tzinfo=self.zone)
        return opening.astimezone(dt.UTC)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The working day `count` working days after `day` (count >= 0)."""
        current = day
        remaining = count
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def first_of_month_after(day: dt.date, months_ahead: int = 2) -> dt.date:
    """TMT: the first day of the month `months_ahead` after `day`'s (2: month after next)."""
    index = day.year * 12 + (day.month - 1) + months_ahead
    return dt.date(index // 12, index % 12 + 1, 1)
