"""The working-day calendar staff enter (holidays and make-up working days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from server.dispatch.deadlines import _require_district
from server.dispatch.models import CalendarDay
from server.dispatch.workdays import load_calendar
from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.people.models import User


def calendar_year(year: int) -> dict[str, Any]:
    """Describe a year: entered days, package coverage, completeness and the warning."""
    from server.dispatch.models import CalendarYear
    from server.dispatch.workdays import FALLBACK_WARNING, package_covers

    covered = package_covers(year)
    days = db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)).all()
    mark = db.session.get(CalendarYear, year)
    marker = db.session.get(User, mark.marked_by_id) if mark and mark.marked_by_id else None
    warning = None if covered or mark is not None else FALLBACK_WARNING.format(year=year)
    return {"year": year, "package_covers": covered, "complete": mark is not None,
            "marked_at": mark.marked_at if mark else None,
            "marked_by_name": marker.display_name if marker else None, "warning": warning,
            "days": [{"day": d.day, "is_workday": d.is_workday, "name": d.name} for d in days]}


def _calendar_changed(user: User, change: Any) -> int:
    """Apply a calendar change, recount open deadlines on the new calendar; commit."""
    from server.dispatch.calendar import recompute_open_deadlines

    old = load_calendar()
    change()
    db.session.flush()
    moved = recompute_open_deadlines(user, old, load_calendar())
    db.session.commit()
    return moved


def set_calendar_days(user: User, days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enter or replace holidays and make-up working days (data overriding the package)."""
    _require_district(user)
    years = sorted({item["day"].year for item in days})

    def change() -> None:
        put_calendar_days(days, user.id)

    _calendar_changed(user, change)
    return [calendar_year(y) for y in years]


def put_calendar_days(days: list[dict[str, Any]], entered_by_id: int | None) -> set[int]:
    """Enter or replace calendar days in the session without committing; return their years.

    (For callers that write more in the same transaction, such as the district import.)
    """
    years = set()
    for item in days:
        day: date = item["day"]
        row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
        row = row or CalendarDay(day=day)
        row.is_workday = bool(item["is_workday"])
        row.name = item.get("name") or ""
        row.entered_by_id = entered_by_id
        db.session.add(row)
        years.add(day.year)
    return years


def delete_calendar_day(user: User, day: date) -> None:
    """Remove one entered day."""
    _require_district(user)
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        raise NotFound("该日期未录入", code="calendar_day_not_found")
    _calendar_changed(user, lambda: db.session.delete(row))


def mark_calendar_year(user: User, year: int, complete: bool) -> dict[str, Any]:
    """Mark a year's schedule complete (its warning ends) or incomplete again."""
    from server.dispatch.calendar import mark_year

    _require_district(user)
    if not 2000 <= year <= 2100:
        raise ValidationFailed(errors={"year": ["年份应在 2000 到 2100 之间"]})
    _calendar_changed(user, lambda: mark_year(user, year, complete))
    return calendar_year(year)
