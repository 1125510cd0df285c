"""Pages (static HTML) of the review domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("review_pages", __name__)


@bp.route("/console/review")
def review_page() -> Response:
    """Open the chair meeting's review page (主席会议审议)."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/review.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
