"""Move accepted ballots from Redis streams into the database, and rebuild Redis from it.

Why not write each ballot to the database inside the vote request: an accepted ballot is
already durable in Redis (append-only file written before the reply), and the database is the
slow, serialised part (SQLite fsyncs each commit). So requests only run the Lua script; a
drain copies the streams in batches every MEETINGS_DRAIN_INTERVAL seconds, and closing a poll
drains whatever is left. The cursor lives in Redis next to the stream, so entries left behind
by a crashed process are picked up by the next drain.

Who drains: `flask meetings persist` (started by `flask serve` beside gunicorn) runs the drain
in its own process and keeps a heartbeat key alive. The vote-serving workers then only watch
that heartbeat: a drain inside a gevent worker would block its event loop during each SQLite
commit and take CPU (and the GIL) from the votes. If the heartbeat lapses (no persister, or it
died or hangs), every worker drains in the background itself, as before, so accepted ballots
still reach the database; the per-poll lock keeps two drains from racing. Each persister round
also closes polls whose countdown ran out and freezes polls closed while Redis was away.

Ballots reach the database only through these streams: nothing else acknowledges one (see
services.cast_vote), and reloading a poll's Redis state from the database is
meetings.rebuild's.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
import redis
from flask import Flask, current_app
from sqlalchemy import func, select

from server.audit.capture import ballot_record
from server.audit.models import AuditEvent
from server.audit.services import table_row as audit_row
from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.models import Ballot, PaperCount
from server.meetings.scripts import script

log = logging.getLogger(__name__)
BATCH = 500
LOCK_MS = 30_000


class LockBusy(Exception):
    """Another process holds the poll's drain lock."""


@contextmanager
def poll_lock(client: redis.Redis, poll_id: int, wait: float) -> Iterator[None]:
    """Hold the poll's drain/rebuild lock, waiting up to `wait` seconds for it."""
    token = secrets.token_hex(8)
    key = keys.poll_drain_lock(poll_id)
    deadline = time.monotonic() + wait
    while not client.set(key, token, nx=True, px=LOCK_MS):
        if time.monotonic() >= deadline:
            raise LockBusy()
        time.sleep(0.02)
    try:
        yield
    finally:
        try:
            script(client, "release_lock")(keys=[key], args=[token])
        except redis.RedisError:
            pass


def insert_ignore(rows: list[dict[str, Any]]) -> None:
    """Insert ballots, skipping any whose ballot id (or poll+resident) is already stored."""
    if not rows:
        return
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One single-row statement run for every row (executemany): compiled once and cached.
    # A multi-row VALUES is compiled afresh per batch and cost more CPU than the votes did.
    db.session.execute(insert(Ballot.__table__).on_conflict_do_nothing(), rows)


def _ballot_row(poll_id: int, fields: dict[str, str]) -> dict[str, Any]:
    """Turn one stream entry into a ballot row (packed "w" or "v" field, or the older b/r/c/t/k).

    A "w" entry also carries its request's audit facts; the row then holds the audit record
    under "_audit" (taken out before the insert).
    """
    audit = None
    packed = fields.get("w")
    if packed is not None:
        uid, resident, choices, cast_ms, order, key_in_body, rest = packed.split("|", 6)
        agent, ip, key = rest.split("\n", 2)
        ip, _, request_id = ip.partition(" ")
        picked = [int(c) for c in (order or choices).split(",")]
        audit = ballot_record(poll_id, int(resident), int(cast_ms), picked,
                              key_in_body == "1", agent, ip, request_id or None)
    elif (packed := fields.get("v")) is not None:
        uid, resident, choices, cast_ms, key = packed.split("|", 4)
    else:  # written by the script before entries were packed
        uid, resident, choices = fields["b"], fields["r"], fields["c"]
        cast_ms, key = fields["t"], fields.get("k", "")
    return {"ballot_uid": uid, "poll_id": poll_id, "resident_id": int(resident),
            "choices": choices, "idempotency_key": key, "via": "redis",
            "cast_at": datetime.fromtimestamp(int(cast_ms) / 1000, UTC), "_audit": audit}


def insert_audit_rows(poll_id: int, entries: list[tuple[str, dict[str, Any]]]) -> None:
    """Insert the audit rows of accepted votes, once each (keyed by their ballot stream entry).

    Runs in the drain's transaction, so a ballot and its request's audit row are committed
    together; a drain repeated after a crash skips rows it already wrote.
    """
    if not entries:
        return
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = []
    for entry_id, record in entries:
        row = audit_row(record)
        row["stream_id"] = ballot_stream_id(poll_id, entry_id)
        rows.append(row)
    db.session.execute(insert(AuditEvent.__table__).on_conflict_do_nothing(), rows)


def ballot_stream_id(poll_id: int, entry_id: str) -> str:
    """Name a ballot stream entry in the audit table's stream_id (apart from audit entries)."""
    return f"v{poll_id}/{entry_id}"


def drain_locked(client: redis.Redis, poll_id: int) -> int:
    """Copy the poll's stream into the database (the caller holds the poll's lock)."""
    cursor = client.get(keys.poll_cursor(poll_id)) or "0-0"
    moved = 0
    while True:
        entries = client.xrange(keys.poll_stream(poll_id), min="(" + cursor, max="+",
                                count=BATCH)
        if not entries:
            return moved
        rows = [_ballot_row(poll_id, fields) for _id, fields in entries]
        audits = [(entry_id, row.pop("_audit"))
                  for (entry_id, _fields), row in zip(entries, rows, strict=True)]
        insert_ignore(rows)
        insert_audit_rows(poll_id, [(entry_id, a) for entry_id, a in audits if a is not None])
        db.session.commit()
        uids = [row["ballot_uid"] for row in rows]
        stored = set(db.session.scalars(select(Ballot.ballot_uid)
                                        .where(Ballot.ballot_uid.in_(uids))))
        if len(stored) != len(uids):
            # Cannot happen while Redis is the only place ballots are acknowledged (and
            # ballot ids are derived from poll, resident and key); if it ever does, the
            # resident counts once and closing the poll reports it.
            log.warning("poll %s: %d ballot(s) conflicted with database ballots", poll_id,
                        len(uids) - len(stored))
            client.hincrby(keys.poll_meta(poll_id), "conflicts", len(uids) - len(stored))
        cursor = entries[-1][0]
        script(client, "advance_cursor")(
            keys=[keys.poll_cursor(poll_id), keys.poll_stream(poll_id)], args=[cursor])
        moved += len(rows)


def drain_poll(poll_id: int, wait: float = 10.0) -> int:
    """Copy the poll's stream into the database; return how many entries were read."""
    client = get_redis()
    with poll_lock(client, poll_id, wait):
        return drain_locked(client, poll_id)


def db_counts(poll_id: int) -> tuple[Counter[int], int, dict[int, int]]:
    """Count stored ballots per option; return (online counts, ballots, paper counts)."""
    counts: Counter[int] = Counter()
    ballots = 0
    for choices in db.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll_id)):
        ballots += 1
        for part in choices.split(","):
            counts[int(part)] += 1
    return counts, ballots, paper_counts(poll_id)


def paper_counts(poll_id: int) -> dict[int, int]:
    """Return the latest paper count per option of a poll."""
    latest = (select(PaperCount.option_id, func.max(PaperCount.id).label("last"))
              .where(PaperCount.poll_id == poll_id).group_by(PaperCount.option_id).subquery())
    rows = db.session.execute(select(PaperCount.option_id, PaperCount.count)
                              .join(latest, PaperCount.id == latest.c.last))
    return {int(option): int(count) for option, count in rows}


# ---- the background drain ---------------------------------------------------------------


def drain_interval(app: Flask) -> float:
    """Seconds between background drains; off under tests unless configured."""
    value = app.config.get("MEETINGS_DRAIN_INTERVAL")
    if value is None:
        return 0.0 if app.config.get("TESTING") else 0.5
    return float(value)


def ensure_background_drain(app: Flask | None = None) -> None:
    """Start this process's drain thread (a greenlet under gevent) if it is not running."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    interval = drain_interval(app)
    if interval <= 0:
        return
    state = app.extensions.setdefault("sl_meetings_drain", {"pid": None,
                                                            "lock": threading.Lock()})
    if state["pid"] == os.getpid():
        return
    with state["lock"]:
        if state["pid"] == os.getpid():
            return
        state["pid"] = os.getpid()
        thread = threading.Thread(target=_drain_loop, args=(app, interval),
                                  name="meetings-drain", daemon=True)
        thread.start()


def _drain_loop(app: Flask, interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                if not persister_alive():
                    drain_active_polls()
        except Exception:  # noqa: BLE001 - keep draining; the next round retries
            log.exception("background drain failed")


def heartbeat_ms(interval: float) -> int:
    """How long a persister's heartbeat lasts: several rounds, so one slow commit is no lapse."""
    return max(3000, int(interval * 6000))


def persister_alive() -> bool:
    """Tell whether a dedicated persister process is draining (its heartbeat is set)."""
    return bool(get_redis().exists(keys.persister_heartbeat()))


def run_persister(app: Flask, interval: float, rounds: int | None = None) -> int:
    """Drain every active poll each `interval` seconds until SIGTERM/SIGINT; return entries moved.

    Announces itself with a heartbeat so the app's workers leave draining to this process.
    Each round also closes polls whose countdown ran out and finishes freezes that waited
    for Redis (a poll closed during an outage is frozen within a round of Redis' return).
    A last drain runs on the way out, then the heartbeat is removed so workers take over.
    """
    stopping: list[bool] = []

    def stop(_signum: int, _frame: Any) -> None:
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    moved, done = 0, 0
    beat_ms = heartbeat_ms(interval)
    token = f"{os.getpid()}"
    outage = False
    try:
        while True:
            try:
                with app.app_context():
                    try:
                        moved += persister_round(token, beat_ms)
                    finally:
                        db.session.remove()
                if outage:
                    log.warning("persister: Redis is reachable again")
                    outage = False
            except redis.RedisError as exc:
                if not outage:  # once per outage, not every round
                    log.warning("persister: Redis unreachable (%s); retrying each round", exc)
                    outage = True
            except Exception:  # noqa: BLE001 - the database away: retry next round
                log.exception("persister round failed")
            done += 1
            if stopping or (rounds is not None and done >= rounds):
                break
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.05, interval))
            if stopping:
                continue  # one last drain, then out
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            with app.app_context():
                client = get_redis()
                if client.get(keys.persister_heartbeat()) == token:
                    client.delete(keys.persister_heartbeat())
        except redis.RedisError:
            pass
    return moved


def persister_round(token: str, beat_ms: int) -> int:
    """Beat, drain every live poll, then close and freeze what is due; return entries moved."""
    from server.meetings.services import close_expired_polls

    get_redis().set(keys.persister_heartbeat(), token, px=beat_ms)
    moved = drain_active_polls()
    close_expired_polls(wait=0)
    return moved


@click.command("persist")
@click.option("--interval", type=float, default=None,
              help="seconds between drains (default MEETINGS_DRAIN_INTERVAL or 0.5)")
def persist_command(interval: float | None) -> None:
    """Copy accepted ballots from Redis into the database, continuously (beside gunicorn)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = interval if interval is not None else (drain_interval(app) or 0.5)
    click.echo(f"表决持久化进程已启动（每 {interval} 秒）")
    moved = run_persister(app, interval)
    click.echo(f"表决持久化进程已停止，本次共写入 {moved} 张选票")


def drain_active_polls() -> int:
    """Drain every poll with a live stream, skipping polls another process is draining."""
    client = get_redis()
    moved = 0
    for member in client.smembers(keys.active_polls()):
        try:
            moved += drain_poll(int(member), wait=0)
        except LockBusy:
            continue
    return moved
