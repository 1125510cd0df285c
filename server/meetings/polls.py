"""Polls run by the moderator: create, open, paper counts, close, named votes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import redis
from sqlalchemy import select, update

from server.common.models import utcnow
from server.errors import Conflict, Forbidden, ValidationFailed
from server.extensions import db, get_redis
from server.meetings import keys, persister, rebuild
from server.meetings.errors import TallyUnavailable
from server.meetings.expiry import schedule_expiry
from server.meetings.lookup import get_poll, moderated_meeting, moderated_poll, publish
from server.meetings.models import POLL_KINDS, YESNO_OPTIONS, Ballot, PaperCount, Poll, PollOption
from server.meetings.scripts import script
from server.meetings.tally import freeze_poll, poll_public
from server.meetings.voting import forget_poll_row
from server.people.models import User

log = logging.getLogger(__name__)


def create_poll(user: User, meeting_id: int, data: dict[str, Any]) -> Poll:
    """Add a poll to a meeting (赞成/反对/弃权, single or multiple choice)."""
    meeting = moderated_meeting(user, meeting_id)
    if meeting.status == "closed":
        raise Conflict("活动已结束，不能再添加表决", code="meeting_closed")
    kind = data.get("kind", "yesno")
    if kind not in POLL_KINDS:
        raise ValidationFailed(errors={"kind": ["只能是 yesno、single 或 multiple"]})
    labels = list(YESNO_OPTIONS) if kind == "yesno" else [s.strip() for s in
                                                             data.get("options", []) if s.strip()]
    if len(labels) < 2:
        raise ValidationFailed(errors={"options": ["至少需要两个选项"]})
    if len(set(labels)) != len(labels):
        raise ValidationFailed(errors={"options": ["选项不能重复"]})
    max_choices = int(data.get("max_choices") or 1) if kind == "multiple" else 1
    if not 1 <= max_choices <= len(labels):
        raise ValidationFailed(errors={"max_choices": [f"应在 1 到 {len(labels)} 之间"]})
    poll = Poll(meeting_id=meeting.id, title=data["title"], kind=kind, max_choices=max_choices,
                secret=data.get("secret", True), live_results=data.get("live_results", True),
                duration_seconds=data.get("duration_seconds"),
                options=[PollOption(position=i, label=label) for i, label in enumerate(labels)])
    db.session.add(poll)
    db.session.commit()
    return poll


def open_poll(user: User, poll_id: int) -> Poll:
    """Open a poll for voting and load its state into Redis."""
    poll = moderated_poll(user, poll_id)
    meeting = poll.meeting
    if meeting.status != "in_session":
        raise Conflict("活动开始后才能发起表决", code="meeting_not_in_session")
    if poll.status != "draft":
        raise Conflict("该表决已经发起过了", code="poll_not_draft")
    now = utcnow()
    poll.status = "open"
    poll.opened_at = now
    if poll.duration_seconds:
        poll.closes_at = now + timedelta(seconds=poll.duration_seconds)
    meeting.current_poll_id = poll.id
    db.session.commit()
    forget_poll_row(poll.id)
    try:
        rebuild.rebuild_poll(poll.id)
    except (redis.RedisError, persister.LockBusy):
        # The first vote finds no state in Redis ("stale") and loads it once Redis is back.
        log.warning("poll %s opened while Redis is unavailable; it takes ballots once Redis "
                    "is back", poll.id)
    persister.ensure_background_drain()
    if poll.closes_at is not None:
        schedule_expiry(poll.id, poll.closes_at)
    publish(meeting.id, "poll", f"poll:{poll.id}", poll_public(poll))
    return poll


def enter_paper_counts(user: User, poll_id: int, counts: dict[int, int], note: str = "") -> Poll:
    """Record paper / show-of-hands counts (channel "paper"); they join the tally."""
    poll = moderated_poll(user, poll_id)
    if poll.status == "draft":
        raise Conflict("表决尚未发起", code="poll_not_open")
    if poll.status == "closed" and poll.result is not None:
        raise Conflict("表决结果已冻结，不能再录入", code="poll_frozen")
    valid = {option.id for option in poll.options}
    for option_id, count in counts.items():
        if option_id not in valid:
            raise ValidationFailed(errors={"counts": [f"选项 {option_id} 不属于该表决"]})
        if count < 0:
            raise ValidationFailed(errors={"counts": ["人数不能为负"]})
    for option_id, count in counts.items():
        db.session.add(PaperCount(poll_id=poll.id, option_id=option_id, count=count,
                                  note=note, entered_by_id=user.id))
    db.session.commit()
    log.info("paper counts for poll %s entered by user %s: %s", poll.id, user.id, counts)
    try:
        args: list[Any] = [keys.events_channel(poll.meeting_id)]
        for option_id, count in counts.items():
            args += [option_id, count]
        script(get_redis(), "paper")(keys=[keys.poll_meta(poll.id), keys.poll_tally(poll.id)],
                                     args=args)
    except redis.RedisError:
        db.session.execute(update(Poll).where(Poll.id == poll.id)
                           .values(db_generation=Poll.db_generation + 1))
        db.session.commit()
    return poll


def close_poll(user: User, poll_id: int) -> Poll:
    """Stop voting, drain the stream, freeze the result and check it against the ballots.

    With Redis unreachable the close still holds (the database refuses every later ballot)
    and the poll comes back closed with `freeze_pending`: ballots Redis acknowledged before
    it went away may still be in its stream, so the result is frozen once it is back (the
    persister's next round, or `flask meetings close-expired`).
    """
    poll = moderated_poll(user, poll_id)
    if poll.status == "draft":
        raise Conflict("表决尚未发起", code="poll_not_open")
    if poll.status == "closed" and poll.result is not None:
        raise Conflict("该表决已经结束", code="poll_closed")
    if poll.status == "open":
        done = db.session.execute(update(Poll).where(Poll.id == poll.id, Poll.status == "open")
                                  .values(status="closed", closed_at=utcnow()))
        db.session.commit()
        forget_poll_row(poll.id)
        if done.rowcount == 0:  # type: ignore[attr-defined]
            # Its countdown closed it meanwhile: that closer freezes the result, once.
            return get_poll(poll.id)
    try:
        return freeze_poll(poll.id)
    except TallyUnavailable:
        log.warning("poll %s closed; its result is frozen once Redis is back", poll.id)
        db.session.expire_all()
        return get_poll(poll.id)


def named_votes(user: User, poll_id: int) -> list[dict[str, Any]]:
    """List who voted what on a named (not secret) poll, for the moderator."""
    poll = moderated_poll(user, poll_id)
    if poll.secret:
        raise Forbidden("无记名表决不公开投票人", code="secret_poll")
    rows = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)
                              .order_by(Ballot.cast_at))
    return [{"resident_id": b.resident_id, "choices": [int(c) for c in b.choices.split(",")],
             "cast_at": b.cast_at.isoformat()} for b in rows]
