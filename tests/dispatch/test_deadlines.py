"""Deadlines on China's working-day calendar: holidays, make-up days, overrides, fallback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from server.dispatch.models import CalendarDay, Case
from server.dispatch.workdays import add_working_days, load_calendar
from server.extensions import db
from tests.dispatch.factories import make_opinion

SH = ZoneInfo("Asia/Shanghai")


def due_day(opinion_id: int, field: str = "answer_due_at") -> date:
    db.session.expire_all()
    case = db.session.get(Case, opinion_id)
    assert case is not None
    value = getattr(case, field)
    assert value is not None
    assert value.astimezone(SH).time().isoformat() == "23:59:59"
    return value.astimezone(SH).date()


def test_national_day_holiday_pushes_a_five_day_limit(world: Any) -> None:
    # 2026-10-01..07 are holidays and Saturday 10-10 is a make-up working day:
    # the five working days after Wed 09-30 are 10-08, 10-09, 10-10, 10-12, 10-13.
    assert not chinese_calendar.is_workday(date(2026, 10, 5))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    received = datetime(2026, 9, 30, 16, 30, tzinfo=SH)
    o = make_opinion(world.d.site_a, kind="help", created_at=received)
    assert due_day(o.id) == date(2026, 10, 13)
    # Plain weekday counting would have said 10-07: the holiday matters.
    assert due_day(o.id) != date(2026, 10, 7)


def test_received_late_in_the_shanghai_evening_counts_from_that_local_day(world: Any) -> None:
    # 2026-09-30 23:30 in Shanghai is 15:30 UTC the same day; 01:30 on 10-01 is 09-30 UTC.
    received = datetime(2026, 10, 1, 1, 30, tzinfo=SH)
    o = make_opinion(world.d.site_a, kind="help", created_at=received)
    # Counting from 10-01 (a holiday): 10-08, 10-09, 10-10, 10-12, 10-13 as well.
    assert due_day(o.id) == date(2026, 10, 13)


def test_friday_before_a_make_up_saturday(world: Any) -> None:
    # Saturday 2026-05-09 is a make-up working day after the Labour Day holiday.
    friday = date(2026, 5, 8)
    assert friday.weekday() == 4
    assert chinese_calendar.is_workday(date(2026, 5, 9))
    received = datetime(2026, 5, 8, 10, 0, tzinfo=SH)
    o = make_opinion(world.d.site_a, kind="consult", created_at=received)
    # Consultations: 3 working days -> Sat 05-09, Mon 05-11, Tue 05-12.
    assert due_day(o.id) == date(2026, 5, 12)
    # Signing within 1 working day after assignment on that Friday is due on the Saturday.
    case = db.session.get(Case, o.id)
    from server.dispatch.deadlines import set_sign_deadline

    set_sign_deadline(case, received)
    db.session.commit()
    assert due_day(o.id, "sign_due_at") == date(2026, 5, 9)


def test_default_limits_per_kind_and_category_override(world: Any, client: Any) -> None:
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    expected = {"consult": date(2026, 3, 5), "help": date(2026, 3, 9),
                "complaint": date(2026, 3, 23), "suggestion": date(2026, 3, 23)}
    for kind, day in expected.items():
        assert due_day(make_opinion(world.d.site_a, kind=kind, created_at=monday).id) == day
    from server.dispatch.deadlines import set_rule
    from tests.dispatch.factories import make_category

    roads = make_category("道路交通")
    set_rule(world.admin, kind=None, category_id=roads.id, sign_days=1, answer_days=2)
    o = make_opinion(world.d.site_a, kind="complaint", category=roads, created_at=monday)
    assert due_day(o.id) == date(2026, 3, 4)


def test_year_the_package_does_not_cover_falls_back_with_a_warning(world: Any) -> None:
    received = datetime(2027, 9, 30, 10, 0, tzinfo=SH)  # a Thursday
    o = make_opinion(world.d.site_a, kind="help", created_at=received)
    assert due_day(o.id) == date(2027, 10, 7)  # plain weekends
    case = db.session.get(Case, o.id)
    assert case is not None and case.calendar_warning is not None
    assert "2027" in case.calendar_warning


def test_staff_entered_days_override_and_marking_the_year_ends_the_warning(world: Any) -> None:
    from server.dispatch.calendar_days import (
        calendar_year,
        mark_calendar_year,
        set_calendar_days,
    )

    set_calendar_days(world.admin, [
        {"day": date(2027, 10, d), "is_workday": False, "name": "国庆节"} for d in range(1, 8)
    ] + [{"day": date(2027, 10, 9), "is_workday": True, "name": "国庆调休"}])
    assert db.session.query(CalendarDay).count() == 8
    received = datetime(2027, 9, 30, 10, 0, tzinfo=SH)
    o = make_opinion(world.d.site_a, kind="help", created_at=received)
    # 10-08 (Fri), 10-09 (make-up Sat), 10-11, 10-12, 10-13.
    assert due_day(o.id) == date(2027, 10, 13)
    # Entered days are used, but the year is not known to be complete: the warning stays.
    case = db.session.get(Case, o.id)
    assert case is not None and "2027" in (case.calendar_warning or "")
    assert calendar_year(2027)["warning"] is not None
    mark_calendar_year(world.admin, 2027, True)
    assert calendar_year(2027)["warning"] is None
    assert calendar_year(2027)["complete"] is True
    assert calendar_year(2028)["warning"] is not None
    db.session.expire_all()
    assert db.session.get(Case, o.id).calendar_warning is None


def test_one_entered_holiday_does_not_silence_the_year_and_deadlines_move(world: Any) -> None:
    from server.dispatch.calendar_days import (
        calendar_year,
        delete_calendar_day,
        set_calendar_days,
    )
    from server.dispatch.cases import timeline

    # Received on Thursday 2026-12-31 with 5 working days; 2027 is not in the package, so
    # on plain weekends 2027-01-01 (a Friday) counts: 01-01, 04, 05, 06, 07.
    o = make_opinion(world.d.site_a, kind="help", created_at=datetime(2026, 12, 31, 10, 0,
                                                                      tzinfo=SH))
    assert due_day(o.id) == date(2027, 1, 7)
    set_calendar_days(world.admin, [{"day": date(2027, 1, 1), "is_workday": False,
                                              "name": "元旦"}])
    # One holiday is not the year's schedule: "2027 not entered" stays in the console.
    year = calendar_year(2027)
    assert year["warning"] is not None and year["complete"] is False
    # The open case was recomputed on the new calendar, with a timeline entry.
    assert due_day(o.id) == date(2027, 1, 8)
    entries = [e for e in timeline(o.id) if e["action"] == "deadline_recomputed"]
    assert len(entries) == 1 and "2027-01-07" in entries[0]["note"] \
        and "2027-01-08" in entries[0]["note"]
    assert entries[0]["action_name"] == "期限重算"
    # Removing the day moves it back (a second entry); a change that moves nothing adds none.
    delete_calendar_day(world.admin, date(2027, 1, 1))
    assert due_day(o.id) == date(2027, 1, 7)
    set_calendar_days(world.admin, [{"day": date(2027, 3, 1), "is_workday": True}])
    assert len([e for e in timeline(o.id) if e["action"] == "deadline_recomputed"]) == 2


def test_override_wins_over_the_package(world: Any) -> None:
    from server.dispatch.calendar_days import (
        set_calendar_days,
    )

    # Suppose the State Council adds 2026-10-08 as an extra holiday.
    set_calendar_days(world.admin, [{"day": date(2026, 10, 8), "is_workday": False}])
    cal = load_calendar()
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 9))
    start = datetime(2026, 9, 30, 12, 0, tzinfo=SH)
    assert add_working_days(start, 1, cal).astimezone(SH).date() == date(2026, 10, 9)
    assert cal.warning() is None
