"""The chair meeting's review of outcomes: the queue, review sessions, decisions, timeline.

A closed meeting's outcomes wait in the review queue. A review session (date, attendees)
decides each outcome one of four ways:

- 采纳转办 (adopt): the outcome becomes a dispatch case, exactly as 成果转办 does today
  (`meetings.followup.outcome_to_case`; an outcome already followed by a case keeps it);
- 转提案 (proposal): a proposal draft led by the site's attached member (`proposals`);
- 报送社情民意信息 (briefing): a briefing item to the party committee and government;
- 退回补充 (return): back to the site with a note; the site resubmits it to the queue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from server.common.models import utcnow
from server.common.text import local_time
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.meetings.models import Meeting, Outcome
from server.people.access import ensure_site_access, site_scope_filter
from server.people.models import User
from server.review.models import DECISIONS, ReviewEvent, ReviewItem, ReviewSession
from server.sites.models import Site

REVIEW_ROLES = ("admin", "dispatcher")
SITE_ROLES = ("moderator", "admin", "dispatcher")
BRIEFING_TO = "区委、区政府"


def _queued_query() -> Any:
    return (select(Outcome, Meeting).join(Meeting, Meeting.id == Outcome.meeting_id)
            .outerjoin(ReviewItem, ReviewItem.outcome_id == Outcome.id)
            .where(Meeting.status == "closed",
                   or_(ReviewItem.outcome_id.is_(None), ReviewItem.status == "pending")))


def _outcome_row(outcome: Outcome, meeting: Meeting) -> dict[str, Any]:
    site = meeting.site
    item = db.session.get(ReviewItem, outcome.id)
    return {"outcome_id": outcome.id, "text": outcome.text, "meeting_id": meeting.id,
            "meeting_title": meeting.title, "site_id": site.id, "site_name": site.name,
            "site_code": site.code,
            "closed_at": (local_time(meeting.closed_at).strftime("%Y-%m-%d %H:%M")
                          if meeting.closed_at else None),
            "status": item.status if item else "pending",
            "resubmitted": item is not None and item.decision == "return"}


def queue(user: User) -> list[dict[str, Any]]:
    """List the outcomes waiting for the chair meeting, oldest meeting first."""
    _require_reviewer(user)
    rows = db.session.execute(_queued_query().join(Site, Site.id == Meeting.site_id)
                              .where(site_scope_filter(user, REVIEW_ROLES))
                              .order_by(Meeting.closed_at, Outcome.id).limit(500))
    return [_outcome_row(outcome, meeting) for outcome, meeting in rows]


def _require_reviewer(user: User) -> None:
    if not (user.roles & set(REVIEW_ROLES)):
        raise Forbidden("只有主席会议秘书（政协机关工作人员）可以记录审议", code="review_forbidden")


def _in_queue(outcome_id: int) -> tuple[Outcome, Meeting]:
    row = db.session.execute(_queued_query().where(Outcome.id == outcome_id)).first()
    if row is None:
        if db.session.get(Outcome, outcome_id) is None:
            raise NotFound("找不到该协商成果")
        raise Conflict("该协商成果不在待审议队列中（活动未结束或已审议）",
                       code="not_in_review_queue", errors={"outcome_id": outcome_id})
    return row[0], row[1]


def _validate(decisions: list[dict[str, Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, item in enumerate(decisions):
        key = f"decisions.{index}"
        if item["outcome_id"] in seen:
            errors[key] = ["同一协商成果在一次审议中只能有一个决定"]
        seen.add(item["outcome_id"])
        if item["decision"] == "return" and not item.get("note", "").strip():
            errors[key] = ["退回补充须写明需要补充的内容"]
    return errors


def record_session(user: User, data: dict[str, Any]) -> ReviewSession:
    """Record a review session and carry out each decision; every decision goes on the timeline."""
    from server.proposals.services import draft_from_outcome

    _require_reviewer(user)
    decisions = data["decisions"]
    errors = _validate(decisions)
    if not decisions:
        errors["decisions"] = ["请至少审议一项协商成果"]
    if errors:
        raise ValidationFailed("审议记录有误", errors=errors)
    targets = {d["outcome_id"]: _in_queue(d["outcome_id"]) for d in decisions}
    for _outcome, meeting in targets.values():
        ensure_site_access(user, meeting.site, REVIEW_ROLES)
    session = ReviewSession(held_on=data["held_on"], title=data.get("title", ""),
                            attendees=[a.strip() for a in data["attendees"] if a.strip()],
                            note=data.get("note", ""), recorded_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    adopts: list[tuple[ReviewEvent, ReviewItem, dict[str, Any]]] = []
    for item in decisions:
        outcome, meeting = targets[item["outcome_id"]]
        decision = item["decision"]
        row = db.session.get(ReviewItem, outcome.id) or ReviewItem(outcome_id=outcome.id)
        row.status = "returned" if decision == "return" else "decided"
        row.decision = decision
        row.updated_at = utcnow()
        db.session.add(row)
        event = ReviewEvent(outcome_id=outcome.id, session_id=session.id, action="decision",
                            decision=decision, note=item.get("note", "").strip(),
                            actor_user_id=user.id, at=utcnow(), data={})
        if decision == "proposal":
            title = item.get("title") or f"关于{meeting.title}的提案"
            proposal = draft_from_outcome(user, outcome, meeting.site_id, title, event.note)
            row.proposal_id = proposal.id
            event.data = {"proposal_id": proposal.id, "proposal_title": proposal.title}
        elif decision == "briefing":
            event.data = {"to": BRIEFING_TO, "title": item.get("title") or meeting.title}
        elif decision == "adopt":
            adopts.append((event, row, item))
        db.session.add(event)
    db.session.commit()
    for event, row, item in adopts:
        _adopt(user, event, row, item.get("category_id"))
    return session


def _adopt(user: User, event: ReviewEvent, row: ReviewItem, category_id: int | None) -> None:
    from server.meetings.followup import outcome_to_case

    outcome, created = outcome_to_case(user, row.outcome_id, category_id)
    opinion = outcome.case_opinion
    event = db.session.get(ReviewEvent, event.id) or event
    row = db.session.get(ReviewItem, row.outcome_id) or row
    row.opinion_id = outcome.case_opinion_id
    event.data = {"opinion_id": outcome.case_opinion_id,
                  "tracking_no": opinion.tracking_no if opinion else None, "joined": not created}
    db.session.commit()


def resubmit(user: User, outcome_id: int, note: str) -> ReviewItem:
    """Send a returned outcome back to the queue with what the site added."""
    note = note.strip()
    if not note:
        raise ValidationFailed(errors={"note": ["请写明补充的内容"]})
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    meeting = db.session.get(Meeting, outcome.meeting_id)
    assert meeting is not None
    ensure_site_access(user, meeting.site, SITE_ROLES)
    row = db.session.get(ReviewItem, outcome_id)
    if row is None or row.status != "returned":
        raise Conflict("该协商成果未被退回，不需要补充", code="not_returned")
    row.status = "pending"
    row.updated_at = utcnow()
    db.session.add(ReviewEvent(outcome_id=outcome_id, action="resubmit", note=note,
                               actor_user_id=user.id, at=utcnow(), data={}))
    db.session.commit()
    return row


def returned(user: User) -> list[dict[str, Any]]:
    """List outcomes returned to the caller's sites for supplement, with the note."""
    rows = db.session.execute(
        select(Outcome, Meeting).join(Meeting, Meeting.id == Outcome.meeting_id)
        .join(ReviewItem, ReviewItem.outcome_id == Outcome.id)
        .join(Site, Site.id == Meeting.site_id)
        .where(ReviewItem.status == "returned", site_scope_filter(user, SITE_ROLES))
        .order_by(ReviewItem.updated_at))
    out = []
    for outcome, meeting in rows:
        data = _outcome_row(outcome, meeting)
        last = _events(outcome.id)[-1]
        data["note"] = last.note
        out.append(data)
    return out


def _events(outcome_id: int) -> list[ReviewEvent]:
    return list(db.session.scalars(select(ReviewEvent).where(ReviewEvent.outcome_id == outcome_id)
                                   .order_by(ReviewEvent.id)))


def session_payload(session: ReviewSession) -> dict[str, Any]:
    """Describe a review session with its decisions."""
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.session_id == session.id)
                                .order_by(ReviewEvent.id))
    return {"id": session.id, "held_on": session.held_on.isoformat(), "title": session.title,
            "attendees": session.attendees, "note": session.note,
            "decisions": [{"outcome_id": e.outcome_id, "decision": e.decision,
                           "decision_name": DECISIONS.get(e.decision or "", ""), "note": e.note,
                           "data": e.data} for e in events]}


def list_sessions(user: User) -> list[dict[str, Any]]:
    """List recorded review sessions, newest first."""
    _require_reviewer(user)
    return [session_payload(s) for s in db.session.scalars(
        select(ReviewSession).order_by(ReviewSession.held_on.desc(), ReviewSession.id.desc())
        .limit(100))]


def get_session(user: User, session_id: int) -> dict[str, Any]:
    """Return one review session."""
    _require_reviewer(user)
    session = db.session.get(ReviewSession, session_id)
    if session is None:
        raise NotFound("找不到该审议记录")
    return session_payload(session)
