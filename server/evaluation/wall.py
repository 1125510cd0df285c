"""The command centre's wall (指挥调度中心大屏): live counters, meetings in session, latest
reports and overdue cases by sector, pushed to the page by Server-Sent Events.

Nothing in the other domains publishes "a report arrived" or "someone checked in", and this
domain does not edit them; so each stream polls one cheap fingerprint query (a few MAX/COUNT
over indexed columns) every WALL_POLL_SECONDS and sends a new snapshot only when the
fingerprint changed, or every WALL_REFRESH_SECONDS anyway (overdue counts change as time
passes). A wall is a handful of screens, so one small query per screen per second is cheap;
the session is released between polls so no connection or transaction is held open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from server.common.models import utcnow
from server.common.text import local_time
from server.evaluation.dashboard import unit_figures
from server.evaluation.periods import Period
from server.evaluation.tree import _load_unit
from server.extensions import db
from server.intake.models import OPEN_STATES, STATES, Opinion, OpinionEvent
from server.intake.textmatch import excerpt
from server.sites.models import Site, Unit, path_within, subtree_unit_ids

WALL_POLL_SECONDS = 1.0
WALL_REFRESH_SECONDS = 60.0
HEARTBEAT_SECONDS = 15.0
LATEST_REPORTS = 8


def fingerprint() -> str:
    """Return a short text that changes whenever something on a wall may have changed."""
    from server.meetings.models import Attendance, Meeting

    row = db.session.execute(select(
        select(func.max(Opinion.id)).scalar_subquery(),
        select(func.max(OpinionEvent.id)).scalar_subquery(),
        select(func.max(Attendance.id)).scalar_subquery(),
    )).one()
    in_session = db.session.execute(
        select(func.count(Meeting.id), func.coalesce(func.sum(Meeting.id), 0))
        .where(Meeting.status == "in_session")).one()
    return ":".join(str(v) for v in (*row[:3], *in_session))


def snapshot(unit_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Return everything the wall shows for a unit's subtree (no personal data)."""
    from server.dispatch.models import Case
    from server.meetings.models import Attendance, Meeting

    # Without an explicit `now` the month's figures come from the dashboard cache.
    figures_now = now
    now = now or utcnow()
    unit = _load_unit(unit_id)
    subtree = subtree_unit_ids(unit.path)
    today = local_time(now).date()
    month = Period(today.replace(day=1), today + timedelta(days=1))
    figures = unit_figures(unit.id, month, now=figures_now)
    day_lo, _ = Period(today, today + timedelta(days=1)).utc_bounds()
    visible = (Opinion.unit_id.in_(subtree), Opinion.state != "voided",
               Opinion.moderation == "ok")
    today_count = db.session.scalar(select(func.count()).select_from(Opinion).where(
        *visible, Opinion.created_at >= day_lo)) or 0
    open_cases = db.session.scalar(select(func.count()).select_from(Opinion).where(
        *visible, Opinion.state.in_(tuple(OPEN_STATES)))) or 0

    # Overdue open cases per sector (the root's children); the root itself if it has none.
    nodes = db.session.execute(select(Unit.id, Unit.name, Unit.path, Unit.parent_id)
                               .where(Unit.id.in_(subtree))).all()
    sectors = [(n.id, n.name, n.path) for n in nodes if n.parent_id == unit.id] \
        or [(unit.id, unit.name, unit.path)]
    overdue_rows = db.session.execute(
        select(Opinion.unit_id, func.count())
        .join(Case, Case.opinion_id == Opinion.id)
        .where(*visible, Opinion.state.in_(tuple(OPEN_STATES)), Case.answer_due_at < now)
        .group_by(Opinion.unit_id)).all()
    path_of = {n.id: n.path for n in nodes}
    by_sector = []
    for sid, name, path in sectors:
        count = sum(int(c) for uid, c in overdue_rows if path_within(path_of.get(uid, ""), path))
        by_sector.append({"id": sid, "name": name, "overdue": count})
    by_sector.sort(key=lambda s: (-s["overdue"], s["name"]))
    overdue_total = sum(int(c) for _u, c in overdue_rows)

    attendance = (select(Attendance.meeting_id, func.count().label("n"))
                  .group_by(Attendance.meeting_id).subquery())
    meetings = db.session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.quorum, Meeting.online,
               Site.name.label("site"), func.coalesce(attendance.c.n, 0).label("present"))
        .join(Site, Site.id == Meeting.site_id)
        .outerjoin(attendance, attendance.c.meeting_id == Meeting.id)
        .where(Meeting.status == "in_session", Site.unit_id.in_(subtree))
        .order_by(Meeting.starts_at, Meeting.id)).all()

    latest = db.session.execute(
        select(Opinion.id, Opinion.text, Opinion.state, Opinion.created_at,
               Site.name.label("site"), Opinion.category_id)
        .join(Site, Site.id == Opinion.site_id)
        .where(*visible).order_by(Opinion.created_at.desc(), Opinion.id.desc())
        .limit(LATEST_REPORTS)).all()
    from server.intake.models import Category

    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    return {
        "unit": {"id": unit.id, "name": unit.name},
        "at": local_time(now).strftime("%Y-%m-%d %H:%M:%S"),
        "counters": {
            "today": int(today_count),
            "month_collected": figures["collected"],
            "month_solved": figures["solved"],
            "open": int(open_cases),
            "overdue": overdue_total,
            "meetings": len(meetings),
            "present": sum(int(m.present) for m in meetings),
            "success": figures["success"],
            "satisfaction": figures["satisfaction"],
        },
        "meetings": [{"id": m.id, "title": m.title, "site": m.site, "quorum": m.quorum,
                      "online": bool(m.online), "present": int(m.present),
                      "starts_at": local_time(m.starts_at).strftime("%H:%M")}
                     for m in meetings],
        "reports": [{"id": r.id, "site": r.site, "category": names.get(r.category_id, "其他"),
                     "excerpt": excerpt(r.text, 60), "status": STATES.get(r.state, r.state),
                     "at": local_time(r.created_at).strftime("%m-%d %H:%M")}
                    for r in latest],
        "overdue_by_sector": by_sector,
    }


def stream(app: Flask, unit_id: int, first: dict[str, Any], seen: str) -> Iterator[str]:
    """Yield the first snapshot, then a new one whenever the fingerprint changes."""
    poll = float(app.config.get("WALL_POLL_SECONDS", WALL_POLL_SECONDS))
    refresh = float(app.config.get("WALL_REFRESH_SECONDS", WALL_REFRESH_SECONDS))
    yield "retry: 3000\n" + _event(first)
    sent = quiet = time.monotonic()
    while True:
        time.sleep(poll)
        with app.app_context():
            try:
                current = fingerprint()
                if current != seen or time.monotonic() - sent >= refresh:
                    data = snapshot(unit_id)
                    seen, sent = current, time.monotonic()
                else:
                    data = None
            finally:
                db.session.remove()
        if data is not None:
            quiet = time.monotonic()
            yield _event(data)
        elif time.monotonic() - quiet >= HEARTBEAT_SECONDS:
            # A comment line keeps proxies from closing the stream and notices a gone client.
            quiet = time.monotonic()
            yield ": ping\n\n"


def _event(data: dict[str, Any]) -> str:
    return f"event: snapshot\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
