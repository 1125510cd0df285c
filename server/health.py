"""Liveness and readiness: is the database there, is Redis there."""

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
        report["redis"] = {"ok": True, "mode": mode}
    except RedisError as exc:
        report["redis"] = {"ok": False, "error": type(exc).__name__}
    report["status"] = "ok" if all(v["ok"] for v in report.values()) else "degraded"
    return report


@bp.route("/healthz")
def healthz() -> Any:
    """Report database and Redis status (503 when either is down)."""
    report = check_health()
    return jsonify(report), 200 if report["status"] == "ok" else 503
