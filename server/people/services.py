"""Sign-in rules: passwords and lockout, API tokens, resident tokens, WeChat login."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from server.common.models import utcnow
from server.errors import Forbidden, Unauthorized, ValidationFailed
from server.extensions import db, get_redis
from server.people import passwords
from server.people.models import ROLES, ApiToken, Grant, Resident, User
from server.wechat import WeChatClient

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

STAFF_TOKEN_PREFIX = "sl_"
UNUSABLE_PASSWORD = "!"
RESIDENT_TOKEN_PREFIX = "r."


class InvalidCredentials(Unauthorized):
    code, message = "invalid_credentials", "用户名或密码错误"


class PasswordChangeRequired(Forbidden):
    code, message = "password_change_required", "请先修改临时密码，再使用其他功能"


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    if len(password) < 8:
        raise ValidationFailed(errors={"password": ["密码至少 8 位"]})
    return _hasher.hash(password)


def create_user(
    username: str, password: str, display_name: str, grants: list[dict[str, int | str | None]]
) -> User:
    """Create a staff user with role grants (each: role plus optional unit/department/site)."""
    for grant in grants:
        if grant["role"] not in ROLES:
            raise ValidationFailed(errors={"role": [f"未知角色：{grant['role']}"]})
    user = User(username=username, display_name=display_name,
                password_hash=hash_password(password))
    user.grants = [Grant(role=str(g["role"]), unit_id=g.get("unit_id"),
                         department_id=g.get("department_id"), site_id=g.get("site_id"))
                   for g in grants]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """Check a username and password; repeated failures are throttled, never locked out.

    After a reset the temporary password signs in (until it expires) and the account may do
    nothing but choose a new password (`must_change_password`).
    """
    from server.people import login_throttle

    now = now or utcnow()
    login_throttle.before_attempt(username)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        login_throttle.failed_attempt(username)
        raise InvalidCredentials()
    if passwords.temporary_matches(user.temp_password_hash, password):
        if user.temp_password_expires_at is None or user.temp_password_expires_at <= now:
            login_throttle.failed_attempt(username)
            raise InvalidCredentials("临时密码已过期，请联系管理员重新重置",
                                     code="temporary_password_expired")
    elif not _verify(user.password_hash, password):
        user.failed_logins += 1
        db.session.commit()
        login_throttle.failed_attempt(username)
        raise InvalidCredentials()
    elif _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    login_throttle.succeeded(username)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Give the user a new password that meets the policy; end every session and token.

    The caller commits (and, for the user's own change, starts a fresh session).
    """
    from server.people.sessions import revoke_everything

    passwords.check_policy(password, user.username)
    user.password_hash = _hasher.hash(password)
    user.password_vetted = True
    user.must_change_password = False
    user.temp_password_hash = None
    user.temp_password_expires_at = None
    user.password_changed_at = utcnow()
    revoke_everything(user)


def set_temporary_password(user: User) -> str:
    """Replace the user's password by a temporary one (shown once); end every session.

    The old password stops working; the account must choose a new one at its next sign-in.
    """
    from server.people.sessions import revoke_everything

    plain = issue_temporary_password(user)
    revoke_everything(user)
    return plain


def issue_temporary_password(user: User) -> str:
    """Give a (new) account a temporary password to change at first sign-in; return it."""
    plain = passwords.new_temporary_password()
    # No password works but the temporary one until the user picks their own ("!" is no
    # Argon2 hash, so nothing verifies against it; drawing one would cost ~0.3 s per account).
    user.password_hash = UNUSABLE_PASSWORD
    user.password_vetted = True
    user.temp_password_hash = passwords.temporary_digest(plain)
    user.temp_password_expires_at = utcnow() + timedelta(
        days=int(current_app.config.get("TEMP_PASSWORD_DAYS", 7)))
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    return plain


def has_password(user: User, password: str) -> bool:
    """Tell whether the password is the user's current (Argon2) password."""
    return _verify(user.password_hash, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, name: str = "") -> tuple[str, ApiToken]:
    """Create a bearer token for an API client; the plain token is returned only once."""
    if user.must_change_password:
        raise PasswordChangeRequired()
    plain = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_digest(plain), name=name,
                   generation=user.session_generation,
                   expires_at=utcnow() + timedelta(days=current_app.config["API_TOKEN_DAYS"]))
    db.session.add(row)
    db.session.commit()
    return plain, row


def user_for_api_token(plain: str) -> User | None:
    """Return the active user a bearer token belongs to, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))
    if row is None or row.revoked or row.expires_at <= utcnow() or not row.user.active:
        return None
    if row.generation != row.user.session_generation:
        return None  # revoked with every other credential of the user (disable, reset)
    return row.user


def _resident_serializer() -> URLSafeTimedSerializer:
    # Built once per app and secret: constructing one costs more than checking a signature.
    secret = current_app.config["SECRET_KEY"]
    cached = current_app.extensions.get("sl_resident_serializer")
    if cached is None or cached[0] != secret:
        cached = (secret, URLSafeTimedSerializer(secret, salt="resident-token"))
        current_app.extensions["sl_resident_serializer"] = cached
    return cached[1]


# Verified resident tokens per app: token -> (resident id, signed at). A token names its
# resident by signature alone (nothing to revoke), so a verified one stays valid until its
# age passes RESIDENT_TOKEN_DAYS, which is checked on every hit. Live voting sends the same
# few hundred tokens many times; this saves an HMAC, base64 and JSON decode per request.
_TOKEN_CACHE_MAX = 100_000


def resident_token(resident: Resident) -> str:
    """Sign a token that identifies a resident (no personal data inside)."""
    return RESIDENT_TOKEN_PREFIX + str(_resident_serializer().dumps({"rid": resident.id}))


def resident_id_for_token(token: str) -> int | None:
    """Return the resident id a signed token names (signature only, no database read)."""
    if not token.startswith(RESIDENT_TOKEN_PREFIX):
        return None
    max_age = current_app.config["RESIDENT_TOKEN_DAYS"] * 86400
    cache: dict[str, tuple[int, float]] = current_app.extensions.setdefault(
        "sl_resident_tokens", {})
    hit = cache.get(token)
    if hit is not None and time.time() - hit[1] <= max_age:
        return hit[0]
    try:
        data, signed_at = _resident_serializer().loads(
            token[len(RESIDENT_TOKEN_PREFIX):], max_age=max_age, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    resident_id = int(data.get("rid", 0)) or None
    if resident_id is not None:
        if len(cache) >= _TOKEN_CACHE_MAX:
            cache.clear()
        cache[token] = (resident_id, signed_at.timestamp())
    return resident_id


def resident_for_token(token: str) -> Resident | None:
    """Return the resident a signed token names, or None if it is forged or expired."""
    resident_id = resident_id_for_token(token)
    return db.session.get(Resident, resident_id) if resident_id else None


def wechat_client() -> WeChatClient:
    """Build the WeChat client from configuration, caching its access token in Redis."""
    cfg = current_app.config
    return WeChatClient(cfg["WECHAT_API_BASE"], cfg["WECHAT_APPID"], cfg["WECHAT_SECRET"],
                        timeout=cfg["WECHAT_TIMEOUT"], token_cache=get_redis())


def login_with_wechat(code: str) -> tuple[Resident, str]:
    """Exchange a wx.login code for a resident and our own token."""
    session = wechat_client().code2session(code)
    appid = current_app.config["WECHAT_APPID"]
    resident = db.session.scalar(
        select(Resident).where(Resident.appid == appid, Resident.openid == session.openid)
    )
    if resident is None:
        resident = Resident(kind="wechat", appid=appid, openid=session.openid,
                            unionid=session.unionid)
        db.session.add(resident)
    resident.last_seen_at = utcnow()
    db.session.commit()
    return resident, resident_token(resident)


def create_guest() -> tuple[Resident, str]:
    """Create a browser-only resident and its signed device token."""
    resident = Resident(kind="guest", last_seen_at=utcnow())
    db.session.add(resident)
    db.session.commit()
    return resident, resident_token(resident)
