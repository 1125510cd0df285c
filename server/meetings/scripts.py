"""The Lua scripts of the meetings domain, registered once per Redis client."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import redis

LUA_DIR = Path(__file__).resolve().parent / "lua"
NAMES = ("vote", "paper", "advance_cursor", "release_lock")


@cache
def source(name: str) -> str:
    """Return the text of one Lua script."""
    return (LUA_DIR / f"{name}.lua").read_text(encoding="utf-8")


def script(client: redis.Redis, name: str) -> Any:
    """Return a registered Script (EVALSHA, reloading after a Redis restart) for a client."""
    registry: dict[str, Any] | None = getattr(client, "_sl_meetings_scripts", None)
    if registry is None:
        registry = {n: client.register_script(source(n)) for n in NAMES}
        client._sl_meetings_scripts = registry  # type: ignore[attr-defined]
    return registry[name]
