"""Who is calling, and what they may see: identity per request, role checks, scopes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import ColumnElement, false, or_, true

from server.errors import Forbidden, Unauthorized
from server.people.models import Resident, User
from server.people.services import (
    RESIDENT_TOKEN_PREFIX,
    STAFF_TOKEN_PREFIX,
    PasswordChangeRequired,
    resident_for_token,
    user_for_api_token,
)
from server.people.sessions import session_user
from server.sites.models import Site, Unit, subtree_unit_ids

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "X-CSRF-Token"
# Signing in again replaces the session, and an invitation link carries its own signed
# token and never acts as the session's user: there is nothing to forge in either.
CSRF_EXEMPT_ENDPOINTS = {"auth.login", "thinktank.respond_by_token"}
# What an account that must replace its temporary password may still call.
PASSWORD_CHANGE_ENDPOINTS = {"auth.me", "auth.logout", "auth.change_password"}


@dataclass
class Identity:
    user: User | None = None
    resident: Resident | None = None
    via: str = "none"  # cookie | bearer | none


def current_identity() -> Identity:
    """Return the identity loaded for this request."""
    identity = g.get("identity")
    if identity is None:
        identity = _load_identity()
        g.identity = identity
    return identity


def bearer_token() -> str | None:
    """Return the token of this request's `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def _load_identity() -> Identity:
    token = bearer_token()
    if token is not None:
        if token.startswith(STAFF_TOKEN_PREFIX):
            user = user_for_api_token(token)
            if user is None:
                raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
            return _staff_identity(user, "bearer")
        if token.startswith(RESIDENT_TOKEN_PREFIX):
            resident = resident_for_token(token)
            if resident is None:
                raise Unauthorized("身份已失效，请重新打开页面", code="invalid_token")
            return Identity(resident=resident, via="bearer")
        raise Unauthorized("无法识别的身份令牌", code="invalid_token")
    user_id = session.get("uid")
    if user_id is not None:
        user = session_user(user_id, session.get("sid"))
        if user is not None:
            return _staff_identity(user, "cookie")
    return Identity()


def _staff_identity(user: User, via: str) -> Identity:
    if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        raise PasswordChangeRequired()
    return Identity(user=user, via=via)


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    """Cookie-authenticated writes must echo the session's CSRF token in a header."""
    if request.method not in UNSAFE_METHODS or "uid" not in session:
        return
    if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    if bearer_token() is not None:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    expected = session.get("csrf", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden("页面已过期，请刷新后重试", code="csrf_failed")


# How an Authorization header held by a resident starts (compared in lower case).
RESIDENT_BEARER = "bearer " + RESIDENT_TOKEN_PREFIX


class SessionInterface(SecureCookieSessionInterface):
    """Cookie sessions, except for requests a resident makes with a bearer token.

    A resident bearer token is the whole identity of such a request (_load_identity reads the
    token first, _check_csrf skips bearer requests and residents never sign in by cookie), so
    its cookie is neither read nor written: the session is an empty NullSession, read-only.
    This spares the live-vote path a cookie decode and signer per request.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the cookie session, or an empty read-only one for resident bearer requests."""
        header = request.headers.get("Authorization", "")
        if header[:len(RESIDENT_BEARER)].lower() == RESIDENT_BEARER:
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_access(app: Flask) -> None:
    """Forget any identity from an earlier request, then check CSRF on each request."""
    app.session_interface = SessionInterface()
    app.before_request(_forget_identity)
    app.before_request(_check_csrf)


def _forget_identity() -> None:
    g.pop("identity", None)


def require_staff(*roles: str) -> User:
    """Return the staff user, or raise 401 (nobody) / 403 (a resident or a missing role)."""
    identity = current_identity()
    if identity.user is None:
        if identity.resident is not None:
            raise Forbidden("此功能仅限工作人员使用", code="staff_only")
        raise Unauthorized()
    if roles and not (identity.user.roles & set(roles)):
        raise Forbidden()
    return identity.user


def require_district_staff(*roles: str) -> User:
    """Return a staff user holding one of the roles over the whole district, or raise.

    For district-level controls (the audit log) whose rows cannot be cut by unit.
    """
    user = require_staff(*roles)
    if not any(grant.district_wide for grant in _grants(user, roles)):
        raise Forbidden("此功能仅限全区范围的工作人员使用", code="district_only")
    return user


def require_resident() -> Resident:
    """Return the calling resident, or raise 401."""
    identity = current_identity()
    if identity.resident is None:
        raise Unauthorized("请先打开扫码页面获取身份", code="resident_required")
    return identity.resident


# ---- scopes -----------------------------------------------------------------------------


def _grants(user: User, roles: Iterable[str] | None) -> list[Any]:
    wanted = set(roles) if roles else None
    return [grant for grant in user.grants if wanted is None or grant.role in wanted]


def can_access_site(user: User, site: Site, roles: Iterable[str] | None = None) -> bool:
    """Tell whether one of the user's grants (of the given roles) covers the site."""
    for grant in _grants(user, roles):
        if grant.district_wide:
            return True
        if grant.site_id is not None and grant.site_id == site.id:
            return True
        if grant.unit is not None and site.unit.is_within(grant.unit):
            return True
    return False


def can_access_unit(user: User, unit: Unit, roles: Iterable[str] | None = None) -> bool:
    """Tell whether one of the user's grants covers the whole unit subtree."""
    for grant in _grants(user, roles):
        if grant.district_wide:
            return True
        if grant.unit is not None and unit.is_within(grant.unit):
            return True
    return False


def ensure_site_access(user: User, site: Site, roles: Iterable[str] | None = None) -> None:
    """Raise 403 unless the user's scope covers the site."""
    if not can_access_site(user, site, roles):
        raise Forbidden("该点位不在您的管辖范围内", code="out_of_scope")


def site_scope_filter(user: User, roles: Iterable[str] | None = None) -> ColumnElement[bool]:
    """Return a SQL condition on Site (joined to Unit) limiting rows to the user's scope."""
    conditions: list[ColumnElement[bool]] = []
    for grant in _grants(user, roles):
        if grant.district_wide:
            return true()
        if grant.site_id is not None:
            conditions.append(Site.id == grant.site_id)
        if grant.unit is not None:
            conditions.append(
                Site.unit_id.in_(subtree_unit_ids(grant.unit.path))
            )
    return or_(*conditions) if conditions else false()
