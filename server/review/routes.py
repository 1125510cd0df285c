"""HTTP endpoints of the review domain (主席会议审议)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.people.access import require_staff
from server.review import schemas as s
from server.review import services, timeline

blp = Blueprint("review", __name__, url_prefix="/api/v1", description="主席会议审议")


@blp.route("/review/queue")
@blp.response(200, s.ReviewQueueItemSchema(many=True))
def review_queue() -> list[dict[str, Any]]:
    """List closed meetings' outcomes waiting for the chair meeting."""
    return services.queue(require_staff())


@blp.route("/review/sessions")
@blp.response(200, s.ReviewSessionSchema(many=True))
def list_sessions() -> list[dict[str, Any]]:
    """List recorded review sessions."""
    return services.list_sessions(require_staff())


@blp.route("/review/sessions", methods=["POST"])
@blp.arguments(s.ReviewSessionInSchema)
@blp.response(201, s.ReviewSessionSchema)
def record_session(body: dict[str, Any]) -> dict[str, Any]:
    """Record a review session: date, attendees and a decision for each outcome."""
    return services.session_payload(services.record_session(require_staff(), body))


@blp.route("/review/sessions/<int:session_id>")
@blp.response(200, s.ReviewSessionSchema)
def show_session(session_id: int) -> dict[str, Any]:
    """Return one review session with its decisions."""
    return services.get_session(require_staff(), session_id)


@blp.route("/review/returned")
@blp.response(200, s.ReviewQueueItemSchema(many=True))
def returned() -> list[dict[str, Any]]:
    """List outcomes returned to the caller's sites for supplement."""
    return services.returned(require_staff())


@blp.route("/review/outcomes/<int:outcome_id>/resubmit", methods=["POST"])
@blp.arguments(s.ReviewResubmitSchema)
@blp.response(200, s.ReviewResubmittedSchema)
def resubmit(body: dict[str, Any], outcome_id: int) -> dict[str, Any]:
    """Send a returned outcome back to the queue with the site's supplement."""
    row = services.resubmit(require_staff(), outcome_id, body["note"])
    return {"outcome_id": row.outcome_id, "status": row.status}


@blp.route("/review/outcomes/<int:outcome_id>/timeline")
@blp.response(200, s.ReviewTimelineSchema)
def outcome_timeline(outcome_id: int) -> dict[str, Any]:
    """Return an outcome's timeline: agreed, reviewed, then its case or proposal."""
    require_staff()
    return timeline.outcome_timeline(outcome_id)
