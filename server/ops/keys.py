"""Redis keys of the operations package."""

from __future__ import annotations

PREFIX = "sl:ops"


def sweep_last_run() -> str:
    """String: Unix time (seconds) at which the overdue-warning sweep last finished."""
    return f"{PREFIX}:sweep-last"
