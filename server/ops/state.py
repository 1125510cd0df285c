"""Metrics read from the shared state at scrape time: queues, lags and the last sweep.

Every worker and every host sees the same Redis and database, so whichever answers the
scrape reports the same figures (no per-process bookkeeping to go stale).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from server.extensions import db, get_redis
from server.ops.marks import sweep_last_run

log = logging.getLogger(__name__)
BALLOTS_COUNTED_MAX = 100_000  # beyond this "ballots waiting" reads as at least this many


def entry_age_seconds(entry_id: str | None, now: float) -> float:
    """Age of a Redis stream entry from its id (milliseconds-sequence)."""
    if not entry_id:
        return 0.0
    return max(0.0, now - int(entry_id.split("-", 1)[0]) / 1000)


def persister_state(now: float) -> tuple[float, int, int]:
    """Return (oldest waiting ballot's age in s, ballots waiting, persister alive 0/1)."""
    from server.meetings import keys as meeting_keys

    client = get_redis()
    lag, waiting = 0.0, 0
    for member in client.smembers(meeting_keys.active_polls()):
        poll_id = int(member)
        cursor = client.get(meeting_keys.poll_cursor(poll_id)) or "0-0"
        stream = meeting_keys.poll_stream(poll_id)
        first = client.xrange(stream, min="(" + cursor, max="+", count=1)
        if not first:
            continue
        lag = max(lag, entry_age_seconds(first[0][0], now))
        waiting += len(client.xrange(stream, min="(" + cursor, max="+",
                                     count=BALLOTS_COUNTED_MAX))
    alive = int(bool(client.exists(meeting_keys.persister_heartbeat())))
    return lag, waiting, alive


def audit_state(now: float) -> tuple[float, int]:
    """Return (oldest queued audit record's age in s, records queued)."""
    from server.audit import keys as audit_keys

    client = get_redis()
    first = client.xrange(audit_keys.stream(), min="-", max="+", count=1)
    age = entry_age_seconds(first[0][0], now) if first else 0.0
    return age, int(client.xlen(audit_keys.stream()))


def outbox_state(now: float) -> dict[str, int]:
    """Return WeChat outbox messages by status, plus `due` (pending whose time has come)."""
    from datetime import UTC, datetime

    from sqlalchemy import or_

    from server.notify.models import Notification

    wechat = Notification.channel == "wechat"
    counts = {"pending": 0, "failed": 0, "sent": 0}
    for status, count in db.session.execute(
            select(Notification.status, func.count()).where(wechat)
            .group_by(Notification.status)):
        counts[status] = int(count)
    at = datetime.fromtimestamp(now, UTC)
    counts["due"] = int(db.session.scalar(
        select(func.count()).select_from(Notification).where(
            wechat, Notification.status == "pending",
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= at)))
        or 0)
    db.session.rollback()
    return counts


class StateCollector:
    """A prometheus-client collector reading queues and lags from Redis and the database."""

    def __init__(self, app: Flask, now: float) -> None:
        self.app = app
        self.now = now

    def collect(self) -> Iterator[Any]:
        """Yield the state gauges; a part that fails is left out and counted as an error."""
        errors = GaugeMetricFamily("sl_state_scrape_errors",
                                   "Parts of the shared state that could not be read",
                                   labels=["part"])
        for part, reader in (("persister", self._persister), ("audit", self._audit),
                             ("outbox", self._outbox), ("sweep", self._sweep)):
            try:
                yield from reader()
                errors.add_metric([part], 0)
            except Exception:  # noqa: BLE001 - report the rest; say which part failed
                log.warning("metrics: could not read %s state", part, exc_info=True)
                errors.add_metric([part], 1)
        yield errors

    def _persister(self) -> Iterator[Any]:
        lag, waiting, alive = persister_state(self.now)
        yield GaugeMetricFamily("sl_persister_lag_seconds",
                                "Age of the oldest accepted ballot not yet in the database",
                                value=lag)
        yield GaugeMetricFamily("sl_persister_ballots_waiting",
                                "Accepted ballots not yet copied to the database", value=waiting)
        yield GaugeMetricFamily("sl_persister_alive",
                                "1 while a dedicated persister's heartbeat is set", value=alive)

    def _audit(self) -> Iterator[Any]:
        age, queued = audit_state(self.now)
        yield GaugeMetricFamily("sl_audit_drain_lag_seconds",
                                "Age of the oldest audit record waiting in Redis", value=age)
        yield GaugeMetricFamily("sl_audit_queue_records",
                                "Audit records waiting in Redis for the drain", value=queued)

    def _outbox(self) -> Iterator[Any]:
        counts = outbox_state(self.now)
        family = GaugeMetricFamily("sl_outbox_messages", "WeChat outbox messages by status",
                                   labels=["status"])
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family

    def _sweep(self) -> Iterator[Any]:
        yield GaugeMetricFamily("sl_sweep_last_run_timestamp_seconds",
                                "When the overdue-warning sweep last finished (Unix time)",
                                value=sweep_last_run())
