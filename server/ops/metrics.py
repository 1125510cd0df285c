"""Prometheus metrics in multiprocess mode (gunicorn runs several worker processes).

Counted where things happen (each worker writes its own mmap file under
PROMETHEUS_MULTIPROC_DIR): requests and latency per route, votes accepted and refused,
event-stream listeners. Read from the shared state when scraped (so every host and worker
reports the same truth, whichever one answers): persister lag, audit-drain lag, outbox
backlog and failures, the sweep's last run.
"""

from __future__ import annotations

import hmac
import os
import shutil
import time
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    """The process's metric objects."""

    requests: Any
    latency: Any
    votes: Any
    listeners: Any


_metrics: list[Metrics] = []


def multiproc_dir(app: Flask) -> str:
    """Return the folder of the metric files: the environment's, else the instance's."""
    return os.environ.get(ENV) or str(Path(app.config["INSTANCE_PATH"]) / "prometheus")


def init_app(app: Flask) -> None:
    """Point prometheus-client at the multiprocess folder, before it is first imported."""
    folder = multiproc_dir(app)
    Path(folder).mkdir(parents=True, exist_ok=True)
    # prometheus_client picks its value class when imported; the variable must come first.
    os.environ[ENV] = folder
    get()


def reset_dir(folder: str) -> None:
    """Empty the metric folder (at a server's start: files of dead processes would linger)."""
    shutil.rmtree(folder, ignore_errors=True)
    Path(folder).mkdir(parents=True, exist_ok=True)


def get() -> Metrics:
    """Return the process's metric objects, created on first use."""
    if _metrics:
        return _metrics[0]
    from prometheus_client import Counter, Gauge, Histogram, values

    # Should something have imported prometheus_client before the folder was set (a test
    # module, say), its value class is the single-process one: choose again.
    values.ValueClass = values.get_value_class()
    made = Metrics(
        requests=Counter("sl_http_requests", "HTTP requests answered",
                         ["method", "route", "status"], registry=None),
        latency=Histogram("sl_http_request_duration_seconds",
                          "Time to produce the response (an event stream: its first byte)",
                          ["method", "route"], buckets=LATENCY_BUCKETS, registry=None),
        votes=Counter("sl_votes", "Live votes answered, by outcome (accepted|refused)",
                      ["outcome"], registry=None),
        listeners=Gauge("sl_event_stream_listeners", "Open big-screen event streams",
                        registry=None, multiprocess_mode="livesum"),
    )
    _metrics.append(made)
    return made


def listener_opened() -> None:
    """Count an event-stream listener in."""
    get().listeners.inc()


def listener_closed() -> None:
    """Count an event-stream listener out."""
    get().listeners.dec()


def mark_process_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's child_exit hook)."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


# ---- the scrape ------------------------------------------------------------------------


def may_scrape() -> bool:
    """Tell whether the caller may read /metrics.

    With METRICS_TOKEN set: whoever sends it as a bearer token. Without: only a caller on
    loopback that did not come through a proxy (a proxy on the same host would make every
    visitor look local; the nginx site also refuses /metrics).
    """
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("X-Real-IP"):
        return False
    try:
        return ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def exposition() -> tuple[bytes, str]:
    """Return every process's metrics plus the shared state, in the text format."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    from server.ops.state import StateCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(StateCollector(current_app._get_current_object(),  # type: ignore[attr-defined,arg-type]
                                     time.time()))
    return generate_latest(registry), CONTENT_TYPE_LATEST
