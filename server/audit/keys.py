"""Redis keys of the audit domain."""

from __future__ import annotations

PREFIX = "sl:audit"


def stream() -> str:
    """Stream of audit records from residents and anonymous callers, waiting for the drain.

    It has no TTL: entries are deleted once copied to the database, and XADD caps its length.
    """
    return f"{PREFIX}:stream"


def drain_lock() -> str:
    """Lock held by the one process copying the stream into the database (PX-expiring)."""
    return f"{PREFIX}:drain-lock"
