"""Following a site: residents hear about its meetings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.meetings.lookup import _site_by_code
from server.meetings.models import Meeting, SiteFollow


def _tell_followers(meeting: Meeting) -> list[int]:
    from server.notify.services import notify_meeting_published

    return notify_meeting_published(meeting)


def _deliver(ids: list[int]) -> None:
    if ids:
        from server.notify.services import deliver_soon

        deliver_soon(ids)


def follow_state(site_code: str, resident_id: int) -> dict[str, Any]:
    """Return whether the resident follows the site, and how many residents do."""
    site = _site_by_code(site_code)
    following = db.session.scalar(select(SiteFollow.id).where(
        SiteFollow.site_id == site.id, SiteFollow.resident_id == resident_id)) is not None
    followers = db.session.scalar(select(func.count(SiteFollow.id))
                                  .where(SiteFollow.site_id == site.id)) or 0
    return {"site_code": site.code, "following": following, "followers": int(followers)}


def set_follow(site_code: str, resident_id: int, follow: bool) -> dict[str, Any]:
    """Follow or unfollow a site (both idempotent)."""
    site = _site_by_code(site_code)
    if follow:
        db.session.add(SiteFollow(site_id=site.id, resident_id=resident_id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # already following: a double tap
    else:
        db.session.execute(delete(SiteFollow).where(SiteFollow.site_id == site.id,
                                                    SiteFollow.resident_id == resident_id))
        db.session.commit()
    return follow_state(site_code, resident_id)
