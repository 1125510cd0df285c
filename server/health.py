"""Liveness and readiness: is the database there, is Redis there (and does it keep its data)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from redis import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db, get_redis

bp = Blueprint("health", __name__)


def check_health() -> dict[str, Any]:
    """Probe the database and Redis; report each as ok or with the error."""
    report: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = {"ok": True, "dialect": db.engine.dialect.name}
    except SQLAlchemyError as exc:
        db.session.rollback()
        report["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        client = get_redis()
        client.ping()
        mode = "configured" if current_app.config.get("REDIS_URL") else "embedded"
        report["redis"] = {"ok": True, "mode": mode, **redis_persistence(client)}
    except RedisError as exc:
        report["redis"] = {"ok": False, "error": type(exc).__name__}
    report["status"] = "ok" if all(v["ok"] for v in report.values()) else "degraded"
    return report


NO_AOF = ("Redis 未开启 AOF 持久化（appendonly no）：Redis 一旦重启，"
          "已确认但尚未存入数据库的选票会丢失。请设置 appendonly yes")
AOF_UNKNOWN = ("无法确认 Redis 是否开启 AOF 持久化（CONFIG 命令不可用）：请向服务商确认 "
               "appendonly yes，否则 Redis 重启时可能丢失已确认但尚未存入数据库的选票")


def redis_persistence(client: Any) -> dict[str, Any]:
    """Tell whether Redis writes its append-only file; warn (in Chinese) when not or unknown.

    A live ballot is acknowledged by Redis and reaches the database a moment later; a Redis
    restarted without its append-only file forgets the ballots of that moment.
    """
    try:
        value = (client.config_get("appendonly") or {}).get("appendonly")
    except RedisError:  # managed Redis services often refuse CONFIG
        value = None
    if value == "yes":
        return {"appendonly": "yes"}
    if value == "no":
        return {"appendonly": "no", "warning": NO_AOF}
    return {"appendonly": "unknown", "warning": AOF_UNKNOWN}


@bp.route("/healthz")
def healthz() -> Any:
    """Report database and Redis status (503 when either is down)."""
    report = check_health()
    return jsonify(report), 200 if report["status"] == "ok" else 503
