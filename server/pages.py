"""The pages people open: resident phone pages and the staff console (static files)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, send_from_directory

bp = Blueprint("pages", __name__)


def _page(relative: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", relative,
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/")
def index() -> Response:
    """Send people to the staff console."""
    return redirect("/console/")  # type: ignore[return-value]


@bp.route("/s/<string:code>")
def resident_site(code: str) -> Response:
    """Open a site's resident page (the URL printed in its QR code)."""
    return _page("resident/index.html")


@bp.route("/console/")
def console() -> Response:
    """Open the staff console."""
    return _page("console/index.html")
