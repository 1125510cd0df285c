"""Store audit records (directly or through the Redis stream), drain the stream, search the log.

Why two ways in: a staff request is rare and precious, so its row is written at once in its
own transaction. Residents vote, check in and report in bursts; their records go onto one
Redis stream (one XADD, no database write in the request) and `drain()` copies them into the
table in batches: from a background thread per process, from `flask audit drain`, and before
every search. If Redis cannot take a record it is written directly, and the other way round.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError

from server.audit import keys
from server.audit.describe import describe, summary_text
from server.audit.models import AuditEvent
from server.common.models import utcnow
from server.common.tables import table_file
from server.common.text import local_time
from server.common.worker import ensure_loop
from server.errors import ValidationFailed
from server.extensions import db, get_redis

log = logging.getLogger(__name__)

BATCH = 500
LOCK_MS = 60_000
DEFAULT_STREAM_MAXLEN = 200_000
EXPORT_LIMIT = 50_000
VIEWER_ROLES = ("admin", "supervisor")
COLUMNS = tuple(c.name for c in AuditEvent.__table__.columns if c.name != "id")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


# ---- writing ---------------------------------------------------------------------------


def insert_direct(record: dict[str, Any]) -> None:
    """Insert one record in its own transaction, outside the request's session."""
    with db.engine.begin() as conn:
        conn.execute(insert(AuditEvent.__table__).values(**table_row(record)))


def push_stream(record: dict[str, Any], client: redis.Redis | None = None) -> str:
    """Append one record to the stream (capped, approximately) and return its entry id."""
    client = client or get_redis()
    maxlen = int(current_app.config.get("AUDIT_STREAM_MAXLEN", DEFAULT_STREAM_MAXLEN))
    payload = json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":"))
    return str(client.xadd(keys.stream(), {"e": payload}, maxlen=maxlen, approximate=True))


def store(record: dict[str, Any], *, via_stream: bool) -> str:
    """Store a record the preferred way, falling back to the other; return the way used."""
    if via_stream:
        try:
            push_stream(record)
            ensure_background_drain()
            return "stream"
        except redis.RedisError:
            log.warning("audit stream unavailable; writing the record directly")
        insert_direct(record)
        return "db"
    try:
        insert_direct(record)
        return "db"
    except SQLAlchemyError:
        log.exception("audit insert failed; queueing the record on the stream")
    push_stream(record)
    return "stream"


def record_command(command: str, summary: dict[str, Any] | None = None, *,
                   username: str | None = None, user_id: int | None = None,
                   resource: dict[str, Any] | None = None, ok: bool = True) -> None:
    """Record a change made from the server's command line (`flask users create-admin` …).

    The operator has no account here: the row names the command and, when the command acted
    for an account (the import's administrator), that account.
    """
    record = {
        "at": utcnow().isoformat(), "actor_kind": "staff" if user_id else "system",
        "user_id": user_id, "username": username, "resident_id": None, "action": "command",
        "method": "CLI", "endpoint": None, "path_template": f"flask {command}",
        "path": f"flask {command}", "resource": resource, "status": 0 if ok else 1,
        "outcome": "ok" if ok else "error", "personal_data": False, "ip": None,
        "user_agent": None, "summary": summary, "duration_ms": None,
    }
    insert_direct(record)


def table_row(record: dict[str, Any]) -> dict[str, Any]:
    """Turn a record (as built by the hook) into the table's column values."""
    row = {name: record.get(name) for name in COLUMNS}
    if isinstance(row["at"], str):
        row["at"] = datetime.fromisoformat(row["at"])
    row["personal_data"] = bool(row["personal_data"])
    return row


# ---- the drain -------------------------------------------------------------------------


def drain(max_batches: int | None = None) -> int:
    """Copy queued stream records into the table; return how many rows were added.

    One process drains at a time (a lock in Redis); a record already copied (same stream id)
    is skipped, so a drain that died before deleting its batch loses and doubles nothing.
    """
    client = get_redis()
    token = secrets.token_hex(8)
    if not client.set(keys.drain_lock(), token, nx=True, px=LOCK_MS):
        return 0
    moved = 0
    batches = 0
    table = AuditEvent.__table__
    try:
        while max_batches is None or batches < max_batches:
            entries = client.xrange(keys.stream(), min="-", max="+", count=BATCH)
            if not entries:
                break
            batches += 1
            rows = []
            for entry_id, fields in entries:
                try:
                    row = table_row(json.loads(fields["e"]))
                except (KeyError, TypeError, ValueError):
                    log.error("dropping a malformed audit stream entry %s", entry_id)
                    continue
                row["stream_id"] = entry_id
                rows.append(row)
            ids = [entry_id for entry_id, _ in entries]
            with db.engine.begin() as conn:
                known = set(conn.scalars(select(table.c.stream_id)
                                         .where(table.c.stream_id.in_(ids))))
                fresh = [row for row in rows if row["stream_id"] not in known]
                if fresh:
                    conn.execute(insert(table), fresh)
            client.xdel(keys.stream(), *ids)
            moved += len(fresh)
            client.pexpire(keys.drain_lock(), LOCK_MS)
    finally:
        try:
            client.eval(_RELEASE, 1, keys.drain_lock(), token)
        except redis.RedisError:
            pass
    return moved


def queued() -> int:
    """Return how many records wait in the stream."""
    return int(get_redis().xlen(keys.stream()))


def drain_interval(app: Flask) -> float:
    """Seconds between background drains (AUDIT_DRAIN_INTERVAL; 0: none)."""
    return float(app.config["AUDIT_DRAIN_INTERVAL"])


def ensure_background_drain(app: Flask | None = None) -> None:
    """Start this process's drain thread if it is not running."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    ensure_loop(app, "sl_audit_drain", "audit-drain", drain_interval(app), drain, log,
                "background audit drain failed")


# ---- search ----------------------------------------------------------------------------


def _query(filters: dict[str, Any]) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent)
    exact = {"user_id": AuditEvent.user_id, "resident_id": AuditEvent.resident_id,
             "actor_kind": AuditEvent.actor_kind, "action": AuditEvent.action,
             "outcome": AuditEvent.outcome, "endpoint": AuditEvent.endpoint,
             "status": AuditEvent.status, "personal_data": AuditEvent.personal_data}
    for name, column in exact.items():
        if filters.get(name) is not None:
            stmt = stmt.where(column == filters[name])
    if filters.get("method"):
        stmt = stmt.where(AuditEvent.method == filters["method"].upper())
    if filters.get("username"):
        stmt = stmt.where(func.lower(AuditEvent.username) == filters["username"].lower())
    if filters.get("path"):
        needle = f"%{filters['path']}%"
        stmt = stmt.where(or_(AuditEvent.path_template.like(needle),
                              AuditEvent.path.like(needle)))
    if filters.get("ip"):
        # A trailing dot or colon asks for a prefix (a subnet), otherwise one address.
        ip = filters["ip"]
        stmt = stmt.where(AuditEvent.ip.startswith(ip) if ip.endswith((".", ":"))
                          else AuditEvent.ip == ip)
    if filters.get("since"):
        stmt = stmt.where(AuditEvent.at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(AuditEvent.at < filters["until"])
    if filters.get("since") and filters.get("until") and filters["since"] >= filters["until"]:
        raise ValidationFailed(errors={"until": ["结束时间应晚于开始时间"]})
    return stmt


def search(filters: dict[str, Any]) -> dict[str, Any]:
    """Return one page of matching events, newest first, with the total count."""
    _drain_quietly()
    stmt = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, per_page = filters.get("page", 1), filters.get("per_page", 50)
    rows = db.session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return {"items": [event_payload(e) for e in rows], "total": total, "page": page,
            "per_page": per_page}


def _drain_quietly() -> None:
    # A search should show the latest resident records, but not fail if Redis is down.
    try:
        drain(max_batches=20)
    except (redis.RedisError, SQLAlchemyError):
        log.warning("audit drain before search failed", exc_info=True)


ACTOR_NAMES = {"staff": "工作人员", "resident": "群众", "anonymous": "未登录",
               "system": "服务器命令行"}
OUTCOME_NAMES = {"ok": "成功", "denied": "被拒绝", "error": "失败"}
ACTION_NAMES = {"write": "操作", "login": "登录", "logout": "退出登录", "token": "签发令牌",
                "export": "导出", "download": "下载", "audit_search": "查询审计日志",
                "view": "查看个人信息", "password": "修改密码", "command": "命令行操作"}


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """Describe one event for the API."""
    return {
        "id": event.id, "at": event.at,
        "at_local": local_time(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        "actor_kind": event.actor_kind, "actor_name": ACTOR_NAMES.get(event.actor_kind, ""),
        "user_id": event.user_id, "username": event.username, "resident_id": event.resident_id,
        "action": event.action, "action_name": ACTION_NAMES.get(event.action, event.action),
        "method": event.method, "endpoint": event.endpoint,
        "path_template": event.path_template, "path": event.path, "resource": event.resource,
        "status": event.status, "outcome": event.outcome,
        "outcome_name": OUTCOME_NAMES.get(event.outcome, event.outcome),
        "personal_data": event.personal_data, "ip": event.ip, "user_agent": event.user_agent,
        "summary": event.summary, "duration_ms": event.duration_ms,
        "description": describe(event.method, event.path_template, event.path),
        "summary_text": summary_text(event.summary),
    }


EXPORT_COLUMNS = ["时间", "身份", "用户ID", "用户名", "群众ID", "动作", "操作内容", "方法",
                  "接口", "路径",
                  "状态码", "结果", "涉及个人信息", "IP", "客户端", "摘要"]


def export_events(filters: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    """Export matching events (newest first, capped) as CSV or XLSX."""
    _drain_quietly()
    stmt = _query(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    table = [[
        local_time(e.at).strftime("%Y-%m-%d %H:%M:%S"), ACTOR_NAMES.get(e.actor_kind, ""),
        e.user_id or "", e.username or "", e.resident_id or "",
        ACTION_NAMES.get(e.action, e.action), describe(e.method, e.path_template, e.path),
        e.method, e.path_template or "", e.path,
        e.status, OUTCOME_NAMES.get(e.outcome, e.outcome), "是" if e.personal_data else "否",
        e.ip or "", e.user_agent or "",
        summary_text(e.summary),
    ] for e in db.session.scalars(stmt.limit(EXPORT_LIMIT))]
    stamp = local_time(utcnow()).strftime("%Y%m%d-%H%M")
    return table_file(EXPORT_COLUMNS, table, fmt, "审计日志", f"audit-{stamp}")
