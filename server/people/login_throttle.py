"""Sign-in throttling per (address, username): growing delays instead of account lockout.

A lockout let anyone lock anyone (admin included) with five wrong passwords, and its 423
told which usernames exist. Here failures count per (caller address, username): the first
LOGIN_MAX_FAILURES are free, then each further attempt must wait twice as long as the one
before (LOGIN_DELAY_BASE_SECONDS, capped at LOGIN_DELAY_MAX_SECONDS). Unknown usernames are
counted and answered exactly alike, and a success from that address clears the count; the
account itself is never locked, so its owner signing in from elsewhere is not affected.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, has_request_context

from server.errors import RateLimited
from server.extensions import get_redis

KEY_PREFIX = "sl:login:throttle:"
# Reserve the attempt atomically: a burst sent in parallel gets one try per delay, not many.
# KEYS[1] the (address, username) hash; ARGV: now ms, free failures, base ms, max ms, ttl s.
_ATTEMPT = """
local fails = tonumber(redis.call('HGET', KEYS[1], 'fails') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local now, free = tonumber(ARGV[1]), tonumber(ARGV[2])
if fails >= free then
  local delay = math.min(tonumber(ARGV[3]) * 2 ^ (fails - free), tonumber(ARGV[4]))
  if now < last + delay then return math.ceil(last + delay - now) end
end
redis.call('HSET', KEYS[1], 'last', now)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 0
"""


class LoginThrottled(RateLimited):
    code, message = "login_throttled", "登录尝试太频繁，请稍后再试"


def throttle_key(username: str) -> str:
    """Return the Redis key of this caller's attempts at this username."""
    from server.common.limits import client_address

    address = client_address() if has_request_context() else "cli"
    digest = hashlib.sha256(f"{address}\n{username.strip().lower()}".encode()).hexdigest()
    return KEY_PREFIX + digest[:40]


def before_attempt(username: str) -> None:
    """Raise 429 (the same for every username) while this caller must wait."""
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True):
        return
    max_ms = int(cfg.get("LOGIN_DELAY_MAX_SECONDS", 900)) * 1000
    wait_ms = int(get_redis().eval(
        _ATTEMPT, 1, throttle_key(username), int(time.time() * 1000),
        int(cfg.get("LOGIN_MAX_FAILURES", 5)),
        int(float(cfg.get("LOGIN_DELAY_BASE_SECONDS", 1)) * 1000), max_ms,
        max_ms // 1000 + 3600))
    if wait_ms > 0:
        seconds = max(1, (wait_ms + 999) // 1000)
        raise LoginThrottled(f"登录尝试太频繁，请 {seconds} 秒后再试",
                             errors={"retry_after": seconds})


def failed_attempt(username: str) -> None:
    """Count a failed sign-in of this caller at this username."""
    key = throttle_key(username)
    pipe = get_redis().pipeline()  # MULTI: the delay counts from the failure's end
    pipe.hincrby(key, "fails", 1)
    pipe.hset(key, "last", int(time.time() * 1000))
    pipe.execute()


def succeeded(username: str) -> None:
    """Forget this caller's failures at this username."""
    get_redis().delete(throttle_key(username))
