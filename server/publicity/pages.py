"""Pages (static HTML) of the publicity domain: the shareable outcomes page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("publicity_pages", __name__)


def _page() -> Response:
    response = send_from_directory(current_app.static_folder or "static",
                                   "publicity/outcomes.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/outcomes/s/<string:code>")
def site_page(code: str) -> Response:
    """Open a site's public outcomes page (协商成果), for phones and the wall."""
    del code  # the page reads it from its address
    return _page()


@bp.route("/outcomes/u/<string:code>")
def unit_page(code: str) -> Response:
    """Open a town's or the district's public outcomes page."""
    del code
    return _page()
