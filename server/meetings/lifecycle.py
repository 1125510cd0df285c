"""A meeting's life: create, edit, draft → published → in session → closed, outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db
from server.meetings.expiry import close_expired_in
from server.meetings.follows import _deliver, _tell_followers
from server.meetings.lookup import MODERATOR_ROLES, _new_code, moderated_meeting, publish
from server.meetings.models import (
    MEETING_STATUSES,
    PARTICIPANT_KINDS,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Outcome,
)
from server.people.access import ensure_site_access
from server.people.models import User
from server.sites.models import Site


def create_meeting(user: User, data: dict[str, Any]) -> Meeting:
    """Create a draft meeting at a site in the user's scope."""
    site = db.session.get(Site, data["site_id"])
    if site is None:
        raise NotFound("找不到该点位")
    ensure_site_access(user, site, MODERATOR_ROLES)
    online = bool(data.get("online", False))
    meeting = Meeting(
        code=_new_code(), site_id=site.id, title=data["title"],
        description=data.get("description", ""), location=data.get("location", ""),
        starts_at=data["starts_at"], ends_at=data.get("ends_at"), online=online,
        presence_check=data.get("presence_check", not online), quorum=data.get("quorum", 0),
        created_by_id=user.id,
    )
    _set_children(meeting, data)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _set_children(meeting: Meeting, data: dict[str, Any]) -> None:
    if "participants" in data:
        for item in data["participants"]:
            if item["kind"] not in PARTICIPANT_KINDS:
                raise ValidationFailed(errors={"participants": [f"未知类别：{item['kind']}"]})
        meeting.participants = [MeetingParticipant(kind=p["kind"], name=p["name"],
                                                   organisation=p.get("organisation", ""))
                                for p in data["participants"]]
    if "agenda" in data:
        meeting.agenda = [AgendaItem(position=i, title=a["title"], note=a.get("note", ""))
                          for i, a in enumerate(data["agenda"])]


def update_meeting(user: User, meeting_id: int, data: dict[str, Any]) -> Meeting:
    """Edit a meeting's details, minutes, participants or agenda."""
    meeting = moderated_meeting(user, meeting_id)
    for field in ("title", "description", "location", "starts_at", "ends_at", "online",
                  "presence_check", "quorum", "minutes"):
        if field in data:
            setattr(meeting, field, data[field])
    _set_children(meeting, data)
    db.session.commit()
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id})
    return meeting


TRANSITIONS = {"draft": {"published"}, "published": {"in_session", "draft"},
               "in_session": {"closed"}, "closed": set()}


def set_meeting_status(user: User, meeting_id: int, status: str) -> Meeting:
    """Move a meeting through draft → published → in session → closed."""
    meeting = moderated_meeting(user, meeting_id)
    if status not in TRANSITIONS.get(meeting.status, set()):
        raise Conflict(f"“{MEETING_STATUSES[meeting.status]}”的活动不能改为"
                       f"“{MEETING_STATUSES.get(status, status)}”", code="bad_transition")
    if status == "closed":
        close_expired_in(meeting)  # a poll whose countdown ran out is not "still open"
    if status == "closed" and any(p.status == "open" for p in meeting.polls):
        raise Conflict("还有进行中的表决，请先结束表决", code="poll_still_open")
    meeting.status = status
    notes: list[int] = []
    if status == "published" and meeting.published_at is None:
        meeting.published_at = utcnow()
        # Only the first publication: going back to draft and again would repeat the news.
        notes = _tell_followers(meeting)
    if status == "closed":
        meeting.closed_at = utcnow()
    db.session.commit()
    _deliver(notes)
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id, "status": status})
    return meeting


def add_outcome(user: User, meeting_id: int, text: str, feedback: str = "") -> Outcome:
    """Record an agreement of the meeting (协商成果)."""
    meeting = moderated_meeting(user, meeting_id)
    outcome = Outcome(meeting_id=meeting.id, text=text, feedback=feedback,
                      feedback_at=utcnow() if feedback else None)
    db.session.add(outcome)
    db.session.commit()
    return outcome


def give_feedback(user: User, outcome_id: int, feedback: str) -> Outcome:
    """Record the feedback given on an outcome afterwards (建议都反馈)."""
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    moderated_meeting(user, outcome.meeting_id)
    outcome.feedback = feedback
    outcome.feedback_at = utcnow()
    db.session.commit()
    return outcome


def add_participant(meeting_id: int, kind: str, name: str, organisation: str = "") -> None:
    """List a person among a meeting's participants, once per kind and name; not committed."""
    listed = db.session.scalar(select(MeetingParticipant.id).where(
        MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.kind == kind,
        MeetingParticipant.name == name))
    if listed is None:
        db.session.add(MeetingParticipant(meeting_id=meeting_id, kind=kind, name=name,
                                          organisation=organisation[:100]))
