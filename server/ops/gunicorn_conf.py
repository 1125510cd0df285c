"""gunicorn settings for production (deploy/systemd/shangliang-web.service).

Use: `gunicorn "server:create_app()" -c python:server.ops.gunicorn_conf`.

Read from the environment (the systemd unit's EnvironmentFile): SL_BIND, SL_WORKERS,
SL_WORKER_CONNECTIONS, SL_ACCESS_LOG ("-" for stdout; off by default: nginx already writes
one line per request with the same X-Request-Id, and a second log costs CPU on the vote path).
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("SL_BIND", "127.0.0.1:8000")
# One worker per core measured best for votes on this design (see PERF-NOTES.md).
workers = int(os.environ.get("SL_WORKERS", str(os.cpu_count() or 2)))
# gevent: big-screen event streams are long-lived; a thread per stream would run out.
worker_class = "gevent"
worker_connections = int(os.environ.get("SL_WORKER_CONNECTIONS", "4000"))
timeout = 60
graceful_timeout = 25
keepalive = 5
# nginx on the same host sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("SL_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("SL_ACCESS_LOG") or None
access_log_format = (
    '{"ts":"%(t)s","request_id":"%({x-request-id}o)s","method":"%(m)s","path":"%(U)s",'
    '"status":%(s)s,"bytes":%(B)s,"ms":%(M)s,"agent":"%(a)s"}'
)


def on_starting(_server: Any) -> None:
    """Start with an empty metric folder: files of an earlier run's workers would linger."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        from server.ops.metrics import reset_dir

        reset_dir(folder)


def child_exit(_server: Any, worker: Any) -> None:
    """Forget a dead worker's live gauges (open event streams)."""
    from server.ops.metrics import mark_process_dead

    mark_process_dead(worker.pid)
