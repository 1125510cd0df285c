"""The warning rule: a pure function of a step's window, the time now and the calendar.

Working time is counted in seconds that fall on working days (Asia/Shanghai calendar days,
24 hours each): a weekend or a public holiday inside a window neither uses up nor adds to
the time left. Deadlines are the end of a working day (see dispatch.workdays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from server.common.text import SHANGHAI

DAY = 86400.0


class WorkdayCalendar(Protocol):
    def is_workday(self, day: object) -> bool: ...


@dataclass(frozen=True)
class Thresholds:
    """When a step turns blue and yellow (red is always: past the deadline)."""

    blue_share: float = 1 / 3  # blue: working time left ≤ this share of the window
    yellow_days: float = 1.0  # yellow: working days left ≤ this (≤ half the blue threshold)


def working_seconds(start: datetime, end: datetime, calendar: WorkdayCalendar) -> float:
    """Count the seconds between start and end that fall on working days."""
    if end <= start:
        return 0.0
    first, last = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = 0.0
    day = first.date()
    while day <= last.date():
        if calendar.is_workday(day):
            begin = datetime.combine(day, time(0), tzinfo=SHANGHAI)
            low = max(first, begin)
            high = min(last, begin + timedelta(days=1))
            if high > low:
                total += (high - low).total_seconds()
        day += timedelta(days=1)
    return total


def level_for(start: datetime, due: datetime, now: datetime, calendar: WorkdayCalendar,
              thresholds: Thresholds | None = None) -> str | None:
    """Return "blue", "yellow", "red" or None for a step open from `start` until `due`.

    red: `now` is past the deadline. yellow ("behind"): the working time left is at most
    `yellow_days` working days, and at most half the blue threshold so short windows
    still pass through blue first. blue ("near"): the working time left is at most
    `blue_share` of the step's working time.
    """
    rule = thresholds or Thresholds()
    if now > due:
        return "red"
    window = working_seconds(start, due, calendar)
    left = working_seconds(now, due, calendar)
    blue_at = window * rule.blue_share
    yellow_at = min(rule.yellow_days * DAY, blue_at / 2)
    if left <= yellow_at:
        return "yellow"
    if left <= blue_at:
        return "blue"
    return None
