"""Factories for meetings tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask

from server.common.models import utcnow
from server.extensions import db
from server.meetings.models import Attendance, Meeting, Poll
from server.meetings.polls import create_poll, open_poll
from server.meetings.presence import current_window, presence_code
from server.people.models import User
from server.sites.models import Site
from tests.factories import make_user

_seq = itertools.count(1)


def make_meeting(site: Site, status: str = "in_session", **kwargs: Any) -> Meeting:
    meeting = Meeting(code=f"MT{next(_seq):05d}", site_id=site.id,
                      title=kwargs.pop("title", "黄庄村农路修缮协商会"),
                      starts_at=kwargs.pop("starts_at", utcnow() - timedelta(minutes=5)),
                      status=status, **kwargs)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def make_moderator(site: Site | None = None) -> User:
    if site is None:
        return make_user("admin")
    return make_user("moderator", site_id=site.id)


def make_poll(user: User, meeting: Meeting, kind: str = "yesno", open_it: bool = True,
              **data: Any) -> Poll:
    data.setdefault("title", "是否同意先修东西向农路")
    poll = create_poll(user, meeting.id, {"kind": kind, **data})
    if open_it:
        open_poll(user, poll.id)
    return poll


def check_in_directly(meeting: Meeting, resident_id: int) -> None:
    db.session.add(Attendance(meeting_id=meeting.id, resident_id=resident_id))
    db.session.commit()


def presence(meeting: Meeting, age: int = 0) -> str:
    return presence_code(meeting.id, current_window() - age)


@contextmanager
def second_app(config: dict[str, Any]) -> Iterator[Flask]:
    """Build another app in this process, then give the shared limiter back to the first.

    flask-limiter's Limiter is a module singleton whose storage follows the last init_app;
    without this the test app's rate limits would point at a Redis we stopped.
    """
    from server import create_app
    from server.extensions import db, limiter, redis_accessor

    saved = dict(limiter.__dict__)
    other = create_app(config)
    try:
        yield other
    finally:
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)
        # Close what the second app opened, or its pooled connections leak into later tests.
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        redis_accessor.close(other)
