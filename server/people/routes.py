"""Sign-in endpoints for staff and residents."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request, session
from flask.sessions import NullSession
from flask_smorest import Blueprint

from server.audit.capture import audited
from server.common.text import mask_phone
from server.extensions import db, limiter
from server.people import accounts, services, sessions
from server.people.access import csrf_token, current_identity, require_resident, require_staff
from server.people.models import ROLES, User
from server.people.schemas import (
    AccountArgsSchema,
    AccountCreateSchema,
    AccountPageSchema,
    AccountSchema,
    AccountUpdateSchema,
    GrantRequestSchema,
    LoginSchema,
    PasswordChangeSchema,
    ResidentSchema,
    ResidentTokenSchema,
    SessionSchema,
    TemporaryPasswordSchema,
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
        "must_change_password": bool(user.must_change_password),
        "grants": [
            {
                "id": g.id,
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
    _sign_in(user)
    return {"user": user_payload(user), "csrf_token": csrf_token()}


def _sign_in(user: User) -> None:
    """Start a server-side session for the user and put its id in a fresh cookie."""
    sid = sessions.start_session(user, request.remote_addr, request.user_agent.string)
    db.session.commit()
    session.clear()
    session["uid"] = user.id
    session["sid"] = sid
    session.permanent = True


@blp.route("/auth/logout", methods=["POST"])
@audited("logout")
@blp.response(200, SessionSchema)
def logout() -> dict[str, Any]:
    """End the console session: the server forgets it, so a copy of the cookie is useless."""
    if not isinstance(session, NullSession):  # a resident's bearer request has no session
        sessions.end_session(session.get("sid"))
        db.session.commit()
        session.clear()
    return {}


@blp.route("/auth/password", methods=["POST"])
@audited("password", keep=())
@limiter.limit("10/minute")
@blp.arguments(PasswordChangeSchema)
@blp.response(200, SessionSchema)
def change_password(body: dict[str, str]) -> dict[str, Any]:
    """Change your own password; every other session and token of yours ends."""
    identity = current_identity()
    user = require_staff()
    accounts.change_own_password(user, body["current_password"], body["new_password"])
    db.session.commit()
    if identity.via == "cookie":
        _sign_in(user)  # this browser stays signed in, on a new session
    return {"user": user_payload(user), "csrf_token": csrf_token()}


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



# ---- accounts and grants (administrators, within their scope) -----------------------------


def account_payload(actor: User, user: User) -> dict[str, Any]:
    """Describe an account for an administrator (phone masked)."""
    return {**user_payload(user), "phone": mask_phone(user.phone), "active": user.active,
            "last_login_at": user.last_login_at,
            "password_changed_at": user.password_changed_at,
            "manageable": accounts.can_manage(actor, user)}


def _temporary(actor: User, user: User, temporary: str) -> dict[str, Any]:
    return {"account": account_payload(actor, user), "temporary_password": temporary,
            "expires_at": user.temp_password_expires_at}


@blp.route("/accounts")
@blp.arguments(AccountArgsSchema, location="query")
@blp.response(200, AccountPageSchema)
def list_accounts(args: dict[str, Any]) -> dict[str, Any]:
    """List the staff accounts within your admin scope."""
    actor = require_staff("admin")
    rows, total = accounts.list_accounts(actor, q=args["q"], active=args["active"],
                                         page=args["page"], per_page=args["per_page"])
    return {"items": [account_payload(actor, u) for u in rows], "total": total,
            "page": args["page"], "per_page": args["per_page"]}


@blp.route("/accounts", methods=["POST"])
@blp.arguments(AccountCreateSchema)
@blp.response(201, TemporaryPasswordSchema)
def create_account(body: dict[str, Any]) -> dict[str, Any]:
    """Create a staff account; its temporary password is shown once, in this answer."""
    actor = require_staff("admin")
    user, temporary = accounts.create_account(actor, body)
    return _temporary(actor, user, temporary)


@blp.route("/accounts/<int:user_id>")
@blp.response(200, AccountSchema)
def get_account(user_id: int) -> dict[str, Any]:
    """Return one account within your admin scope."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.get_account(actor, user_id))


@blp.route("/accounts/<int:user_id>", methods=["PATCH"])
@blp.arguments(AccountUpdateSchema)
@blp.response(200, AccountSchema)
def update_account(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Change an account's name or phone."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.update_account(actor, user_id, body))


@blp.route("/accounts/<int:user_id>/disable", methods=["POST"])
@blp.response(200, AccountSchema)
def disable_account(user_id: int) -> dict[str, Any]:
    """Disable an account: its sessions and tokens stop working at once."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.set_active(actor, user_id, False))


@blp.route("/accounts/<int:user_id>/enable", methods=["POST"])
@blp.response(200, AccountSchema)
def enable_account(user_id: int) -> dict[str, Any]:
    """Enable a disabled account (it signs in again with its password)."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.set_active(actor, user_id, True))


@blp.route("/accounts/<int:user_id>/reset-password", methods=["POST"])
@blp.response(200, TemporaryPasswordSchema)
def reset_password(user_id: int) -> dict[str, Any]:
    """Replace an account's password by a temporary one (shown once); ends its sessions."""
    actor = require_staff("admin")
    user, temporary = accounts.reset_password(actor, user_id)
    return _temporary(actor, user, temporary)


@blp.route("/accounts/<int:user_id>/grants", methods=["POST"])
@blp.arguments(GrantRequestSchema)
@blp.response(200, AccountSchema)
def add_grant(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Grant a role over a scope; both must lie within your own admin scope."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.add_grant(actor, user_id, body))


@blp.route("/accounts/<int:user_id>/grants/<int:grant_id>", methods=["DELETE"])
@blp.response(200, AccountSchema)
def remove_grant(user_id: int, grant_id: int) -> dict[str, Any]:
    """Revoke a grant within your admin scope (the account's sessions end with it)."""
    actor = require_staff("admin")
    return account_payload(actor, accounts.remove_grant(actor, user_id, grant_id))

