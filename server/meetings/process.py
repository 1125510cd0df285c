"""The persister process (`flask meetings persist`): its loop, each round, its command."""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

import click
import redis
from flask import Flask, current_app

from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.persister import drain_active_polls, drain_interval, heartbeat_ms

log = logging.getLogger(__name__)


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
    from server.meetings.expiry import close_expired_polls

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
