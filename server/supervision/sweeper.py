"""The embedded sweeper: the serve process runs the overdue sweep every minute by itself.

Only for the one-machine default (SQLite file and the embedded Redis) unless
SUPERVISION_SWEEPER=on; deployments with several hosts run `flask supervision sweep`
from cron or a systemd timer instead (running both is harmless: warnings are unique).
"""

from __future__ import annotations

import threading

from flask import Flask


def sweeper_wanted(app: Flask) -> bool:
    """Tell whether this process should run the sweep itself."""
    mode = str(app.config.get("SUPERVISION_SWEEPER", "auto")).lower()
    if mode in {"on", "1", "true", "yes"}:
        return True
    if mode in {"off", "0", "false", "no"}:
        return False
    embedded_db = str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite")
    return embedded_db and not app.config.get("REDIS_URL")


class Sweeper:
    """A daemon thread calling sweep() every `interval` seconds until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, name="supervision-sweeper",
                                       daemon=True)

    def start(self) -> Sweeper:
        """Start the thread; the first sweep runs at once."""
        self.thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Ask the thread to stop and wait for the running sweep to finish."""
        self.stopped.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        from server.extensions import db
        from server.supervision.sweep import sweep

        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    sweep()
                except Exception:  # noqa: BLE001 - keep sweeping; the next minute retries
                    self.app.logger.exception("overdue sweep failed")
                finally:
                    db.session.remove()
            self.runs += 1
            self.stopped.wait(self.interval)


def start_sweeper(app: Flask) -> Sweeper | None:
    """Start the embedded sweeper when this deployment wants one."""
    if not sweeper_wanted(app):
        return None
    return Sweeper(app, float(app.config.get("SUPERVISION_SWEEP_SECONDS", 60))).start()
