"""Pages (static HTML) of the dispatch domain, and the Open311 endpoints."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

from server.dispatch.open311 import bp as open311_bp

bp = Blueprint("dispatch_pages", __name__)
# Open311 GeoReport v2 lives at /open311/v2/… beside the pages (not under /api/v1).
bp.register_blueprint(open311_bp)


@bp.route("/console/calendar")
def calendar_page() -> Response:
    """Open the holidays and make-up working days page (节假日设置)."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/calendar.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
