"""The vote's hot path: one ballot through the vote script in Redis (see docs/architecture.md)."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from flask import current_app
from sqlalchemy import select

from server.common.models import utcnow
from server.errors import NotFound, ValidationFailed
from server.extensions import db, get_redis
from server.meetings import keys, persister, rebuild
from server.meetings.errors import AlreadyVoted, NotCheckedIn, PollClosed, VotePending
from server.meetings.lookup import _now_ms
from server.meetings.models import Attendance, Ballot, Poll
from server.meetings.presence import _allow_in_redis
from server.meetings.scripts import script
from server.redis_urls import run_durably

# How long a vote that found the poll's Redis state stale waits for it to be reloaded.
REBUILD_WAIT_SECONDS = 5.0


@dataclass
class VoteAnswer:
    ballot_uid: str
    cast_at_ms: int
    replay: bool
    via: str
    choices: list[int]


def cast_vote(poll_id: int, resident_id: int, choices: list[int],
              idempotency_key: str | None = None, audit: str | None = None) -> VoteAnswer:
    """Accept one ballot through the vote script in Redis, the only place that acknowledges one.

    The rule: a resident never holds two acknowledged ballots in a poll, and the first one
    acknowledged is the one counted. Only the script can tell (atomically) whether this
    resident already has a ballot, including one not yet drained to the database, so while
    Redis is unreachable, or the poll's state there is being reloaded and the wait runs out,
    no new ballot is accepted: VotePending (503) and the page retries with the same key.
    A retry of a ballot already stored is still answered from the database.

    `audit` (packed request facts, see fastpath.ballot_audit) rides on the ballot's stream
    entry so the persister writes the request's audit row along with the ballot.
    """
    row = _poll_row(poll_id)
    if row is None:
        raise NotFound("找不到该表决")
    status, generation, meeting_id, closes_at, max_choices = row
    if not choices:
        raise ValidationFailed("请选择后再投票", errors={"choices": ["请至少选择一项"]})
    key = (idempotency_key or uuid.uuid4().hex)[:80]
    if status != "open" or (closes_at is not None and closes_at <= utcnow()):
        replay = _replay(poll_id, resident_id, key)
        if replay is not None:
            return replay
        raise PollClosed()
    choice_text = _choice_text(choices)
    if len(set(choices)) != len(choices):
        raise ValidationFailed("选项不能重复", errors={"choices": ["选项不能重复"]})
    try:
        result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                           audit)
        if result[0] == "stale":
            # Our cached generation may just be old; if not, Redis must be reloaded first.
            generation = _fresh_generation(poll_id)
            result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                               audit)
        if result[0] == "stale":
            try:
                # Once per generation: requests arriving meanwhile wait for it, then vote.
                rebuild.rebuild_poll(poll_id, generation, wait=REBUILD_WAIT_SECONDS)
            except persister.LockBusy:
                raise VotePending() from None
            generation = _fresh_generation(poll_id)
            result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                               audit)
            if result[0] == "stale":
                raise VotePending()
    except redis.RedisError:
        db.session.rollback()
        return _answer_without_redis(poll_id, resident_id, meeting_id, key)
    if result[0] == "err" and result[1] == "not_checked_in" and _attended(meeting_id,
                                                                        resident_id):
        # Checked in while the poll's Redis state was being rebuilt: repair and retry once.
        _allow_in_redis([poll_id], resident_id)
        result = _run_vote(poll_id, resident_id, choice_text, key, generation, meeting_id,
                           audit)
    return _answer(result, poll_id, resident_id, key, max_choices)


def _fresh_generation(poll_id: int) -> int:
    fresh = _poll_row(poll_id, fresh=True)
    if fresh is None:
        raise NotFound("找不到该表决")
    return int(fresh[1])


def try_vote_in_redis(poll_id: int, resident_id: int, choices: list[int], key: str,
                      audit: str | None = None) -> VoteAnswer | None:
    """Accept a new ballot in the common case only, else return None and write nothing.

    The common case: the poll is open by its cached row, the choices are distinct, and the
    vote script answers "ok". Anything else (a retry, a refusal, a stale generation, Redis
    unreachable) returns None for cast_vote to handle with its full rules and messages;
    the script writes nothing unless it answers "ok", so running cast_vote after this
    counts the ballot at most once. Used by the vote fast path (meetings.fastpath).
    """
    row = _poll_row(poll_id)
    if row is None:
        return None
    status, generation, meeting_id, closes_at, _max_choices = row
    if status != "open" or (closes_at is not None and closes_at <= utcnow()):
        return None
    if not choices or len(set(choices)) != len(choices):
        return None
    try:
        result = _run_vote(poll_id, resident_id, _choice_text(choices), key[:80], generation,
                           meeting_id, audit)
    except redis.RedisError:
        return None
    if result[0] != "ok":
        return None
    return _parse_answer(result[1], replay=False)


def _choice_text(choices: list[int]) -> str:
    return ",".join(str(c) for c in sorted(set(choices)))


POLL_ROW_TTL = 0.5


def _poll_row(poll_id: int, fresh: bool = False) -> tuple[Any, ...] | None:
    """Return (status, generation, meeting, closes_at, max) of a poll, cached for 0.5 s.

    The vote script itself refuses closed polls (Redis is told before the drain), so the
    cache only delays noticing a database-path generation bump by at most POLL_ROW_TTL.
    """
    cache: dict[int, tuple[float, Any]] = current_app.extensions.setdefault(
        "sl_meetings_poll_rows", {})
    hit = cache.get(poll_id)
    now = time.monotonic()
    if hit is not None and not fresh and now - hit[0] < POLL_ROW_TTL:
        return hit[1]
    row = db.session.execute(select(Poll.status, Poll.db_generation, Poll.meeting_id,
                                    Poll.closes_at, Poll.max_choices)
                             .where(Poll.id == poll_id)).first()
    # Release the database connection before talking to Redis: under gevent hundreds of
    # requests wait on Redis at once and the pool is far smaller than that.
    db.session.rollback()
    value = tuple(row) if row is not None else None
    cache[poll_id] = (now, value)
    return value


def forget_poll_row(poll_id: int) -> None:
    """Drop this process's cached row of a poll (after opening or closing it)."""
    current_app.extensions.get("sl_meetings_poll_rows", {}).pop(poll_id, None)


def _attended(meeting_id: int, resident_id: int) -> bool:
    found = db.session.scalar(select(Attendance.id).where(
        Attendance.meeting_id == meeting_id, Attendance.resident_id == resident_id))
    db.session.rollback()
    return found is not None


def ballot_uid(poll_id: int, resident_id: int, key: str) -> str:
    """Derive the ballot id from poll, resident and idempotency key.

    The same request always gets the same id, so a retry after Redis died and came back, or
    one answered from the database, repeats the first answer's ballot id, and a stream entry
    drained twice is one row.
    """
    return hashlib.sha256(f"{poll_id}:{resident_id}:{key}".encode()).hexdigest()[:32]


def _run_vote(poll_id: int, resident_id: int, choice_text: str, key: str, generation: int,
              meeting_id: int, audit: str | None = None) -> list[str]:
    client = get_redis()
    uid = ballot_uid(poll_id, resident_id, key)
    args = [resident_id, key, choice_text, uid, _now_ms(), generation,
            keys.events_channel(meeting_id), keys.POLL_TTL_SECONDS]
    if audit is not None:
        args.append(audit)
    # With a replica to wait for (Sentinel), the answer waits until it holds the ballot.
    return list(run_durably(client, script(client, "vote"), keys.poll_keys(poll_id), args))


def _parse_answer(answer: str, replay: bool) -> VoteAnswer:
    """Read the script's stored answer "uid|ms|choices" (older answers lack the choices)."""
    uid, cast_ms, *rest = answer.split("|")
    choices = [int(c) for c in rest[0].split(",")] if rest and rest[0] else []
    return VoteAnswer(uid, int(cast_ms), replay, "redis", choices)


def _stored_answer(ballot: Any) -> VoteAnswer:
    return VoteAnswer(ballot.ballot_uid, int(ballot.cast_at.timestamp() * 1000), True,
                      ballot.via, [int(c) for c in ballot.choices.split(",")])


def _answer(result: list[str], poll_id: int, resident_id: int, key: str,
            max_choices: int) -> VoteAnswer:
    outcome = result[0]
    if outcome in ("ok", "dup"):
        return _parse_answer(result[1], replay=outcome == "dup")
    code = result[1]
    if code == "poll_closed":
        raise PollClosed()
    if code == "not_checked_in":
        raise NotCheckedIn()
    if code == "already_voted":
        # A retry whose first answer Redis no longer keeps (its idempotency entry expired
        # or was lost) but the database does: repeat that answer.
        ballot = _stored_ballot(poll_id, resident_id)
        if ballot is not None and ballot.idempotency_key == key:
            return _stored_answer(ballot)
        raise AlreadyVoted()
    if code == "too_many_choices":
        raise ValidationFailed(f"本表决最多可选 {max_choices} 项",
                               errors={"choices": [f"最多可选 {max_choices} 项"]})
    raise ValidationFailed("选项无效，请刷新页面后重试", errors={"choices": ["选项无效"]})


def _stored_ballot(poll_id: int, resident_id: int) -> Any:
    """Return the resident's stored ballot (a plain row) in the poll, or None."""
    ballot = db.session.execute(
        select(Ballot.ballot_uid, Ballot.cast_at, Ballot.via, Ballot.choices,
               Ballot.idempotency_key)
        .where(Ballot.poll_id == poll_id, Ballot.resident_id == resident_id)).first()
    db.session.rollback()  # the vote path holds no database connection while it waits
    return ballot


def _answer_without_redis(poll_id: int, resident_id: int, meeting_id: int,
                          key: str) -> VoteAnswer:
    """Answer a vote while Redis is unreachable: only what the database can settle.

    A ballot stored under this key is repeated; a stored ballot under another key means
    this is a second ballot (409). Anything else is VotePending: the resident may hold a
    ballot acknowledged but not yet drained, so accepting one here could count two.
    """
    ballot = _stored_ballot(poll_id, resident_id)
    if ballot is not None:
        if ballot.idempotency_key == key:
            return _stored_answer(ballot)
        raise AlreadyVoted()
    if not _attended(meeting_id, resident_id):
        raise NotCheckedIn()
    raise VotePending()


def _replay(poll_id: int, resident_id: int, key: str) -> VoteAnswer | None:
    """Return the first answer to this key, if a ballot was acknowledged under it."""
    try:
        first = get_redis().hget(keys.poll_idempotency(poll_id), f"{resident_id}:{key}")
        if first:
            return _parse_answer(first, replay=True)
    except redis.RedisError:
        pass
    ballot = _stored_ballot(poll_id, resident_id)
    if ballot is not None and ballot.idempotency_key == key:
        return _stored_answer(ballot)
    return None
