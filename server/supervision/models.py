"""Tables of the supervision domain: overdue warnings, supervision orders and their timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db

LEVELS = {"blue": "蓝色预警", "yellow": "黄色预警", "red": "红色预警"}
LEVEL_ORDER = ("blue", "yellow", "red")
STEPS = {"sign": "签收", "answer": "答复", "order": "督办回复"}
TARGET_KINDS = {"case": "案件", "department": "部门", "site": "点位"}
ORDER_STATUSES = {"issued": "已下发", "responded": "已回复", "escalated": "已升级",
                  "closed": "已办结"}
ORDER_ACTIONS = {"issue": "下发督办", "respond": "督办回复", "escalate": "升级督办",
                 "close": "督办办结", "warn": "超时预警"}


class OverdueWarning(db.Model):
    """One warning raised once for a step of a case or an order, at one level, for one deadline.

    The unique key makes the sweep idempotent: two sweeps (even concurrent) insert one row;
    a new deadline (an approved extension, a redo) is a new key and warns afresh.
    """

    __tablename__ = "supervision_warnings"
    __table_args__ = (UniqueConstraint("target_kind", "target_id", "step", "level", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # case | order
    target_id: Mapped[int] = mapped_column(Integer)  # Opinion.id or SupervisionOrder.id
    step: Mapped[str] = mapped_column(String(16))  # sign | answer | order
    level: Mapped[str] = mapped_column(String(8), index=True)  # blue | yellow | red
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the step finished, its deadline moved, or a higher level replaced this one.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Copied from the target so scoped lists and filters need no join through orders.
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_orders.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    member_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notified: Mapped[int] = mapped_column(Integer, default=0)


class SupervisionOrder(db.Model):
    """A supervision order (督办) on a case, a department or a site, with a demand and due date."""

    __tablename__ = "supervision_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # case | department | site
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # The unit the target lies in (case/site), None for a district department: scope checks.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    demand: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the current deadline was set (issue or an escalation with a new one): its window.
    due_set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="issued", index=True)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrderEvent(db.Model):
    """One step in an order's history (issue, response, escalation, warning); append-only."""

    __tablename__ = "supervision_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supervision_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OrderHistoryIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete an order's timeline event."""


@event.listens_for(OrderEvent, "before_update")
def _no_update(*_args: object) -> None:
    raise OrderHistoryIsAppendOnly("order events are append-only")


@event.listens_for(OrderEvent, "before_delete")
def _no_delete(*_args: object) -> None:
    raise OrderHistoryIsAppendOnly("order events are append-only")
