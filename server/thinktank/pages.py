"""Pages (static HTML) of the think tank: its console and the invitation replies."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("thinktank_pages", __name__)


def _page(relative: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", relative, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/thinktank")
def thinktank() -> Response:
    """Open the registers of members and experts with the suggestion panel."""
    return _page("console/thinktank.html")


@bp.route("/invite/<string:token>")
def invitation(token: str) -> Response:
    """Open the one-time page where an invited expert or member accepts or declines."""
    response = _page("people/invite.html")
    # The token is a credential: keep it out of Referer headers sent to other sites.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
