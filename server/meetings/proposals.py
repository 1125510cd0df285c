"""Proposals from the floor: a checked-in resident proposes, the moderator decides."""

from __future__ import annotations

from sqlalchemy import select

from server.common.models import utcnow
from server.errors import Conflict, NotFound
from server.extensions import db
from server.meetings.errors import NotCheckedIn
from server.meetings.lookup import meeting_by_code, moderated_meeting, publish
from server.meetings.models import AgendaItem, Proposal
from server.meetings.polls import create_poll
from server.meetings.voting import _attended
from server.people.models import User


def submit_proposal(code: str, resident_id: int, text: str) -> Proposal:
    """Let a checked-in resident propose something from the floor."""
    meeting = meeting_by_code(code)
    if meeting.status != "in_session":
        raise Conflict("活动进行中才能提交现场提议", code="meeting_not_in_session")
    if not _attended(meeting.id, resident_id):
        raise NotCheckedIn("请先签到再提交提议")
    proposal = Proposal(meeting_id=meeting.id, resident_id=resident_id, text=text.strip())
    db.session.add(proposal)
    db.session.commit()
    publish(meeting.id, "proposal", "proposal", {"id": proposal.id})
    return proposal


def list_proposals(user: User, meeting_id: int) -> list[Proposal]:
    """List a meeting's proposals for its moderator."""
    meeting = moderated_meeting(user, meeting_id)
    return list(db.session.scalars(select(Proposal).where(Proposal.meeting_id == meeting.id)
                                   .order_by(Proposal.id)))


def decide_proposal(user: User, proposal_id: int, decision: str, target: str = "agenda",
                    note: str = "") -> Proposal:
    """Approve a proposal onto the agenda or a ballot, or decline it."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("找不到该提议")
    meeting = moderated_meeting(user, proposal.meeting_id)
    if proposal.status != "pending":
        raise Conflict("该提议已处理", code="proposal_decided")
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    proposal.decision_note = note
    if decision == "decline":
        proposal.status = "declined"
    else:
        proposal.status = "approved"
        if target == "poll":
            db.session.commit()
            poll = create_poll(user, meeting.id, {"title": proposal.text[:200], "kind": "yesno"})
            proposal.poll_id = poll.id
        else:
            item = AgendaItem(meeting_id=meeting.id, position=len(meeting.agenda),
                              title=proposal.text[:200], source="floor")
            db.session.add(item)
            db.session.flush()
            proposal.agenda_item_id = item.id
    db.session.commit()
    publish(meeting.id, "meeting", "meeting", {"id": meeting.id})
    return proposal
