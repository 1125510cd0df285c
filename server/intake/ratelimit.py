"""Fixed-window rate limits on what residents send (reports, photos, +1), counted in Redis."""

from __future__ import annotations

import time
from collections.abc import Iterable

from flask import current_app

from server.errors import RateLimited
from server.extensions import get_redis
from server.intake import keys

_RATE_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def check_rate(bucket: str, who: str, windows: Iterable[tuple[int, int]], message: str) -> None:
    """Count one attempt in each fixed window; raise 429 with a friendly message when over."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    client = get_redis()
    now = int(time.time())
    for limit, window in windows:
        slot = now // window
        count = int(client.eval(_RATE_SCRIPT, 1, keys.rate(bucket, who, window, slot),
                                window + 5))
        if count > limit:
            wait = window - now % window
            minutes = max(1, (wait + 59) // 60)
            raise RateLimited(message.format(minutes=minutes), code="rate_limited",
                              errors={"retry_after": wait})
