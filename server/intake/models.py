"""Opinions (社情民意) residents report, their categories, and their append-only timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.common.pii import EncryptedString
from server.extensions import db

# Workflow states (docs/architecture.md, "Glossary"); dispatch owns the transitions.
STATES = {
    "received": "待受理",
    "accepted": "已受理",
    "declined": "不予受理",
    "assigned": "已派单",
    "signed": "已签收",
    "in_progress": "办理中",
    "answered": "已答复",
    "closed": "已办结",
    "merged": "已合并",
    "voided": "已作废",
}
OPEN_STATES = {"received", "accepted", "assigned", "signed", "in_progress"}

# What kind of request it is (诉求类型); deadlines depend on it.
KINDS = {"consult": "咨询", "help": "求助", "complaint": "投诉", "suggestion": "建议"}

RATINGS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}


class Category(db.Model):
    """A topic residents pick (道路交通, 环境卫生 …); staff configure the list."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    default_kind: Mapped[str] = mapped_column(String(16), default="suggestion")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Opinion(db.Model):
    """One matter a resident reported (一事一议); a case once dispatched."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    # Copied from the site so scope and statistics queries need no join.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="suggestion")
    text: Mapped[str] = mapped_column(Text)
    # Encrypted at rest, found by its keyed hash (common.pii; migration 0020).
    phone: Mapped[str | None] = mapped_column(EncryptedString(128))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Added by intake (0003): the name a staff member wrote down when entering on behalf.
    contact_name: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    moderation: Mapped[str] = mapped_column(String(16), default="ok")  # ok | held | refused
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[str | None] = mapped_column(String(16))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    events: Mapped[list[OpinionEvent]] = relationship(
        back_populates="opinion", order_by="OpinionEvent.id"
    )


class OpinionEvent(db.Model):
    """One step in an opinion's history; rows are only ever added."""

    __tablename__ = "opinion_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))  # resident | staff | system
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The opinion's unit, on 'rate' events (0015), so the participation figure counts raters
    # per unit from the events alone; other events leave it empty. An opinion never changes
    # unit. The ORM fills it on insert (below); bulk inserts must set it themselves.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    opinion: Mapped[Opinion] = relationship(back_populates="events")


class HistoryIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete a timeline event."""


@event.listens_for(OpinionEvent, "before_insert")
def _rate_event_unit(_mapper: object, connection: Connection, target: OpinionEvent) -> None:
    """Give a rate event its opinion's unit when the writer did not."""
    if target.action == "rate" and target.unit_id is None:
        target.unit_id = connection.scalar(
            select(Opinion.unit_id).where(Opinion.id == target.opinion_id))


@event.listens_for(OpinionEvent, "before_update")
def _no_update(*_args: object) -> None:
    raise HistoryIsAppendOnly("opinion events are append-only")


@event.listens_for(OpinionEvent, "before_delete")
def _no_delete(*_args: object) -> None:
    raise HistoryIsAppendOnly("opinion events are append-only")


# ---- intake's own tables (migration 0003) --------------------------------------------------


class OpinionPhoto(db.Model):
    """A photo a resident (or staff entering on behalf) uploaded, re-encoded, stored by hash."""

    __tablename__ = "opinion_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unattached until the report that uses it is submitted.
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumb_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OpinionSupport(db.Model):
    """A resident saying "我也遇到了" (+1) on someone else's open report."""

    __tablename__ = "opinion_supports"
    __table_args__ = (UniqueConstraint("opinion_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(db.Model):
    """A client's Idempotency-Key remembered with the report it created."""

    __tablename__ = "intake_idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))  # "r:<resident id>" or "u:<user id>"
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrackingCounter(db.Model):
    """The last tracking-number sequence used on one Asia/Shanghai day."""

    __tablename__ = "tracking_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD
    last: Mapped[int] = mapped_column(Integer, default=0)


SENSITIVE_LEVELS = {"block": "拒绝提交", "review": "人工审核"}


class SensitiveWord(db.Model):
    """A word staff configured: reports containing it are refused or held for review."""

    __tablename__ = "sensitive_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(16), default="review")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
