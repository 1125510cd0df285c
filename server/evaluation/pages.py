"""Pages (static HTML) of the evaluation domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("evaluation_pages", __name__)


@bp.route("/console/dashboard")
def dashboard_page() -> Response:
    """Open the leaders' dashboard (评价研判) of the staff console."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "dashboard/index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/wall")
def wall_page() -> Response:
    """Open the command centre's wall (指挥调度中心大屏), 1920×1080."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "wall/index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
