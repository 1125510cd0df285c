"""Pages (static HTML) of the supervision domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("supervision_pages", __name__)


@bp.route("/console/supervision")
def supervision_page() -> Response:
    """Open the supervision page (指导督查): warnings by colour and supervision orders."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/supervision.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
