"""Marks other domains leave for the metrics (kept apart: no prometheus import here)."""

from __future__ import annotations

import logging
import time

from server.extensions import get_redis
from server.ops import keys

log = logging.getLogger(__name__)


def record_sweep(when: float | None = None) -> None:
    """Remember when the overdue-warning sweep last finished (for the metric)."""
    try:
        get_redis().set(keys.sweep_last_run(), f"{when or time.time():.3f}")
    except Exception:  # noqa: BLE001 - a metric must never fail the sweep
        log.warning("could not record the sweep's last run", exc_info=True)


def sweep_last_run() -> float:
    """Return the Unix time of the last sweep (0 if none recorded)."""
    value = get_redis().get(keys.sweep_last_run())
    return float(value) if value else 0.0
