"""HTTP endpoints of the evaluation domain."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from server.audit.capture import audited
from server.evaluation import scope
from server.evaluation.schemas import (
    DashboardSchema,
    HotTopicsSchema,
    OutcomeRatingBodySchema,
    OutcomeRatingSchema,
    PeriodArgsSchema,
    ReportArgsSchema,
    TopicArgsSchema,
    UnitItemSchema,
    WallArgsSchema,
    WallSchema,
)
from server.people.access import require_resident, require_staff

blp = Blueprint("evaluation", __name__, url_prefix="/api/v1", description="评价研判")


@blp.route("/evaluation/dashboard")
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, DashboardSchema)
def dashboard(args: dict[str, Any]) -> dict[str, Any]:
    """Return the four highs, counters, children, heat table and trend of a unit."""
    return scope.dashboard_for(require_staff(*scope.VIEWER_ROLES), args)


@blp.route("/evaluation/units")
@blp.response(200, UnitItemSchema(many=True))
def units() -> list[dict[str, Any]]:
    """List the units the caller may open on the dashboard."""
    return scope.units_for(require_staff(*scope.VIEWER_ROLES))


@blp.route("/evaluation/hot-topics")
@blp.arguments(TopicArgsSchema, location="query")
@blp.response(200, HotTopicsSchema)
def hot_topics(args: dict[str, Any]) -> dict[str, Any]:
    """Return keywords and clusters of similar opinions, with weekly counts."""
    return scope.hot_topics_for(require_staff(*scope.VIEWER_ROLES), args)


@blp.route("/evaluation/report")
@audited("export")
@blp.arguments(ReportArgsSchema, location="query")
@blp.response(200, content_type="application/octet-stream",
              description="XLSX workbook (one sheet per view) or PDF briefing (专报)")
def report(args: dict[str, Any]) -> Response:
    """Download the monthly workbook (format=xlsx) or the printable briefing (format=pdf)."""
    from server.evaluation.reports import report_for

    data, mimetype, filename = report_for(require_staff(*scope.VIEWER_ROLES), args)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@blp.route("/evaluation/outcomes/<int:outcome_id>/rating")
@blp.response(200, OutcomeRatingSchema)
def my_outcome_rating(outcome_id: int) -> dict[str, Any]:
    """Return the calling resident's rating of a meeting outcome (null if none yet)."""
    from server.evaluation.ratings import my_outcome_rating

    return my_outcome_rating(require_resident(), outcome_id)


@blp.route("/evaluation/outcomes/<int:outcome_id>/rating", methods=["PUT"])
@blp.arguments(OutcomeRatingBodySchema)
@blp.response(200, OutcomeRatingSchema)
def rate_outcome(body: dict[str, Any], outcome_id: int) -> dict[str, Any]:
    """Rate a meeting outcome (满意 / 基本满意 / 不满意); changeable for 7 days, then fixed."""
    from server.evaluation.ratings import rate_outcome

    return rate_outcome(require_resident(), outcome_id, body["rating"], body.get("comment"))


@blp.route("/evaluation/wall")
@blp.arguments(WallArgsSchema, location="query")
@blp.response(200, WallSchema)
def wall(args: dict[str, Any]) -> dict[str, Any]:
    """Return the command-centre wall: live counters, meetings in session, latest reports."""
    return scope.wall_for(require_staff(*scope.VIEWER_ROLES), args)


@blp.route("/evaluation/wall/stream")
@blp.arguments(WallArgsSchema, location="query")
@blp.doc(responses={200: {"description": "text/event-stream: `snapshot` events (the same "
                                         "object as GET /evaluation/wall) on every change"}})
def wall_stream(args: dict[str, Any]) -> Response:
    """Follow the wall by Server-Sent Events: a new snapshot whenever something changed."""
    from server.evaluation import wall as wall_module

    user = require_staff(*scope.VIEWER_ROLES)
    # Fingerprint first: a change made while the snapshot is built still triggers a new one.
    seen = wall_module.fingerprint()
    first = scope.wall_for(user, args)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from server.extensions import db

    db.session.remove()  # the stream opens its own sessions between polls
    body = wall_module.stream(app, first["unit"]["id"], first, seen)
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
