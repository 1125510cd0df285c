"""Tables of the notify domain: the outbox and the configurable WeChat templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db

EVENTS = {"accepted": "已受理", "answered": "已答复", "assigned": "新派单", "redo": "重办",
          "meeting_published": "新协商活动",
          # supervision (overdue warnings and supervision orders), staff inboxes only
          "warn_blue": "蓝色预警", "warn_yellow": "黄色预警", "warn_red": "红色预警",
          "order": "督办", "order_reply": "督办回复", "order_escalated": "督办升级",
          # think tank invitations
          "invited": "协商邀请", "invite_reply": "邀请回复"}
STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败", "skipped": "未发送"}


class Notification(db.Model):
    """One message in the outbox: written with the change, delivered (and retried) after."""

    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # wechat | inbox
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MessageTemplate(db.Model):
    """A WeChat subscribe-message template id and its field mapping for one event."""

    __tablename__ = "notify_templates"

    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64))
    page: Mapped[str] = mapped_column(String(128), default="")
    # WeChat key (thing1, phrase2, time3 …) -> our value name (see services.VALUE_NAMES)
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Subscription(db.Model):
    """A resident's one-time WeChat subscriptions to one template: one credit per 允许.

    WeChat lets the mini-program send one message per acceptance of a one-time template
    and refuses (43101) once they are used up, so each send takes one credit.
    """

    __tablename__ = "notify_subscriptions"
    __table_args__ = (CheckConstraint("credits >= 0", name="credits_not_negative"),)

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    accepted_total: Mapped[int] = mapped_column(Integer, default=0)
    last_result: Mapped[str] = mapped_column(String(16), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
