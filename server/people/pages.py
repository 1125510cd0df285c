"""Pages (static HTML) of the people domain: accounts and permissions, changing a password."""

from __future__ import annotations

from flask import Blueprint, Response

from server.common.pages import static_page

bp = Blueprint("people_pages", __name__)


@bp.route("/console/accounts")
def accounts() -> Response:
    """Open the accounts and permissions page (账号与权限)."""
    return static_page("console/accounts.html")


@bp.route("/console/password")
def password() -> Response:
    """Open the page where staff change their own (or their temporary) password."""
    return static_page("console/password.html")
