"""Polls that close themselves when their countdown runs out."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from server.common.models import utcnow
from server.extensions import db
from server.meetings.errors import TallyUnavailable
from server.meetings.models import Meeting, Poll
from server.meetings.tally import freeze_poll
from server.meetings.voting import forget_poll_row

log = logging.getLogger(__name__)


def close_expired_poll(poll_id: int, now: Any = None) -> Poll | None:
    """Close a poll whose countdown has run out and freeze its result.

    The conditional UPDATE lets exactly one caller (timer, snapshot, CLI, persister,
    moderator) win; the others get None. If the freeze cannot finish (Redis down) the poll
    stays closed without a result, and close_expired_polls (the persister runs it every
    round) completes it once Redis is back.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        update(Poll).where(Poll.id == poll_id, Poll.status == "open",
                           Poll.closes_at.is_not(None), Poll.closes_at <= now)
        .values(status="closed", closed_at=now))
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    forget_poll_row(poll_id)
    log.info("poll %s closed by its countdown", poll_id)
    try:
        return freeze_poll(poll_id)
    except TallyUnavailable:
        log.warning("poll %s closed by its countdown but not frozen yet", poll_id)
        return None


def close_expired_in(meeting: Meeting) -> None:
    """Close the meeting's polls whose countdown has run out (called before each snapshot)."""
    now = utcnow()
    expired = [p.id for p in meeting.polls
               if p.status == "open" and p.closes_at is not None and p.closes_at <= now]
    for poll_id in expired:
        close_expired_poll(poll_id, now)
    if expired:
        db.session.refresh(meeting)


def close_expired_polls(now: Any = None, wait: float = 10.0) -> dict[str, int]:
    """Close every poll whose countdown ran out; finish freezes that are still pending.

    A pending freeze is a poll closed while Redis was unreachable (or whose closer died):
    freeze_poll takes the poll's lock and skips a frozen poll, so racing a closer is safe.
    """
    now = now or utcnow()
    due = list(db.session.scalars(select(Poll.id).where(
        Poll.status == "open", Poll.closes_at.is_not(None), Poll.closes_at <= now)))
    closed = sum(1 for poll_id in due if close_expired_poll(poll_id, now) is not None)
    pending = list(db.session.scalars(select(Poll.id).where(
        Poll.status == "closed", Poll.result.is_(None))))
    db.session.rollback()
    frozen = 0
    for poll_id in pending:
        try:
            freeze_poll(poll_id, wait=wait)
            frozen += 1
        except TallyUnavailable:
            log.info("poll %s not frozen yet (Redis away or its lock busy); retrying later",
                     poll_id)
    return {"closed": closed, "frozen": frozen, "waiting": len(due) - closed}


def expiry_timer_enabled() -> bool:
    """Whether this process closes polls with a timer at their countdown's end."""
    return bool(current_app.config["MEETINGS_EXPIRY_TIMER"])


def schedule_expiry(poll_id: int, closes_at: Any) -> None:
    """Close the poll in this process when its countdown ends (best effort: snapshots and
    `flask meetings close-expired` cover a process that died meanwhile)."""
    import threading

    if not expiry_timer_enabled():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    delay = max(0.0, (closes_at - utcnow()).total_seconds()) + 0.05
    timer = threading.Timer(delay, _close_when_due, args=(app, poll_id))
    timer.daemon = True
    timer.start()


def _close_when_due(app: Any, poll_id: int) -> None:
    with app.app_context():
        try:
            close_expired_poll(poll_id)
        except Exception:  # noqa: BLE001 - the snapshot or the CLI closes it instead
            log.exception("could not close poll %s at the end of its countdown", poll_id)
        finally:
            db.session.remove()
