"""Find meetings, polls and sites by id or code, check who may run them, announce events."""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

import redis
from sqlalchemy import select

from server.errors import NotFound
from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.models import Meeting, Poll
from server.people.access import ensure_site_access
from server.people.models import User
from server.sites.models import Site

log = logging.getLogger(__name__)


MODERATOR_ROLES = ("moderator", "admin", "dispatcher")


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))


def publish(meeting_id: int, event: str, topic: str, payload: dict[str, Any]) -> None:
    """Announce a live event to every process serving the meeting's event streams."""
    message = f"{event}\t{topic}\t{json.dumps(payload, ensure_ascii=False, default=str)}"
    try:
        get_redis().publish(keys.events_channel(meeting_id), message)
    except redis.RedisError:
        log.warning("could not publish %s for meeting %s", event, meeting_id)


def get_meeting(meeting_id: int) -> Meeting:
    """Return a meeting or raise 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("找不到该协商活动")
    return meeting


def meeting_by_code(code: str) -> Meeting:
    """Return a meeting by its public code, or raise 404 (drafts are not public)."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.code == code.strip().upper()))
    if meeting is None or meeting.status == "draft":
        raise NotFound("找不到该协商活动，请确认二维码是否正确")
    return meeting


def get_poll(poll_id: int) -> Poll:
    """Return a poll or raise 404."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("找不到该表决")
    return poll


def moderated_meeting(user: User, meeting_id: int) -> Meeting:
    """Return a meeting the staff user may run, or raise 404/403."""
    meeting = get_meeting(meeting_id)
    ensure_site_access(user, meeting.site, MODERATOR_ROLES)
    return meeting


def moderated_poll(user: User, poll_id: int) -> Poll:
    """Return a poll the staff user may run."""
    poll = get_poll(poll_id)
    ensure_site_access(user, poll.meeting.site, MODERATOR_ROLES)
    return poll


def _site_by_code(code: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None or not site.active:
        raise NotFound("找不到该点位")
    return site
