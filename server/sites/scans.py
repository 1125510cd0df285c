"""Counting QR scans: unique visitors (HyperLogLog) and scans (counter) per site and day.

Device identity: a long-lived first-party cookie ``sl_dev`` holding a random id. A phone
that arrives without one is given a fresh id and counted under it, so two new phones are
two visitors even behind one village-hall router. A phone that refuses cookies would look
new on every scan; to stop it inflating the figures, a second cookie-less scan of the
same site on the same day from the same IP + User-Agent hash is counted under that hash
instead (so such a phone counts at most twice a day, and a third identical phone behind
the same router on its first scan is the only one we miss).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import select

from server.common.text import SHANGHAI
from server.extensions import db, get_redis
from server.redis_urls import is_cluster
from server.sites import keys
from server.sites.models import Site

DEVICE_COOKIE = "sl_dev"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes near 400 days
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SITE_CODE = re.compile(r"[0-9A-Za-z]{1,16}")

# KEYS: visitors HLL, scan counter, cookie-issued marker.
# ARGV: device id, "1" if the id came from the request's cookie, IP+UA hash,
#       stats TTL, marker TTL. Returns {1 if a new visitor today, scans today}.
_COUNT_SCAN = """
local ident
if ARGV[2] == '1' then
  ident = 'd:' .. ARGV[1]
elseif redis.call('SET', KEYS[3], '1', 'NX', 'EX', tonumber(ARGV[5])) then
  ident = 'd:' .. ARGV[1]
else
  ident = 'h:' .. ARGV[3]
end
local added = redis.call('PFADD', KEYS[1], ident)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
local scans = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return {added, scans}
"""


@dataclass(frozen=True)
class Device:
    """Who scanned: the cookie id to keep (and whether it is new) plus the IP+UA hash."""

    device_id: str
    is_new: bool
    fingerprint: str


def local_today(now: datetime | None = None) -> date:
    """Return today's date in Asia/Shanghai (scan days follow the local calendar)."""
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def identify_device(cookie: str | None, ip: str | None, user_agent: str, secret: str) -> Device:
    """Return the device behind a request: its sl_dev cookie, or a fresh random id."""
    # Keyed with the app secret so the stored hash cannot be turned back into an IP.
    fingerprint = hashlib.blake2b(f"{ip or ''}\n{user_agent}".encode(), digest_size=12,
                                  key=secret.encode()[:64]).hexdigest()
    if cookie and _DEVICE_ID.fullmatch(cookie):
        return Device(cookie, False, fingerprint)
    return Device(secrets.token_urlsafe(18), True, fingerprint)


def count_scan(site_id: int, device: Device, *, day: date | None = None) -> tuple[bool, int]:
    """Record one scan of a site; return (a new visitor today, scans today)."""
    day = day or local_today()
    client = get_redis()
    script = client.register_script(_COUNT_SCAN)
    added, scans = script(
        keys=[keys.scan_visitors(site_id, day), keys.scan_count(site_id, day),
              keys.cookie_issued(site_id, day, device.fingerprint)],
        args=[device.device_id, "0" if device.is_new else "1", device.fingerprint,
              keys.SCAN_STATS_TTL, keys.ISSUED_MARKER_TTL],
    )
    return bool(added), int(scans)


def count_scan_safely(site_id: int, device: Device) -> bool:
    """Count a scan, but never let a Redis outage stop the poster's page from opening."""
    from flask import current_app

    try:
        count_scan(site_id, device)
    except redis.RedisError:
        current_app.logger.warning("scan of site %s not counted: Redis unavailable", site_id)
        return False
    return True


def scan_stats(site_id: int, days: int, *, today: date | None = None) -> dict[str, object]:
    """Return per-day visitors and scans for the last `days` days, newest first."""
    today = today or local_today()
    dates = [today - timedelta(days=i) for i in range(days)]
    uv_keys = [keys.scan_visitors(site_id, d) for d in dates]
    client = get_redis()
    # redis-py refuses PFCOUNT inside a cluster pipeline; there the keys (one slot) are read
    # one call each instead.
    pipe = client if is_cluster(client) else client.pipeline(transaction=False)
    results: list[Any] = []
    for d, uv in zip(dates, uv_keys, strict=True):
        results.append(pipe.pfcount(uv))
        results.append(pipe.get(keys.scan_count(site_id, d)))
    # A multi-key PFCOUNT estimates the union: people who came on several days count once.
    results.append(pipe.pfcount(*uv_keys))
    if pipe is not client:
        results = pipe.execute()
    rows = [
        {"date": d.isoformat(), "visitors": int(results[2 * i] or 0),
         "scans": int(results[2 * i + 1] or 0)}
        for i, d in enumerate(dates)
    ]
    return {
        "days": rows,
        "total_scans": sum(int(r["scans"]) for r in rows),
        "unique_visitors": int(results[-1] or 0),
    }


@dataclass(frozen=True)
class Visit:
    """What a scanned code leads to: an open site, a retired one (and its successor), or none."""

    site: Site | None
    replacement: Site | None = None

    @property
    def state(self) -> str:
        """Return "open", "retired" or "unknown"."""
        if self.site is None:
            return "unknown"
        return "open" if self.site.active else "retired"


def _successor(site: Site) -> Site | None:
    # Follow A → B → C while the replacement is itself retired; a cycle ends the walk.
    seen = {site.id}
    current = site.replaced_by
    while current is not None and not current.active and current.id not in seen:
        seen.add(current.id)
        current = current.replaced_by
    return current if current is not None and current.active else None


def visit_site(code: str, device: Device, *, count: bool = True) -> Visit:
    """Resolve a scanned code and count the scan (retired sites' scans count too)."""
    if not _SITE_CODE.fullmatch(code):
        return Visit(None)
    site = db.session.scalar(select(Site).where(Site.code == code.upper()))
    if site is None:
        return Visit(None)
    if count:
        count_scan_safely(site.id, device)
    return Visit(site, None if site.active else _successor(site))
