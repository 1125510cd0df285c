"""Sign-in endpoints for staff and residents."""

from __future__ import annotations

from typing import Any

from flask import session
from flask.sessions import NullSession
from flask_smorest import Blueprint

from server.audit.capture import audited
from server.common.text import mask_phone
from server.extensions import limiter
from server.people import services
from server.people.access import csrf_token, require_resident, require_staff
from server.people.models import ROLES, User
from server.people.schemas import (
    LoginSchema,
    ResidentSchema,
    ResidentTokenSchema,
    SessionSchema,
    TokenRequestSchema,
    TokenSchema,
    WeChatLoginSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与身份")


def user_payload(user: User) -> dict[str, Any]:
    """Describe a staff user and the scopes of their roles."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.roles),
        "grants": [
            {
                "role": g.role,
                "role_name": ROLES.get(g.role, g.role),
                "unit_id": g.unit_id,
                "unit_name": g.unit.name if g.unit else None,
                "department_id": g.department_id,
                "department_name": g.department.name if g.department else None,
                "site_id": g.site_id,
                "site_name": g.site.name if g.site else None,
            }
            for g in user.grants
        ],
    }


@blp.route("/auth/login", methods=["POST"])
@audited("login", keep=("username",))
@limiter.limit("20/minute")
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def login(body: dict[str, str]) -> dict[str, Any]:
    """Sign a staff user in with a session cookie (for the console)."""
    user = services.authenticate(body["username"], body["password"])
    session.clear()
    session["uid"] = user.id
    session.permanent = True
    return {"user": user_payload(user), "csrf_token": csrf_token()}


@blp.route("/auth/logout", methods=["POST"])
@audited("logout")
@blp.response(200, SessionSchema)
def logout() -> dict[str, Any]:
    """End the console session."""
    if not isinstance(session, NullSession):  # a resident's bearer request has no session
        session.clear()
    return {}


@blp.route("/auth/me")
@blp.response(200, SessionSchema)
def me() -> dict[str, Any]:
    """Return the signed-in staff user and the CSRF token for writes."""
    user = require_staff()
    return {"user": user_payload(user), "csrf_token": csrf_token()}


@blp.route("/auth/tokens", methods=["POST"])
@audited("token", keep=("username", "name"))
@limiter.limit("20/minute")
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(body: dict[str, str]) -> dict[str, Any]:
    """Issue a bearer token for an API client (username and password required)."""
    user = services.authenticate(body["username"], body["password"])
    token, row = services.issue_api_token(user, body.get("name", ""))
    return {"token": token, "expires_at": row.expires_at}


@blp.route("/auth/wechat", methods=["POST"])
@audited("login", keep=())
@limiter.limit("600/minute")  # a full hall (300) signing in within a minute, from one WiFi
@blp.arguments(WeChatLoginSchema)
@blp.response(200, ResidentTokenSchema)
def wechat_login(body: dict[str, str]) -> dict[str, Any]:
    """Exchange a WeChat wx.login code for our resident token."""
    resident, token = services.login_with_wechat(body["code"])
    return {"token": token, "resident_id": resident.id, "kind": resident.kind}


@blp.route("/auth/guest", methods=["POST"])
@limiter.limit("30/minute")
@blp.response(201, ResidentTokenSchema)
def guest_login() -> dict[str, Any]:
    """Give a plain phone browser a signed device token."""
    resident, token = services.create_guest()
    return {"token": token, "resident_id": resident.id, "kind": resident.kind}


@blp.route("/residents/me")
@blp.response(200, ResidentSchema)
def resident_me() -> dict[str, Any]:
    """Return the calling resident (phone masked)."""
    resident = require_resident()
    return {"id": resident.id, "kind": resident.kind, "phone": mask_phone(resident.phone)}



def _register_thinktank() -> None:
    # Members and experts live in their own module; nesting keeps one DOMAINS entry.
    from server.people.thinktank_routes import blp as thinktank_blp

    blp.register_blueprint(thinktank_blp)


_register_thinktank()
