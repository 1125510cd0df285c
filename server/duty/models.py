"""Tables of the duty domain: one row per duty event, and the formula's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db


class DutyEvent(db.Model):
    """One thing a member did (attended, raised a topic, followed a case …), once per source."""

    __tablename__ = "duty_events"
    __table_args__ = (
        # A source counts once: the same check-in or reply recorded twice is one event.
        UniqueConstraint("member_id", "kind", "ref", name="uq_duty_events_member_kind_ref"),
        Index("ix_duty_events_year_member", "year", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    ref: Mapped[str] = mapped_column(String(40))  # "meeting:12", "topic:3" …
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    at_attached_site: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DutySetting(db.Model):
    """One configurable number of the duty score formula (points, a cap or the requirement)."""

    __tablename__ = "duty_settings"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
