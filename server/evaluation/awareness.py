"""Awareness from the scan counters (Redis HyperLogLogs): distinct visitors per site group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import select

from server.common.text import SHANGHAI
from server.evaluation import keys
from server.evaluation.periods import Period
from server.evaluation.tree import _subtree_ids
from server.extensions import db, get_redis
from server.redis_urls import is_cluster
from server.sites import keys as site_keys
from server.sites.models import Site


def _days(period: Period) -> list[date]:
    return [period.start + timedelta(days=i) for i in range(period.days)]


def _group_tag(site_ids: list[int]) -> str:
    """Name a set of sites: rollups of another set (a site moved, a new site) are other keys."""
    import hashlib

    text = ",".join(str(s) for s in sorted(site_ids))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _rollup_keys(client: Any, site_ids: list[int], period: Period, today: date) -> list[str]:
    """Return HyperLogLog keys whose union is the sites' visitors over the period.

    Past days never change (scans are counted on the day they happen), so each past day is
    merged once into one key per group of sites, and each whole past month into one key:
    a year is then a dozen month keys, the current month's days and today's per-site keys,
    instead of sites × days keys.
    """
    tag = _group_tag(site_ids)
    month_of_today = (today.year, today.month)
    live: list[str] = []
    past_days: list[date] = []
    for day in _days(period):
        if day >= today:
            live += [site_keys.scan_visitors(sid, day) for sid in site_ids]
        else:
            past_days.append(day)
    months: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in past_days:
        months[(day.year, day.month)].append(day)
    whole, loose = [], []
    for (year, month), ds in months.items():
        full = ds[0].day == 1 and (ds[-1] + timedelta(days=1)).month != month
        if full and (year, month) != month_of_today:
            whole.append(f"{year:04d}{month:02d}")
        else:
            loose += ds
    month_keys = [keys.visitors_month(tag, m) for m in whole]
    day_keys = [keys.visitors_day(tag, f"{d:%Y%m%d}") for d in loose]
    pipe = client.pipeline(transaction=False)
    for key in month_keys + day_keys:
        pipe.exists(key)
    present = pipe.execute()
    missing_months = [m for m, ok in zip(whole, present[:len(whole)], strict=True) if not ok]
    missing_days = {d for d, ok in zip(loose, present[len(whole):], strict=True) if not ok}
    for m in missing_months:
        year, month = int(m[:4]), int(m[4:])
        first = date(year, month, 1)
        month_days = [first + timedelta(days=i) for i in range(31)
                      if (first + timedelta(days=i)).month == month]
        _merge_days(client, tag, site_ids, month_days)
        pipe = client.pipeline(transaction=False)
        pipe.pfmerge(keys.visitors_month(tag, m),
                     *[keys.visitors_day(tag, f"{d:%Y%m%d}") for d in month_days])
        pipe.expire(keys.visitors_month(tag, m), keys.VISITOR_ROLLUP_TTL)
        pipe.execute()
    _merge_days(client, tag, site_ids, sorted(missing_days))
    return month_keys + day_keys + live


def _merge_days(client: Any, tag: str, site_ids: list[int], days: list[date]) -> None:
    pipe = client.pipeline(transaction=False)
    for day in days:
        dest = keys.visitors_day(tag, f"{day:%Y%m%d}")
        # PFMERGE creates an empty HyperLogLog when no site was scanned: "built" either way.
        pipe.pfmerge(dest, *[site_keys.scan_visitors(sid, day) for sid in site_ids])
        pipe.expire(dest, keys.VISITOR_ROLLUP_TTL)
    if days:
        pipe.execute()


def scan_visitors(site_ids: Iterable[int], period: Period, *,
                  today: date | None = None) -> int | None:
    """Estimate the unique visitors of the sites over the period (None if Redis is down)."""
    ids = sorted(set(site_ids))
    if not ids:
        return 0
    client = get_redis()
    if is_cluster(client):
        # A cluster refuses cross-slot keys, and PFCOUNT/PFMERGE in pipelines: sum the
        # per-site unions (one site's days share a slot), as the fallback below.
        try:
            return sum(int(client.pfcount(*[site_keys.scan_visitors(sid, d)
                                            for d in _days(period)]) or 0) for sid in ids)
        except redis.RedisError:
            return None
    try:
        # One PFCOUNT over every key estimates the union: a device counts once.
        found = _rollup_keys(client, ids, period, today or datetime.now(SHANGHAI).date())
        return int(client.pfcount(*found)) if found else 0
    except redis.ResponseError:
        # Redis Cluster refuses cross-slot keys: fall back to the per-site unions, summed.
        try:
            pipe = client.pipeline(transaction=False)
            for sid in ids:
                pipe.pfcount(*[site_keys.scan_visitors(sid, d) for d in _days(period)])
            return sum(int(n or 0) for n in pipe.execute())
        except redis.RedisError:
            return None
    except redis.RedisError:
        return None


def scan_visitors_by_group(groups: dict[int, list[int]], period: Period
                           ) -> dict[int, int | None]:
    """Estimate unique visitors for several groups of sites."""
    return {gid: scan_visitors(sids, period) for gid, sids in groups.items()}


def _sites_by_unit(path: str) -> dict[int, list[int]]:
    rows = db.session.execute(
        select(Site.unit_id, Site.id).where(Site.unit_id.in_(_subtree_ids(path)))).all()
    result: dict[int, list[int]] = defaultdict(list)
    for unit_id, site_id in rows:
        result[int(unit_id)].append(int(site_id))
    return result
