"""The staff meetings page (/console/meetings): filtered list and form options."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from sqlalchemy import func, select

from server.errors import ValidationFailed
from server.extensions import db
from server.meetings.lookup import MODERATOR_ROLES
from server.meetings.models import MEETING_STATUSES, PARTICIPANT_KINDS, Attendance, Meeting
from server.people.models import User
from server.sites.models import Site


def search_meetings(user: User, site_id: int | None = None, status: str | None = None,
                    starts_from: date | None = None,
                    starts_to: date | None = None) -> list[Meeting]:
    """List meetings the user may run, filtered; each carries `status_name` and `attendance`."""
    from server.common.text import SHANGHAI
    from server.people.access import site_scope_filter

    if starts_from and starts_to and starts_from > starts_to:
        raise ValidationFailed(errors={"starts_to": ["结束日期不能早于开始日期"]})
    query = (select(Meeting).join(Site, Meeting.site_id == Site.id)
             .where(site_scope_filter(user, MODERATOR_ROLES)))
    if site_id is not None:
        query = query.where(Meeting.site_id == site_id)
    if status is not None:
        query = query.where(Meeting.status == status)
    # Dates are Beijing calendar days; the end day is included.
    if starts_from is not None:
        query = query.where(Meeting.starts_at >= datetime.combine(
            starts_from, dt_time.min, SHANGHAI).astimezone(UTC))
    if starts_to is not None:
        query = query.where(Meeting.starts_at < datetime.combine(
            starts_to + timedelta(days=1), dt_time.min, SHANGHAI).astimezone(UTC))
    meetings = list(db.session.scalars(query.order_by(Meeting.starts_at.desc(),
                                                      Meeting.id.desc()).limit(200)))
    counts = dict(db.session.execute(
        select(Attendance.meeting_id, func.count(Attendance.id))
        .where(Attendance.meeting_id.in_([m.id for m in meetings]))
        .group_by(Attendance.meeting_id)).tuples().all()) if meetings else {}
    for meeting in meetings:
        # Read by the list schema like columns; derived, not stored.
        meeting.attendance = counts.get(meeting.id, 0)  # type: ignore[attr-defined]
        meeting.status_name = MEETING_STATUSES[meeting.status]  # type: ignore[attr-defined]
    return meetings


def managed_sites(user: User) -> list[Site]:
    """List the active sites at which the user may organise meetings."""
    from server.people.access import site_scope_filter
    from server.sites.models import Unit

    return list(db.session.scalars(
        select(Site).join(Unit, Site.unit_id == Unit.id)
        .where(Site.active.is_(True), site_scope_filter(user, MODERATOR_ROLES))
        .order_by(Unit.path, Site.name, Site.id)))


def meeting_options(user: User) -> dict[str, Any]:
    """Return what the 新建协商活动 form offers: the user's sites, statuses, participant kinds."""
    return {
        "sites": [{"id": s.id, "code": s.code, "name": s.name, "unit_name": s.unit.name}
                  for s in managed_sites(user)],
        "statuses": [{"value": k, "label": v} for k, v in MEETING_STATUSES.items()],
        "participant_kinds": [{"value": k, "label": v} for k, v in PARTICIPANT_KINDS.items()],
    }
