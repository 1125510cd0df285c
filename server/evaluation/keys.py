"""Redis keys of the evaluation domain.

Hot topics are cached per unit, period and data version: the version is the number and the
newest id of the opinions the topics were computed from, so a new report (or a voided one)
changes the key and the stale entry simply ages out after TOPICS_TTL.
"""

from __future__ import annotations

TOPICS_TTL = 24 * 3600


def hot_topics(unit_id: int, start: str, end: str, version: str) -> str:
    """Return the key of one unit's cached hot topics for a period and data version."""
    return f"sl:evaluation:topics:{unit_id}:{start}:{end}:{version}"


VISITOR_ROLLUP_TTL = 400 * 24 * 3600  # as long as the sites' own daily counters live


def visitors_day(group: str, day: str) -> str:
    """Return the key of the merged visitor HyperLogLog of a group of sites on a past day."""
    return f"sl:evaluation:uv:{group}:d:{day}"


def visitors_month(group: str, month: str) -> str:
    """Return the key of the merged visitor HyperLogLog of a group of sites in a past month."""
    return f"sl:evaluation:uv:{group}:m:{month}"


DASHBOARD_TTL = 60  # seconds: the longest that time-driven figures (overdue, scans) may lag


def dashboard(unit_id: int, start: str, end: str, details: bool, version: str) -> str:
    """Return the key of a cached dashboard for a unit, period and data version."""
    return f"sl:evaluation:dashboard:{unit_id}:{start}:{end}:{int(details)}:{version}"
