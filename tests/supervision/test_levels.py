"""The warning rule as a pure function: working time, weekends, holidays, staff overrides."""

from __future__ import annotations

from datetime import date, timedelta

from server.dispatch.workdays import Calendar, add_working_days
from server.supervision.levels import DAY, Thresholds, level_for, working_seconds
from tests.supervision.conftest import sh


def package_calendar(**overrides: bool) -> Calendar:
    """The chinese-calendar package (knows 2026) with optional staff-entered days."""
    days = {date.fromisoformat(k[1:].replace("_", "-")): v for k, v in overrides.items()}
    return Calendar(days, set(), set())


def test_working_seconds_skip_weekends_and_holidays() -> None:
    cal = package_calendar()
    # Friday 12:00 → Monday 12:00: half of Friday and half of Monday.
    assert working_seconds(sh(2026, 11, 20, 12), sh(2026, 11, 23, 12), cal) == DAY
    # The whole National Day week (10-01..10-07) is not working time.
    assert working_seconds(sh(2026, 10, 1), sh(2026, 10, 8), cal) == 0
    # 2026-10-10 is a Saturday make-up working day.
    assert working_seconds(sh(2026, 10, 10), sh(2026, 10, 11), cal) == DAY
    # A staff override makes 10-08 a holiday too.
    assert working_seconds(sh(2026, 10, 8), sh(2026, 10, 9),
                           package_calendar(d2026_10_08=False)) == 0
    assert working_seconds(sh(2026, 10, 9), sh(2026, 10, 8), cal) == 0


def test_levels_of_a_five_day_window_across_a_weekend() -> None:
    cal = package_calendar()
    start = sh(2026, 11, 16, 9)  # Monday
    due = add_working_days(start, 5, cal)
    assert due == sh(2026, 11, 23, 23, 59, 59)  # the next Monday, end of day
    # window = 15 h + 5 days - 1 s = 135 h; blue at a third of it (45 h) left,
    # yellow at min(1 day, half of that) = 22 h 30 min left.
    level = lambda now: level_for(start, due, now, cal)  # noqa: E731
    assert level(sh(2026, 11, 16, 9)) is None
    assert level(sh(2026, 11, 20, 2, 59)) is None
    assert level(sh(2026, 11, 20, 3, 1)) == "blue"  # Friday 03:00
    # The weekend uses up no time: still blue on Sunday night.
    assert level(sh(2026, 11, 21, 12)) == "blue"
    assert level(sh(2026, 11, 22, 23, 59)) == "blue"
    assert level(sh(2026, 11, 23, 1, 29)) == "blue"
    assert level(sh(2026, 11, 23, 1, 31)) == "yellow"
    assert level(sh(2026, 11, 23, 23, 59, 59)) == "yellow"
    assert level(sh(2026, 11, 24, 0, 0)) == "red"


def test_short_windows_pass_through_blue_before_yellow() -> None:
    cal = package_calendar()
    start = sh(2026, 11, 20, 16)  # Friday afternoon, one working day to sign
    due = add_working_days(start, 1, cal)
    assert due == sh(2026, 11, 23, 23, 59, 59)
    # window 8 h + 24 h: blue with ≤ 10 h 40 min left, yellow with ≤ 5 h 20 min left
    assert level_for(start, due, sh(2026, 11, 21, 10), cal) is None  # Saturday
    assert level_for(start, due, sh(2026, 11, 23, 13, 19), cal) is None
    assert level_for(start, due, sh(2026, 11, 23, 13, 21), cal) == "blue"
    assert level_for(start, due, sh(2026, 11, 23, 18, 41), cal) == "yellow"
    assert level_for(start, due, sh(2026, 11, 24, 9), cal) == "red"


def test_thresholds_are_configurable() -> None:
    cal = package_calendar()
    start, due = sh(2026, 11, 16), sh(2026, 11, 20, 23, 59, 59)  # Mon..Fri: 5 days
    now = sh(2026, 11, 19, 0, 0)  # two days left
    assert level_for(start, due, now, cal) is None
    assert level_for(start, due, now, cal, Thresholds(blue_share=0.5)) == "blue"
    assert level_for(start, due, now, cal, Thresholds(blue_share=0.9, yellow_days=2)) == "yellow"
    assert level_for(start, due, due + timedelta(seconds=1), cal) == "red"
