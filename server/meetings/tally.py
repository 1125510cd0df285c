"""A poll's tally: live counts, the frozen result checked against the stored ballots."""

from __future__ import annotations

import logging
from typing import Any

import redis

from server.common.models import utcnow
from server.extensions import db, get_redis
from server.meetings import keys, persister, rebuild
from server.meetings.errors import TallyUnavailable
from server.meetings.lookup import get_poll, publish
from server.meetings.models import POLL_KINDS, Poll
from server.meetings.presence import attendance_count

log = logging.getLogger(__name__)


def freeze_poll(poll_id: int, wait: float = 10.0) -> Poll:
    """Drain, compare the live tally with stored ballots, and store the frozen result, once.

    Runs under the poll's lock and returns an already frozen poll untouched, so the
    moderator, the countdown, the persister and the CLI may all try. Raises
    TallyUnavailable while Redis is unreachable (or its lock stays busy for `wait` s).
    """
    client = get_redis()
    meta = keys.poll_meta(poll_id)
    try:
        with persister.poll_lock(client, poll_id, wait):
            db.session.expire_all()
            poll = get_poll(poll_id)
            if poll.result is not None:
                return poll
            status, gen = client.hmget(meta, ["status", "gen"])
            if status is None or gen != str(poll.db_generation):
                # Stale or lost: reload from the database (status closed), noting a loss.
                rebuild.rebuild_locked(client, poll_id)
            else:
                client.hset(meta, "status", "closed")
                persister.drain_locked(client, poll_id)
            live = client.hgetall(keys.poll_tally(poll_id))
            conflicts = int(client.hget(meta, "conflicts") or 0)
            # Committed under the lock: a second freezer waiting for it sees the result.
            poll = _store_result(poll_id, live, conflicts)
    except (redis.RedisError, persister.LockBusy) as exc:
        db.session.rollback()
        raise TallyUnavailable() from exc
    try:
        client.srem(keys.active_polls(), poll_id)
    except redis.RedisError:
        pass
    publish(poll.meeting_id, "poll", f"poll:{poll.id}", poll_public(poll))
    return poll


FREEZE_PENDING_NOTICE = ("表决已结束，不再接受投票。计票服务正在恢复，恢复后几秒内自动完成结算"
                         "并公布结果，已确认的选票都会计入，无需再次操作")


LOST_STATE_ERROR = ("计票服务（Redis）在表决期间丢失过数据（重启时未开启持久化）：丢失前已确认、"
                    "尚未存入数据库的电子票无法找回，电子票数可能偏少，请以现场纸质计票或举手表决核对")


def _store_result(poll_id: int, live: dict[str, str], conflicts: int) -> Poll:
    """Count the stored ballots, compare them with the live tally, commit the result."""
    db.session.expire_all()
    poll = get_poll(poll_id)
    counts, ballots, paper = persister.db_counts(poll_id)
    options = [{"id": o.id, "label": o.label, "online": counts.get(o.id, 0),
                "paper": paper.get(o.id, 0), "total": counts.get(o.id, 0) + paper.get(o.id, 0)}
               for o in poll.options]
    live_ballots = int(live.get("ballots", 0))
    problems = []
    if conflicts:
        problems.append(f"{conflicts} 张选票与数据库中同一人的选票冲突，未计入")
    if live_ballots != ballots:
        problems.append(f"实时计票 {live_ballots} 票，数据库存票 {ballots} 张")
    for o in options:
        if int(live.get(str(o["id"]), 0)) != o["online"]:
            problems.append(f"“{o['label']}”实时 {live.get(str(o['id']), 0)}，"
                            f"存票 {o['online']}")
    errors = [("计票核对不一致：" + "；".join(problems))] if problems else []
    if poll.tally_lost_at is not None:
        errors.append(LOST_STATE_ERROR)
    poll.result = {"options": options, "ballots": ballots,
                   "paper": sum(paper.values()), "total_votes": sum(o["total"] for o in options),
                   "checked_in": attendance_count(poll.meeting_id),
                   "frozen_at": utcnow().isoformat()}
    poll.result_error = "。".join(errors) if errors else None
    if errors:
        log.error("poll %s frozen with a warning: %s", poll_id, poll.result_error)
    db.session.commit()
    return poll


def live_counts(poll: Poll) -> tuple[dict[int, int], dict[int, int], int]:
    """Return (online, paper, ballots) for an open poll: Redis first, else the database."""
    try:
        tally = get_redis().hgetall(keys.poll_tally(poll.id))
        if tally:
            online = {o.id: int(tally.get(str(o.id), 0)) for o in poll.options}
            paper = {o.id: int(tally.get(f"p:{o.id}", 0)) for o in poll.options}
            return online, paper, int(tally.get("ballots", 0))
    except redis.RedisError:
        pass
    counts, ballots, paper = persister.db_counts(poll.id)
    return dict(counts), paper, ballots


def poll_public(poll: Poll, staff: bool = False) -> dict[str, Any]:
    """Describe a poll for screens and phones; hidden polls show counts only after close."""
    data: dict[str, Any] = {
        "id": poll.id, "title": poll.title, "kind": poll.kind,
        "kind_name": POLL_KINDS[poll.kind], "status": poll.status,
        "max_choices": poll.max_choices if poll.kind == "multiple" else 1,
        "secret": poll.secret, "live_results": poll.live_results,
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "options": [{"id": o.id, "label": o.label} for o in poll.options],
        "ballots": 0, "counts": None, "result": poll.result, "result_error": poll.result_error,
        "freeze_pending": poll.status == "closed" and poll.result is None, "notice": None,
    }
    if data["freeze_pending"]:
        data["notice"] = FREEZE_PENDING_NOTICE
    if poll.status == "open":
        online, paper, ballots = live_counts(poll)
        data["ballots"] = ballots
        if poll.live_results or staff:
            data["counts"] = {str(o.id): online.get(o.id, 0) + paper.get(o.id, 0)
                              for o in poll.options}
    elif poll.status == "closed" and poll.result:
        data["ballots"] = poll.result["ballots"]
        data["counts"] = {str(o["id"]): o["total"] for o in poll.result["options"]}
    return data
