"""Presence and check-in: the rotating join code on the big screen, attendance."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import redis
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.common import signals
from server.common.publicurl import printable_base_url
from server.errors import Conflict
from server.extensions import db, get_redis
from server.meetings import checkin_guard, keys
from server.meetings.errors import PresenceExpired, PresenceInvalid
from server.meetings.lookup import CODE_ALPHABET, meeting_by_code, moderated_meeting, publish
from server.meetings.models import Attendance, Meeting, Poll
from server.people.models import User

PRESENCE_WINDOW_SECONDS = 30


def presence_code(meeting_id: int, window: int) -> str:
    """Return the join code of one 30-second window (HMAC of meeting and window)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"presence:{meeting_id}:{window}".encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:6])


def current_window(now: float | None = None) -> int:
    """Return the number of the current 30-second window."""
    return int((time.time() if now is None else now) // PRESENCE_WINDOW_SECONDS)


def join_code(user: User, meeting_id: int, now: float | None = None) -> dict[str, Any]:
    """Return the big screen's rotating join code, its URL, QR SVG and seconds left."""
    from qr.codes import meeting_url, render_svg

    meeting = moderated_meeting(user, meeting_id)
    now = time.time() if now is None else now
    window = current_window(now)
    url = meeting_url(printable_base_url(), meeting.code)
    if meeting.presence_check:
        url += f"?p={presence_code(meeting.id, window)}"
    left = PRESENCE_WINDOW_SECONDS - (now - window * PRESENCE_WINDOW_SECONDS)
    return {"code": presence_code(meeting.id, window) if meeting.presence_check else "",
            "url": url, "svg": render_svg(url), "expires_in": round(left, 2),
            "window_seconds": PRESENCE_WINDOW_SECONDS}


def verify_presence(meeting: Meeting, code: str | None, now: float | None = None) -> None:
    """Accept the code of the current or the previous window only."""
    if not code:
        raise PresenceInvalid("请扫描会场大屏幕上的签到二维码后再签到", code="presence_required")
    window = current_window(now)
    code = code.strip().upper()
    for age in (0, 1):
        if hmac.compare_digest(code, presence_code(meeting.id, window - age)):
            return
    if any(hmac.compare_digest(code, presence_code(meeting.id, window - age))
           for age in range(2, 2 * 60 * 24)):
        raise PresenceExpired()
    raise PresenceInvalid()


def check_in(code: str, resident_id: int, presence: str | None,
             now: float | None = None) -> Attendance:
    """Record a resident's attendance (presence-checked for on-site meetings)."""
    meeting = meeting_by_code(code)
    if meeting.status == "closed":
        raise Conflict("本次协商活动已结束", code="meeting_closed")
    if meeting.status != "in_session" and meeting.status != "published":
        raise Conflict("本次协商活动尚未开始签到", code="meeting_not_started")
    existing = db.session.scalar(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id))
    if existing is not None:
        return existing
    checkin_guard.admit(meeting, resident_id)  # one per device, attempts limited (issue 15)
    if meeting.presence_check:
        verify_presence(meeting, presence, now)
    attendance = Attendance(meeting_id=meeting.id, resident_id=resident_id,
                            channel="onsite" if meeting.presence_check else "online")
    db.session.add(attendance)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalars(select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id)).one()
    open_polls = [p.id for p in meeting.polls if p.status == "open"]
    _allow_in_redis(open_polls, resident_id)
    publish(meeting.id, "attendance", "attendance", attendance_payload(meeting))
    signals.meeting_checked_in.send(meeting, resident_id=resident_id)
    return attendance


def _allow_in_redis(poll_ids: list[int], resident_id: int) -> None:
    try:
        client = get_redis()
        for poll_id in poll_ids:
            client.sadd(keys.poll_eligible(poll_id), resident_id)
    except redis.RedisError:
        # Redis will be rebuilt from the attendance table before it takes votes again.
        if poll_ids:
            db.session.execute(update(Poll).where(Poll.id.in_(poll_ids))
                               .values(db_generation=Poll.db_generation + 1))
            db.session.commit()


def attendance_count(meeting_id: int) -> int:
    """Count residents checked in to a meeting."""
    return int(db.session.scalar(select(func.count(Attendance.id))
                                 .where(Attendance.meeting_id == meeting_id)) or 0)


def attendance_payload(meeting: Meeting) -> dict[str, Any]:
    """Describe attendance against the quorum."""
    count = attendance_count(meeting.id)
    return {"checked_in": count, "quorum": meeting.quorum,
            "quorum_met": count >= meeting.quorum if meeting.quorum else True}
