"""Pages (static HTML) of the audit domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("audit_pages", __name__)


@bp.route("/console/audit")
def audit_page() -> Response:
    """Open the audit log search page (审计日志) of the staff console."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/audit.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
