"""Pages (static HTML) of the people domain: accounts and permissions, changing a password."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("people_pages", __name__)


def _page(relative: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", relative, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/accounts")
def accounts() -> Response:
    """Open the accounts and permissions page (账号与权限)."""
    return _page("console/accounts.html")


@bp.route("/console/password")
def password() -> Response:
    """Open the page where staff change their own (or their temporary) password."""
    return _page("console/password.html")
