"""Pages (static HTML) of the publicity domain: the shareable outcomes page."""

from __future__ import annotations

from flask import Blueprint, Response

from server.common.pages import static_page

bp = Blueprint("publicity_pages", __name__)


@bp.route("/outcomes/s/<string:code>")
def sitestatic_page(code: str) -> Response:
    """Open a site's public outcomes page (协商成果), for phones and the wall."""
    del code  # the page reads it from its address
    return static_page("publicity/outcomes.html")


@bp.route("/outcomes/u/<string:code>")
def unitstatic_page(code: str) -> Response:
    """Open a town's or the district's public outcomes page."""
    del code
    return static_page("publicity/outcomes.html")
