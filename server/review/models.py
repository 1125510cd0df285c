"""Tables of the review domain: review sessions, each outcome's review state and timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db

DECISIONS = {"adopt": "采纳转办", "proposal": "转提案", "briefing": "报送社情民意信息",
             "return": "退回补充"}
ITEM_STATUSES = {"pending": "待审议", "decided": "已审议", "returned": "已退回补充"}


class ReviewSession(db.Model):
    """One sitting of the chair meeting (主席会议) that reviewed outcomes."""

    __tablename__ = "review_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewItem(db.Model):
    """Where an outcome stands in review; an outcome of a closed meeting without one is queued."""

    __tablename__ = "review_items"

    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_outcomes.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewEvent(db.Model):
    """One step on an outcome's review timeline (decision, return, resubmission)."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_outcomes.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("review_sessions.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # decision | resubmit
    decision: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
