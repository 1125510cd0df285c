"""Record duty events where they happen: the domains send signals, `subscribe` follows them.

A hook never fails its caller: the event it reports has already been committed by the
caller, and a member who cannot be identified simply has nothing recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common import signals
from server.common.models import utcnow
from server.common.text import local_time
from server.extensions import db
from server.people.models import Member, MemberSite, Resident
from server.sites.models import Site

log = logging.getLogger(__name__)


def _digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())[-11:]


def member_for_resident(resident_id: int | None) -> Member | None:
    """Find the member a resident is (same phone number), if any."""
    if resident_id is None:
        return None
    resident = db.session.get(Resident, resident_id)
    phone = _digits(resident.phone if resident else None)
    if len(phone) < 11:
        return None
    for member in db.session.scalars(select(Member).where(
            Member.active.is_(True), Member.phone.is_not(None), Member.phone.contains(phone[-4:]))):
        if _digits(member.phone) == phone:
            return member
    return None


def member_for_user(user_id: int | None) -> Member | None:
    """Find the member whose account this staff user is, if any."""
    if user_id is None:
        return None
    return db.session.scalar(select(Member).where(Member.user_id == user_id,
                                                  Member.active.is_(True)))


def record(member: Member | None, kind: str, ref: str, *, site_id: int | None = None,
           title: str = "", at: datetime | None = None) -> bool:
    """Store one duty event for a member, once per (kind, ref); return whether it is new."""
    if member is None:
        return False
    at = at or utcnow()
    attached = site_id is not None and db.session.scalar(select(MemberSite.id).where(
        MemberSite.member_id == member.id, MemberSite.site_id == site_id)) is not None
    from server.duty.models import DutyEvent

    try:
        with db.session.begin_nested():
            db.session.add(DutyEvent(member_id=member.id, year=local_time(at).year, kind=kind,
                                     ref=ref, site_id=site_id, at_attached_site=attached,
                                     title=title[:200], at=at))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _safely(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> bool:
        try:
            return bool(fn(*args, **kwargs))
        except Exception:  # noqa: BLE001 - a duty record must never break the action it follows
            log.exception("duty hook %s failed", fn.__name__)
            db.session.rollback()
            return False
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_safely
def meeting_check_in(meeting: Any, resident_id: int) -> bool:
    """Record that a member checked in to a meeting (a studio's meeting counts as studio work)."""
    site = db.session.get(Site, meeting.site_id)
    kind = "studio" if site is not None and site.kind == "studio" else "attend"
    return record(member_for_resident(resident_id), kind, f"meeting:{meeting.id}",
                  site_id=meeting.site_id, title=meeting.title)


@_safely
def topic_raised(topic: Any) -> bool:
    """Record that a member raised a topic at a site."""
    return record(member_for_resident(topic.resident_id), "topic", f"topic:{topic.id}",
                  site_id=topic.site_id, title=topic.title)


@_safely
def invitation_answered(invitation: Any) -> bool:
    """Record a member's reply to an invitation (accepted or declined)."""
    if invitation.member_id is None or invitation.status not in ("accepted", "declined"):
        return False
    kind = "invite_accept" if invitation.status == "accepted" else "invite_decline"
    site_id = None
    if invitation.meeting_id is not None:
        from server.meetings.models import Meeting

        meeting = db.session.get(Meeting, invitation.meeting_id)
        site_id = meeting.site_id if meeting else None
    return record(db.session.get(Member, invitation.member_id), kind,
                  f"invitation:{invitation.id}", site_id=site_id,
                  title=(invitation.message or "邀请")[:200])


def case_assigned(opinion: Any) -> Any:
    """Record that a member took on (follows) a case just assigned to them; return the case."""
    _case_followed(opinion)
    return opinion


@_safely
def _case_followed(opinion: Any) -> bool:
    from server.dispatch.models import Case

    case = db.session.get(Case, opinion.id)
    if case is None or case.member_user_id is None:
        return False
    return record(member_for_user(case.member_user_id), "case", f"case:{opinion.id}",
                  site_id=opinion.site_id, title=f"案件 {opinion.tracking_no}")


@_safely
def opinion_submitted(opinion: Any, resident_id: int | None, entered_by_id: int | None) -> bool:
    """Record a 社情民意 report a member submitted (from their phone or entered by them)."""
    member = member_for_resident(resident_id) or member_for_user(entered_by_id)
    return record(member, "opinion", f"opinion:{opinion.id}", site_id=opinion.site_id,
                  title=(opinion.text or "")[:60])


@_safely
def proposal_raised(member: Member, proposal_id: int, title: str) -> bool:
    """Record that a member is the lead proposer of a proposal."""
    return record(member, "proposal", f"proposal:{proposal_id}", title=title)


@_safely
def roll_call(member: Member, meeting: Any) -> bool:
    """Record a member's attendance from the moderator's roll."""
    site = db.session.get(Site, meeting.site_id)
    kind = "studio" if site is not None and site.kind == "studio" else "attend"
    return record(member, kind, f"meeting:{meeting.id}", site_id=meeting.site_id,
                  title=meeting.title)


def _on_opinion_submitted(opinion: Any, *, resident_id: int | None = None,
                          entered_by_id: int | None = None, **_: Any) -> None:
    opinion_submitted(opinion, resident_id, entered_by_id)


def _on_case_assigned(opinion: Any, **_: Any) -> None:
    case_assigned(opinion)


def _on_meeting_checked_in(meeting: Any, *, resident_id: int, **_: Any) -> None:
    meeting_check_in(meeting, resident_id)


def _on_topic_raised(topic: Any, **_: Any) -> None:
    topic_raised(topic)


def _on_invitation_answered(invitation: Any, **_: Any) -> None:
    invitation_answered(invitation)


def _on_proposal_raised(member: Member, *, proposal_id: int, title: str, **_: Any) -> None:
    proposal_raised(member, proposal_id, title)


def subscribe() -> None:
    """Follow the other domains' events (server.common.signals); idempotent, once per app."""
    signals.opinion_submitted.connect(_on_opinion_submitted, weak=False)
    signals.case_assigned.connect(_on_case_assigned, weak=False)
    signals.meeting_checked_in.connect(_on_meeting_checked_in, weak=False)
    signals.topic_raised.connect(_on_topic_raised, weak=False)
    signals.invitation_answered.connect(_on_invitation_answered, weak=False)
    signals.proposal_raised.connect(_on_proposal_raised, weak=False)
