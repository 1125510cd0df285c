"""China's working-day calendar: the holiday package, staff overrides, a weekend fallback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from server.common.text import SHANGHAI
from server.extensions import db

FALLBACK_WARNING = "{year} 年的法定节假日安排尚未录入，期限按普通周末推算，请在“节假日设置”中录入"


@dataclass
class Calendar:
    """Answer "is this a working day" from overrides, then chinese_calendar, then weekends."""

    overrides: dict[date, bool]
    entered_years: set[int]
    warnings: set[int]

    def is_workday(self, day: date) -> bool:
        """Tell whether people work on this day in mainland China."""
        if day in self.overrides:
            return self.overrides[day]
        if day.year not in self.entered_years:
            try:
                import chinese_calendar

                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                self.warnings.add(day.year)
        return day.weekday() < 5

    def warning(self) -> str | None:
        """Return the Chinese warning for years computed on plain weekends, if any."""
        if not self.warnings:
            return None
        return "；".join(FALLBACK_WARNING.format(year=y) for y in sorted(self.warnings))


def load_calendar() -> Calendar:
    """Load the staff-entered days; a year with any entered day is fully staff-defined."""
    from server.dispatch.models import CalendarDay

    rows = db.session.scalars(select(CalendarDay)).all()
    overrides = {row.day: row.is_workday for row in rows}
    return Calendar(overrides, _years_without_package({d.year for d in overrides}), set())


def _years_without_package(years: set[int]) -> set[int]:
    """Keep the years the package cannot answer: those are fully staff-defined."""
    import chinese_calendar

    uncovered = set()
    for year in years:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            uncovered.add(year)
    return uncovered


def add_working_days(start: datetime, days: int, calendar: Calendar | None = None) -> datetime:
    """Return the end (23:59:59 Shanghai) of the `days`-th working day after `start`'s day.

    The day a case arrives does not count, as in the 12345 hotline practice.
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
