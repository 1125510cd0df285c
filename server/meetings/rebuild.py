"""Load a poll's live state into Redis from the database: once per generation, never over
newer ballots.

A rebuild is needed when the database moved on without Redis (a check-in or a paper count
written while Redis was unreachable bumps `Poll.db_generation`) or when Redis lost the poll's
keys. The vote script compares the generation in the poll's meta hash with the one the request
read from the database and answers "stale", writing nothing, when they differ.

Under the poll's lock (persister.poll_lock), a rebuild:
1. returns at once if Redis already holds the generation it was asked for: a rebuild that
   has just finished is never repeated (a repeat would wipe the ballots accepted since);
2. notes a loss: the database says the state was loaded before and Redis has no meta for
   it (a Redis without its append-only file restarted empty). Ballots it acknowledged and
   had not drained are gone; nothing can bring them back, so the frozen result says so;
3. seals the poll: meta `gen` becomes SEALED in one command, and from then on the vote
   script answers "stale" for every new ballot, so none can land between drain and reload;
4. drains the stream into the database (every ballot acknowledged before the seal);
5. reloads eligible, voted, tally and meta from the database in one MULTI; meta `gen`
   becomes the database's generation, which unseals it.
Requests that find the state stale wait for the generation without taking the lock (see
`rebuild_poll`), then vote once.
"""

from __future__ import annotations

import logging
import time

import redis
from sqlalchemy import select

from server.common.models import utcnow
from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.models import Attendance, Ballot, Poll
from server.meetings.persister import LockBusy, db_counts, drain_locked, poll_lock
from server.meetings.scripts import script

log = logging.getLogger(__name__)

# Meta `gen` while a rebuild runs: never equal to a generation, so the vote script answers
# "stale" and writes nothing.
SEALED = "sealed"


def meta_fields(poll: Poll, generation: int) -> dict[str, str]:
    """Describe a poll for the vote script."""
    closes = ""
    if poll.closes_at is not None:
        closes = str(int(poll.closes_at.timestamp() * 1000))
    return {
        "status": poll.status,
        "gen": str(generation),
        "options": ",".join(str(option.id) for option in poll.options),
        "max": str(poll.max_choices if poll.kind == "multiple" else 1),
        "closes_ms": closes,
        "live": "1" if poll.live_results else "0",
        "poll": str(poll.id),
        "meeting": str(poll.meeting_id),
    }


def holds(client: redis.Redis, poll_id: int, generation: int) -> bool:
    """Tell whether Redis holds the poll's loaded state at `generation` or later."""
    gen, status = client.hmget(keys.poll_meta(poll_id), ["gen", "status"])
    if status is None or gen is None or gen == SEALED:
        return False
    return int(gen) >= generation


def rebuild_poll(poll_id: int, generation: int | None = None, wait: float = 10.0) -> bool:
    """Make Redis hold the poll's state at `generation` (None: reload it regardless).

    Returns True if this call reloaded it, False if Redis already held that generation
    (possibly loaded meanwhile by another process). Raises LockBusy when neither happened
    within `wait` seconds, and redis.RedisError when Redis is unreachable.
    """
    client = get_redis()
    deadline = time.monotonic() + wait
    while True:
        if generation is not None and holds(client, poll_id, generation):
            return False
        try:
            with poll_lock(client, poll_id, wait=0):
                if generation is not None and holds(client, poll_id, generation):
                    return False
                rebuild_locked(client, poll_id)
                return True
        except LockBusy:
            # Someone else is rebuilding: wait for their generation, not for the lock.
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def rebuild_locked(client: redis.Redis, poll_id: int) -> None:
    """Seal, drain and reload the poll's state (the caller holds the poll's lock)."""
    meta_key = keys.poll_meta(poll_id)
    lost = client.hget(meta_key, "status") is None
    db.session.expire_all()
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        db.session.rollback()
        return
    if lost and poll.tally_loaded_at is not None and poll.tally_lost_at is None:
        # Written before the seal: should this rebuild die half-way, the note stays.
        poll.tally_lost_at = utcnow()
        db.session.commit()
        log.error("poll %s: its live state in Redis is gone (Redis restarted without its "
                  "append-only file?); ballots not yet drained are lost", poll_id)
    client.hset(meta_key, "gen", SEALED)
    drain_locked(client, poll_id)
    db.session.expire_all()
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        db.session.rollback()
        return
    generation = poll.db_generation
    counts, ballots, paper = db_counts(poll_id)
    voted = dict(db.session.execute(
        select(Ballot.resident_id, Ballot.ballot_uid).where(Ballot.poll_id == poll_id)).all())
    attendees = list(db.session.scalars(
        select(Attendance.resident_id).where(Attendance.meeting_id == poll.meeting_id)))
    meta = meta_fields(poll, generation)
    is_open, meeting_id = poll.status == "open", poll.meeting_id
    db.session.rollback()
    tally: dict[str, int] = {str(option): n for option, n in counts.items()}
    tally.update({f"p:{option}": n for option, n in paper.items()})
    tally["ballots"] = ballots
    ttl = keys.POLL_TTL_SECONDS
    pipe = client.pipeline(transaction=True)
    pipe.delete(keys.poll_eligible(poll_id), keys.poll_voted(poll_id),
                keys.poll_tally(poll_id))
    pipe.hset(meta_key, mapping=meta)
    if attendees:
        pipe.sadd(keys.poll_eligible(poll_id), *attendees)
    if voted:
        pipe.hset(keys.poll_voted(poll_id), mapping=voted)
    pipe.hset(keys.poll_tally(poll_id), mapping=tally)
    for key in keys.poll_keys(poll_id):
        pipe.expire(key, ttl)
    pipe.execute()
    if is_open:
        # The persister's index of live streams: gone too if Redis lost its data. Outside the
        # transaction: the index has no poll hash tag (another slot on a Cluster).
        client.sadd(keys.active_polls(), poll_id)
    # Screens catch up with the reloaded tally (the script bumps the version and publishes).
    script(client, "paper")(keys=[meta_key, keys.poll_tally(poll_id)],
                            args=[keys.events_channel(meeting_id)])
    db.session.execute(Poll.__table__.update().where(Poll.id == poll_id)
                       .values(tally_loaded_at=utcnow()))
    db.session.commit()
