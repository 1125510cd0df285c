"""Pages (static HTML) of the assessment domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("assessment_pages", __name__)


@bp.route("/console/assessment")
def assessment_page() -> Response:
    """Open the assessment page (考评) of the staff console."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/assessment.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
