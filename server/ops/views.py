"""`/readyz` for load balancers and `/metrics` for Prometheus (plain Flask, not the API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from server.errors import error_response
from server.extensions import limiter

bp = Blueprint("ops", __name__)


@bp.route("/readyz")
@limiter.exempt
def readyz() -> Any:
    """Say whether this instance should get traffic (503 with the failing parts if not)."""
    from server.ops.ready import check_ready

    report = check_ready()
    return jsonify(report), 200 if report["ready"] else 503


@bp.route("/metrics")
@limiter.exempt
def metrics() -> Any:
    """Expose Prometheus metrics to the scraper (token or loopback only)."""
    from server.ops.metrics import exposition, may_scrape

    if not may_scrape():
        return error_response(403, "forbidden", "无权读取运行指标")
    body, content_type = exposition()
    return Response(body, content_type=content_type)
