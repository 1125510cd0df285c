"""Console sessions kept server-side, so signing out and revoking take effect at once.

The signed cookie carries the user id and a random session id; the database keeps the
session's SHA-256 with the user's session generation at sign-in. A request is signed in only
while that row exists, is neither revoked nor expired, and its generation is still the
user's: logout revokes the row, and disabling, a reset or a new password bump the generation
(every session and bearer token of the user ends in the same transaction). Nothing of this is
cached between requests.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from server.common.models import utcnow
from server.extensions import db
from server.people.models import ApiToken, StaffSession, User


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(user: User, ip: str | None = None, agent: str | None = None) -> str:
    """Record a new console session for the user; return the id the cookie carries."""
    now = utcnow()
    # Sessions of this user that can no longer be used are of no further interest.
    db.session.execute(delete(StaffSession).where(
        StaffSession.user_id == user.id,
        or_(StaffSession.expires_at <= now, StaffSession.revoked_at.is_not(None),
            StaffSession.generation != user.session_generation)))
    sid = secrets.token_urlsafe(32)
    lifetime: timedelta = current_app.permanent_session_lifetime
    db.session.add(StaffSession(id=_digest(sid), user_id=user.id,
                                generation=user.session_generation, created_at=now,
                                expires_at=now + lifetime, ip=(ip or "")[:45] or None,
                                user_agent=(agent or "")[:200] or None))
    return sid


def session_user(user_id: object, sid: object) -> User | None:
    """Return the active user a cookie's (user id, session id) still signs in, or None."""
    if not isinstance(sid, str) or not isinstance(user_id, int):
        return None
    row = db.session.get(StaffSession, _digest(sid))
    if row is None or row.user_id != user_id or row.revoked_at is not None \
            or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or row.generation != user.session_generation:
        return None
    return user


def end_session(sid: object) -> None:
    """Revoke one console session (logout); a copied cookie stops working with it."""
    if isinstance(sid, str):
        db.session.execute(update(StaffSession).where(StaffSession.id == _digest(sid))
                           .values(revoked_at=utcnow()))


def revoke_everything(user: User) -> None:
    """End every console session and bearer token of the user (the caller commits)."""
    now = utcnow()
    user.session_generation = (user.session_generation or 0) + 1
    db.session.execute(update(StaffSession).where(StaffSession.user_id == user.id,
                                                  StaffSession.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                              ApiToken.revoked.is_(False))
                       .values(revoked=True))


def active_sessions(user: User) -> int:
    """Count the user's console sessions that still sign in."""
    return int(db.session.scalar(select(func.count()).select_from(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None),
        StaffSession.expires_at > utcnow(),
        StaffSession.generation == user.session_generation)) or 0)
