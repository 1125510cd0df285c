"""Topic collection (议题征集): residents propose and support topics for a site's agenda."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.common import signals
from server.errors import Conflict, NotFound
from server.extensions import db
from server.meetings.lookup import MODERATOR_ROLES, _site_by_code, moderated_meeting
from server.meetings.models import AgendaItem, Meeting, Topic, TopicSupport
from server.people.access import ensure_site_access
from server.people.models import User
from server.sites.models import Site


def propose_topic(site_code: str, resident_id: int, title: str, detail: str = "") -> Topic:
    """Let a resident propose a topic for a site's next consultations."""
    site = _site_by_code(site_code)
    topic = Topic(site_id=site.id, title=title.strip(), detail=detail.strip(),
                  resident_id=resident_id, supporters=1)
    db.session.add(topic)
    db.session.flush()
    db.session.add(TopicSupport(topic_id=topic.id, resident_id=resident_id))
    db.session.commit()
    signals.topic_raised.send(topic)
    return topic


def support_topic(topic_id: int, resident_id: int) -> Topic:
    """Add a resident's support to a topic (once per resident)."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("找不到该议题")
    if topic.status != "open":
        raise Conflict("该议题已不在征集中", code="topic_closed")
    db.session.add(TopicSupport(topic_id=topic.id, resident_id=resident_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已支持过该议题", code="already_supported") from None
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(supporters=Topic.supporters + 1))
    db.session.commit()
    db.session.refresh(topic)
    return topic


def list_topics(site_code: str) -> list[Topic]:
    """List a site's topics, most supported first."""
    site = _site_by_code(site_code)
    return list(db.session.scalars(select(Topic).where(Topic.site_id == site.id)
                                   .order_by(Topic.supporters.desc(), Topic.id.desc())
                                   .limit(100)))


def topic_from_opinion(user: User, opinion_id: int) -> Topic:
    """Promote a resident's report to a topic of its site."""
    from server.intake.models import Opinion

    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该社情民意")
    site = db.session.get(Site, opinion.site_id)
    assert site is not None
    ensure_site_access(user, site, MODERATOR_ROLES)
    topic = Topic(site_id=site.id, title=opinion.text[:60], detail=opinion.text,
                  opinion_id=opinion.id, supporters=0)
    db.session.add(topic)
    db.session.commit()
    return topic


def pick_topic(user: User, meeting_id: int, topic_id: int) -> Meeting:
    """Put a collected topic on a meeting's agenda."""
    meeting = moderated_meeting(user, meeting_id)
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.site_id != meeting.site_id:
        raise NotFound("找不到该议题")
    if topic.status != "open":
        raise Conflict("该议题已列入协商", code="topic_picked")
    topic.status = "picked"
    topic.meeting_id = meeting.id
    db.session.add(AgendaItem(meeting_id=meeting.id, position=len(meeting.agenda),
                              title=topic.title, note=topic.detail, source="topic"))
    db.session.commit()
    db.session.refresh(meeting)
    return meeting
