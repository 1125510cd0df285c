"""One background loop per process: the ballot drain and the audit drain run through it.

Each app process (a gunicorn worker, a test app) starts the loop the first time it needs
it; a forked child (new pid) starts its own. The thread is a greenlet under gevent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from flask import Flask


def ensure_loop(app: Flask, key: str, name: str, interval: float, work: Callable[[], object],
                log: logging.Logger, failure: str) -> None:
    """Run `work` in an app context every `interval` seconds in this process, started once.

    `interval` <= 0 starts nothing. A failing round is logged (`failure`) and the next
    round retries. `key` names the per-app state in `app.extensions`, `name` the thread.
    """
    if interval <= 0:
        return
    state = app.extensions.setdefault(key, {"pid": None, "lock": threading.Lock()})
    if state["pid"] == os.getpid():
        return
    with state["lock"]:
        if state["pid"] == os.getpid():
            return
        state["pid"] = os.getpid()
        threading.Thread(target=_loop, args=(app, interval, work, log, failure), name=name,
                         daemon=True).start()


def _loop(app: Flask, interval: float, work: Callable[[], object], log: logging.Logger,
          failure: str) -> None:
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                work()
        except Exception:  # noqa: BLE001 - keep going; the next round retries
            log.exception(failure)
