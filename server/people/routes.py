"""Sign-in endpoints for staff and residents."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request, session
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
@limiter.limit("30/minute")
@blp.arguments(WeChatLoginSchema)
@blp.response(200, ResidentTokenSchema)
def wechat_login(body: dict[str, str]) -> dict[str, Any]:
    """Exchange a WeChat wx.login code for our resident token."""
    resident, token = services.login_with_wechat(body["code"])
    return {"token": token, "resident_id": resident.id, "kind": resident.kind}


# Guest sign-in is sized for a full hall: a meeting room's phones share one WiFi (one NAT
# address) and all open the meeting page within a minute, some twice. Per address it is
# generous; per device (the page's X-Device-Id, kept across tokens) it is tight, since a
# device needs a new token only when its storage was cleared. Stuffing defences beyond
# this are the hardening issue's (#15). Both can be changed in the app's config.
GUEST_LIMIT_PER_ADDRESS = "1200/minute;6000/hour"
GUEST_LIMIT_PER_DEVICE = "5/minute;30/day"
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _guest_limit_per_address() -> str:
    return str(current_app.config.get("GUEST_LIMIT_PER_ADDRESS", GUEST_LIMIT_PER_ADDRESS))


def _guest_limit_per_device() -> str:
    return str(current_app.config.get("GUEST_LIMIT_PER_DEVICE", GUEST_LIMIT_PER_DEVICE))


def _device_id() -> str:
    value = request.headers.get("X-Device-Id", "")
    return value if DEVICE_ID.fullmatch(value) else ""


@blp.route("/auth/guest", methods=["POST"])
@limiter.limit(_guest_limit_per_address)
@limiter.limit(_guest_limit_per_device, key_func=lambda: "device:" + _device_id(),
               exempt_when=lambda: not _device_id())
@blp.response(201, ResidentTokenSchema)
def guest_login() -> dict[str, Any]:
    """Give a plain phone browser a signed device token (limited per address and device)."""
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
