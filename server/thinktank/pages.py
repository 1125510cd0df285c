"""Pages (static HTML) of the think tank: its console and the invitation replies."""

from __future__ import annotations

from flask import Blueprint, Response

from server.common.pages import static_page

bp = Blueprint("thinktank_pages", __name__)


@bp.route("/console/thinktank")
def thinktank() -> Response:
    """Open the registers of members and experts with the suggestion panel."""
    return static_page("console/thinktank.html")


@bp.route("/invite/<string:token>")
def invitation(token: str) -> Response:
    """Open the one-time page where an invited expert or member accepts or declines."""
    response = static_page("people/invite.html")
    # The token is a credential: keep it out of Referer headers sent to other sites.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
