"""The audit log: one append-only row per audited request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Boolean, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db

ACTOR_KINDS = ("staff", "resident", "anonymous", "system")
OUTCOMES = ("ok", "denied", "error")


class AuditEvent(db.Model):
    """Who did what, when and from where; never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(12))
    # No foreign keys: the log must outlive accounts and never wait on their row locks.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The username at the time (or the one attempted at a failed login).
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    resident_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24), index=True)
    method: Mapped[str] = mapped_column(String(8))
    endpoint: Mapped[str | None] = mapped_column(String(100))
    path_template: Mapped[str | None] = mapped_column(String(255), index=True)
    path: Mapped[str] = mapped_column(String(500))
    resource: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(8), index=True)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # The request id (X-Request-Id) also found in the log lines of the same request.
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Redis stream entry id of records that came through the stream: makes the drain
    # idempotent when it dies between the insert and the XDEL.
    stream_id: Mapped[str | None] = mapped_column(String(32), unique=True)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete an audit row."""


@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args: object) -> None:
    raise AuditLogIsAppendOnly("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args: object) -> None:
    raise AuditLogIsAppendOnly("audit events are append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state: ORMExecuteState) -> None:
    # update(AuditEvent)/delete(AuditEvent) statements skip the mapper events above.
    if (state.is_update or state.is_delete) and any(
            m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit events are append-only")


# PostgreSQL refuses row changes itself (TRUNCATE, a DBA's retention tool, still works).
# Migration 0010 creates the same; this covers databases built with create_all.
PG_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
event.listen(AuditEvent.__table__, "after_create",
             DDL(PG_APPEND_ONLY_FUNCTION).execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "after_create",
             DDL(PG_APPEND_ONLY_TRIGGER).execute_if(dialect="postgresql"))
