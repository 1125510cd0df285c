"""China's working-day calendar: the holiday package, staff overrides, a weekend fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import select

from server.common.text import SHANGHAI
from server.extensions import db

FALLBACK_WARNING = ("{year} 年的法定节假日安排尚未录入完整，期限按已录入的日期和普通周末推算，"
                    "请在“节假日设置”中录入并标记该年已录入完整")


@lru_cache(maxsize=64)
def package_covers(year: int) -> bool:
    """Tell whether the chinese-calendar package knows this year's official schedule."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)
def package_workday(day: date) -> bool:
    """Return the package's answer for a day of a year it covers (a pure, memoised lookup)."""
    import chinese_calendar

    return bool(chinese_calendar.is_workday(day))


@dataclass
class Calendar:
    """Answer "is this a working day": staff-entered days, then the package, then weekends.

    A year the package does not cover and staff have not marked complete is answered from
    the days entered so far and plain weekends, and noted in `warnings` (shown to staff).
    """

    overrides: dict[date, bool]
    complete_years: set[int]
    warnings: set[int] = field(default_factory=set)
    covered: dict[int, bool] = field(default_factory=dict)
    # Answers already worked out: the package's lookup is slow and sweeps ask every day of
    # every window again.
    known: dict[date, bool] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        """Tell whether people work on this day in mainland China."""
        covered = self.covered.get(day.year)
        if covered is None:
            covered = self.covered[day.year] = package_covers(day.year)
        if not covered and day.year not in self.complete_years:
            self.warnings.add(day.year)
        answer = self.known.get(day)
        if answer is None:
            answer = self.known[day] = self._lookup(day, covered)
        return answer

    def _lookup(self, day: date, covered: bool) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if covered:
            return package_workday(day)
        return day.weekday() < 5

    def fresh(self) -> Calendar:
        """Return the same calendar with no warnings noted yet (one per computed case)."""
        return Calendar(self.overrides, self.complete_years, set(), self.covered, self.known)

    def warning(self) -> str | None:
        """Return the Chinese warning for years computed without a complete schedule, if any."""
        if not self.warnings:
            return None
        return "；".join(FALLBACK_WARNING.format(year=y) for y in sorted(self.warnings))


def load_calendar() -> Calendar:
    """Load the staff-entered days and the years staff marked complete."""
    from server.dispatch.models import CalendarDay, CalendarYear

    rows = db.session.scalars(select(CalendarDay)).all()
    overrides = {row.day: row.is_workday for row in rows}
    complete = set(db.session.scalars(select(CalendarYear.year)))
    return Calendar(overrides, complete)


def add_working_days(start: datetime, days: int, calendar: Calendar | None = None) -> datetime:
    """Return the end (23:59:59 Beijing time) of the `days`-th working day after `start`'s day.

    The day a case arrives does not count, as in the 12345 hotline practice: received on
    Monday with 3 working days, it is due on Thursday at 23:59:59 (Asia/Shanghai).
    """
    cal = calendar or load_calendar()
    day = start.astimezone(SHANGHAI).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI).astimezone(
        start.tzinfo or SHANGHAI
    )


def working_days_between(start: datetime, end: datetime, calendar: Calendar | None = None) -> int:
    """Count working days after `start`'s day up to and including `end`'s day."""
    cal = calendar or load_calendar()
    day = start.astimezone(SHANGHAI).date()
    last = end.astimezone(SHANGHAI).date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        if cal.is_workday(day):
            count += 1
    return count
