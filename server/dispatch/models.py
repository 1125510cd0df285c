"""Tables of the dispatch domain: case assignment, deadlines, calendar, routing, exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.extensions import db


class Case(db.Model):
    """Dispatch facts of one opinion: who must act, by when, how often it came back."""

    __tablename__ = "dispatch_cases"

    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    member_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    answer_days: Mapped[int] = mapped_column(Integer, default=15)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when a deadline was computed on plain weekends (a year nobody entered).
    calendar_warning: Mapped[str | None] = mapped_column(String(255))

    assists: Mapped[list[CaseAssist]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def assisting_department_ids(self) -> list[int]:
        """Return the ids of the assisting departments (协办)."""
        return sorted(a.department_id for a in self.assists)


class CaseAssist(db.Model):
    """An assisting department (协办单位) of a co-handled case."""

    __tablename__ = "dispatch_case_assists"
    __table_args__ = (UniqueConstraint("opinion_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("dispatch_cases.opinion_id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)


class ExtensionRequest(db.Model):
    """A request for more time (延期申请) and its decision."""

    __tablename__ = "dispatch_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved | refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    old_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadlineRule(db.Model):
    """Working-day limits for a category or a kind; a category rule wins over a kind rule."""

    __tablename__ = "dispatch_deadline_rules"
    __table_args__ = (UniqueConstraint("category_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    kind: Mapped[str | None] = mapped_column(String(16))
    sign_days: Mapped[int] = mapped_column(Integer, default=1)
    answer_days: Mapped[int] = mapped_column(Integer)


class CalendarDay(db.Model):
    """A staff-entered day overriding the holiday package: a holiday or a make-up workday."""

    __tablename__ = "dispatch_calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarYear(db.Model):
    """A year staff marked as completely entered (all holidays and make-up working days).

    A year the holiday package does not cover keeps its console warning until it is marked:
    one entered holiday is not a year's schedule.
    """

    __tablename__ = "dispatch_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoutingRule(db.Model):
    """Suggest a department for a category within a unit subtree (no unit: the district)."""

    __tablename__ = "dispatch_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))


class ReplyTemplate(db.Model):
    """A reply template handlers can start an answer from."""

    __tablename__ = "dispatch_reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class ExportLog(db.Model):
    """Who exported which list, when, and whether phones were masked."""

    __tablename__ = "dispatch_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    fmt: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(Integer)
    phones_masked: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
