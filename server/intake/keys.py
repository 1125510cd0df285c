"""Redis keys of the intake domain (all namespaced "sl:intake:", all with TTLs)."""

from __future__ import annotations


def rate(bucket: str, who: str, window: int, slot: int) -> str:
    """Return the fixed-window counter key of one caller in one window."""
    return f"sl:intake:rl:{bucket}:{who}:{window}:{slot}"


def idempotency_lock(scope: str, key: str) -> str:
    """Return the key held while a submission with this idempotency key is in flight."""
    return f"sl:intake:idem:{scope}:{key}"
