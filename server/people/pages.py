"""Pages (static HTML) of the people domain: the think-tank console and invitation replies."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("people_pages", __name__)


def _page(relative: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", relative, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/thinktank")
def thinktank() -> Response:
    """Open the registers of members and experts with the suggestion panel."""
    return _page("console/thinktank.html")


@bp.route("/console/accounts")
def accounts() -> Response:
    """Open the accounts and permissions page (账号与权限)."""
    return _page("console/accounts.html")


@bp.route("/console/password")
def password() -> Response:
    """Open the page where staff change their own (or their temporary) password."""
    return _page("console/password.html")


@bp.route("/invite/<string:token>")
def invitation(token: str) -> Response:
    """Open the one-time page where an invited expert or member accepts or declines."""
    response = _page("people/invite.html")
    # The token is a credential: keep it out of Referer headers sent to other sites.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
