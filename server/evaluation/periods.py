"""Reporting periods: local (Asia/Shanghai) dates, `end` exclusive inside, inclusive outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from server.common.text import SHANGHAI
from server.errors import ValidationFailed

MAX_PERIOD_DAYS = 400


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) in Asia/Shanghai."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Return the period's UTC instants [from, to)."""
        lo = datetime.combine(self.start, time(), SHANGHAI).astimezone(UTC)
        hi = datetime.combine(self.end, time(), SHANGHAI).astimezone(UTC)
        return lo, hi

    @property
    def last(self) -> date:
        """Return the period's last day (inclusive): what requests and responses carry."""
        return self.end - timedelta(days=1)

    def label(self) -> str:
        """Return the period as people read it (both ends inclusive)."""
        return f"{self.start:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    def as_dict(self) -> dict[str, str]:
        """Return the period as the API shows it: start and end both inclusive, and a label."""
        return {"start": self.start.isoformat(), "end": self.last.isoformat(),
                "label": self.label()}


def make_period(start: date | None, end: date | None, *, today: date | None = None) -> Period:
    """Build a period, defaulting to the current month so far; `end` is exclusive."""
    today = today or datetime.now(SHANGHAI).date()
    start = start or today.replace(day=1)
    end = end or today + timedelta(days=1)
    if end <= start:
        raise ValidationFailed(errors={"end": ["结束日期必须晚于开始日期"]})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(errors={"end": [f"统计期不能超过 {MAX_PERIOD_DAYS} 天"]})
    return Period(start, end)


def month_period(year: int, month: int) -> Period:
    """Return the period of one calendar month."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, end)
