"""What screens, phones and the site page read: meeting snapshots and public results."""

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy import select

from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.expiry import close_expired_in
from server.meetings.followup import outcome_public, when_text
from server.meetings.lookup import _site_by_code, meeting_by_code
from server.meetings.models import (
    MEETING_STATUSES,
    PARTICIPANT_KINDS,
    POLL_KINDS,
    Attendance,
    Ballot,
    Meeting,
    Poll,
)
from server.meetings.presence import attendance_count, attendance_payload
from server.meetings.tally import poll_public


def meeting_public(meeting: Meeting) -> dict[str, Any]:
    """Describe a meeting for its public pages."""
    return {
        "id": meeting.id, "code": meeting.code, "title": meeting.title,
        "description": meeting.description, "location": meeting.location,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "status": meeting.status, "status_name": MEETING_STATUSES[meeting.status],
        "online": meeting.online, "presence_check": meeting.presence_check,
        "site": {"code": meeting.site.code, "name": meeting.site.name},
        "participants": [{"kind": p.kind, "kind_name": PARTICIPANT_KINDS[p.kind],
                          "name": p.name, "organisation": p.organisation}
                         for p in meeting.participants],
        "agenda": [{"id": a.id, "title": a.title, "note": a.note, "source": a.source}
                   for a in meeting.agenda],
        "outcomes": [{"id": o.id, "text": o.text, "feedback": o.feedback}
                     for o in meeting.outcomes],
        "minutes": meeting.minutes if meeting.status == "closed" else "",
    }


def snapshot(meeting: Meeting, staff: bool = False) -> dict[str, Any]:
    """Return everything a screen or phone needs to draw the meeting now."""
    close_expired_in(meeting)
    current = db.session.get(Poll, meeting.current_poll_id) if meeting.current_poll_id else None
    return {
        "meeting": meeting_public(meeting),
        "attendance": attendance_payload(meeting),
        "current_poll": poll_public(current, staff) if current else None,
        "polls": [poll_public(p, staff) for p in meeting.polls if staff or p.status != "draft"],
    }


def resident_view(code: str, resident_id: int | None) -> dict[str, Any]:
    """Return the meeting snapshot plus the resident's own check-in and votes."""
    meeting = meeting_by_code(code)
    data = snapshot(meeting)
    # votes_confirmed is False while Redis is unreachable: a ballot it acknowledged may not be
    # in the database yet, so "no vote found" must not be read as "not voted".
    me: dict[str, Any] = {"checked_in": False, "votes": {}, "votes_confirmed": True}
    if resident_id is not None:
        me["checked_in"] = db.session.scalar(select(Attendance.id).where(
            Attendance.meeting_id == meeting.id, Attendance.resident_id == resident_id)
        ) is not None
        poll_ids = [p.id for p in meeting.polls]
        votes = {}
        if poll_ids:
            try:
                client = get_redis()
                for poll_id in poll_ids:
                    if client.hexists(keys.poll_voted(poll_id), resident_id):
                        votes[str(poll_id)] = True
            except redis.RedisError:
                me["votes_confirmed"] = False
            for poll_id in db.session.scalars(select(Ballot.poll_id).where(
                    Ballot.poll_id.in_(poll_ids), Ballot.resident_id == resident_id)):
                votes[str(poll_id)] = True
        me["votes"] = votes
    data["me"] = me
    return data


def site_meetings_public(site_code: str, limit: int = 10) -> list[dict[str, Any]]:
    """Return a site's recent published meetings with frozen results, outcomes and feedback."""
    site = _site_by_code(site_code)
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.site_id == site.id, Meeting.status != "draft")
        .order_by(Meeting.starts_at.desc()).limit(limit))
    out = []
    for meeting in meetings:
        data = meeting_public(meeting)
        data["when"] = when_text(meeting.starts_at)
        data["outcomes"] = [outcome_public(o) for o in meeting.outcomes]
        data["polls"] = [{"id": p.id, "title": p.title, "kind_name": POLL_KINDS[p.kind],
                          "result": p.result, "result_error": p.result_error}
                         for p in meeting.polls if p.status == "closed" and p.result]
        data["attendance"] = attendance_count(meeting.id)
        out.append(data)
    return out


def resident_id_from_token() -> int:
    """Return the calling resident's id from the signed token alone (the hot vote path).

    Voting also needs a check-in, which loaded the resident once; the signature is enough
    here and saves a database read per vote. Other endpoints use require_resident().
    """

    from server.errors import Unauthorized
    from server.people.access import bearer_token
    from server.people.services import RESIDENT_TOKEN_PREFIX, resident_id_for_token

    token = bearer_token() or ""
    if not token.startswith(RESIDENT_TOKEN_PREFIX):
        from server.people.access import require_resident

        return require_resident().id
    resident_id = resident_id_for_token(token)
    if resident_id is None:
        raise Unauthorized("身份已失效，请重新打开页面", code="invalid_token")
    return resident_id
