"""Redis keys of the sites domain: QR scan counting per site and day.

All keys of one site share the hash tag ``{site:ID}`` so a scan's keys sit in one slot and
the counting script (and a multi-day PFCOUNT) also work on Redis Cluster.

Lifetimes: the daily visitor HyperLogLog and scan counter expire SCAN_STATS_TTL after
their last write (a little over a year), so staff can compare a day with the same day last
year; anything kept longer belongs in the database. The "cookie issued" marker lives one
day: it only tells a cookie-refusing phone from a new one (see server.sites.scans).
"""

from __future__ import annotations

from datetime import date

SCAN_STATS_TTL = 400 * 24 * 3600
ISSUED_MARKER_TTL = 24 * 3600


def _site(site_id: int) -> str:
    return f"sl:sites:{{site:{site_id}}}"


def scan_visitors(site_id: int, day: date) -> str:
    """Return the key of the HyperLogLog of a site's unique visitors on a day."""
    return f"{_site(site_id)}:uv:{day:%Y%m%d}"


def scan_count(site_id: int, day: date) -> str:
    """Return the key of the counter of a site's scans on a day."""
    return f"{_site(site_id)}:scans:{day:%Y%m%d}"


def cookie_issued(site_id: int, day: date, fingerprint: str) -> str:
    """Return the key marking that a device cookie was issued to an IP+UA hash on a day."""
    return f"{_site(site_id)}:issued:{day:%Y%m%d}:{fingerprint}"
