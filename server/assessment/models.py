"""Tables of the assessment domain: score settings, checklist items, evidence, sign-offs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db


class ScoreSetting(db.Model):
    """One configurable number of the score formula (a weight, a penalty or a target)."""

    __tablename__ = "assessment_settings"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChecklistItem(db.Model):
    """One item of the district's demonstration-site standard (有场所、有牌子 …)."""

    __tablename__ = "assessment_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChecklistEntry(db.Model):
    """A site's standing on one checklist item: the reviewer's sign-off (who, when, verdict)."""

    __tablename__ = "assessment_checklist_entries"
    __table_args__ = (UniqueConstraint("site_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_checklist_items.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved | rejected
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChecklistEvidence(db.Model):
    """A photo or PDF proving a site meets an item; the file is stored by content hash."""

    __tablename__ = "assessment_checklist_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_checklist_items.id"))
    kind: Mapped[str] = mapped_column(String(16))  # photo | document
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(128), default="")
    size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
