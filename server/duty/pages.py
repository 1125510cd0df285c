"""Pages (static HTML) of the duty domain: the staff scores and the member's phone page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("duty_pages", __name__)


def _static(path: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", path, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/duty")
def duty_page() -> Response:
    """Open the members' duty assessment page (委员履职考核)."""
    return _static("console/duty.html")


@bp.route("/member/duty")
def my_duty_page() -> Response:
    """Open a member's own duty record on the phone (我的履职档案)."""
    return _static("duty/me.html")
