"""The four highs (四高) and the counters, per unit subtree and period, computed in SQL.

Every figure is a grouped query over the unit's subtree (Unit.path prefix) and the period;
only aggregated rows (one per unit × category, one per day …) come back to Python, where
they are rolled up the unit tree. See DEFINITIONS for what each figure means.

Period: local (Asia/Shanghai) dates; inside, `end` is exclusive ([start, end)); every request
and response shows the inclusive last day (`Period.last`). Case figures
follow the cohort of opinions reported in the period, as they stand now (a case reported
in March and resolved in April counts as resolved in March's figures from April on).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import redis
from flask import current_app
from sqlalchemy import func, select, text

from server.common.models import utcnow
from server.common.numbers import round_half_up
from server.evaluation import keys
from server.evaluation.awareness import _sites_by_unit, scan_visitors, scan_visitors_by_group
from server.evaluation.definitions import (
    DEFINITIONS,
    HELD_MEETING_STATUSES,
    POPULATION_PLACES,
    per_10k,
    ratio,
)
from server.evaluation.periods import Period
from server.evaluation.queries import (
    _CASE_SUMS,
    _case_groups,
    _daily,
    _dialect,
    _meetings_held,
    _outcome_groups,
    _participants,
)
from server.evaluation.tree import UnitNode, _load_unit, _owner_map, _subtree
from server.extensions import db, get_redis
from server.intake.models import Category, Opinion, OpinionEvent
from server.sites.models import Unit, in_subtree

T = TypeVar("T")


_SUMS = (*_CASE_SUMS, "outcome_rated", "outcome_good")


def _empty_sums() -> dict[str, float]:
    return dict.fromkeys(_SUMS, 0)


def _figures(node: UnitNode, sums: dict[str, float], participants: int, visitors: int | None,
             activities: int | None) -> dict[str, Any]:
    """Turn sums for one unit into the four highs and the counters."""
    pop = node.population if node.population and node.population > 0 else None
    avg_days = (round_half_up(sums["answer_days"] / sums["answered"], 1) if sums["answered"]
                else None)
    return {
        "unit": {"id": node.id, "name": node.name, "kind": node.kind, "population": pop},
        "awareness": ratio(visitors, pop, POPULATION_PLACES),
        "participation": ratio(participants, pop, POPULATION_PLACES),
        "awareness_per_10k": per_10k(visitors, pop),
        "participation_per_10k": per_10k(participants, pop),
        "success": ratio(sums["resolved"], sums["accepted"]),
        "satisfaction": ratio(sums["good"] + sums["outcome_good"],
                              sums["rated"] + sums["outcome_rated"]),
        "visitors": visitors,
        "participants": participants,
        "activities": activities,
        "collected": int(sums["collected"]),
        "accepted": int(sums["accepted"]),
        "solved": int(sums["resolved"]),
        "rated": int(sums["rated"]),
        "satisfied": int(sums["good"]),
        "outcome_rated": int(sums["outcome_rated"]),
        "outcome_satisfied": int(sums["outcome_good"]),
        "answered": int(sums["answered"]),
        "avg_answer_days": avg_days,
        "overdue": int(sums["overdue"]),
        "with_deadline": int(sums["with_deadline"]),
        "overdue_share": ratio(sums["overdue"], sums["with_deadline"]),
    }


def unit_figures(unit_id: int, period: Period, *, visitors: int | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Return the four highs and the counters of one unit's subtree for a period."""
    return dashboard(unit_id, period, visitors=visitors, now=now, details=False)["figures"]


def data_version() -> str:
    """Return a short text that changes whenever data behind the figures changes.

    Every workflow step appends a timeline event, so the newest event id covers reports,
    state changes, answers and ratings; the rest covers meetings, attendance, ballots and
    outcome ratings. Time-driven figures (overdue, today's scans) are bounded by the TTL.
    """
    from server.evaluation.models import OutcomeRating
    from server.meetings.models import Attendance, Ballot, Meeting

    def scalar(stmt: Any) -> Any:
        return stmt.scalar_subquery()

    row = db.session.execute(select(
        scalar(select(func.max(OpinionEvent.id))),
        scalar(select(func.max(Opinion.id))),
        scalar(select(func.max(Attendance.id))),
        scalar(select(func.max(Ballot.id))),
        scalar(select(func.count(Meeting.id)).where(Meeting.status.in_(HELD_MEETING_STATUSES))),
        scalar(select(func.max(Meeting.id))),
        scalar(select(func.count(OutcomeRating.id))),
        scalar(select(func.max(OutcomeRating.updated_at))),
    )).one()
    import hashlib

    return hashlib.sha1(repr(tuple(row)).encode()).hexdigest()[:16]


def dashboard(unit_id: int, period: Period, *, visitors: int | None = None,
              now: datetime | None = None, details: bool = True,
              cache: bool = True) -> dict[str, Any]:
    """Return the dashboard of a unit: its figures, its children's, heat table and trend.

    `visitors` overrides the scan-counter estimate (tests, or counts from elsewhere). The
    live dashboard (no overrides) is cached in Redis per data version for DASHBOARD_TTL.
    """
    if not cache or visitors is not None or now is not None:
        return _dashboard(unit_id, period, visitors=visitors, now=now, details=details)
    import json

    key = keys.dashboard(unit_id, period.start.isoformat(), period.end.isoformat(), details,
                         data_version())
    client = get_redis()
    try:
        hit = client.get(key)
    except redis.RedisError:
        hit = None
    if hit is not None:
        return json.loads(hit)
    result = _dashboard(unit_id, period, details=details)
    try:
        client.set(key, json.dumps(result, ensure_ascii=False), ex=keys.DASHBOARD_TTL)
    except redis.RedisError:
        pass
    return result


def _dashboard(unit_id: int, period: Period, *, visitors: int | None = None,
               now: datetime | None = None, details: bool = True) -> dict[str, Any]:
    now = now or utcnow()
    unit = _load_unit(unit_id)
    nodes = _subtree(unit)
    root = next(n for n in nodes if n.id == unit.id)
    owner = _owner_map(nodes, root)
    children = [n for n in nodes if n.parent_id == root.id]

    # The participants' distinct counts are the set's biggest query: on PostgreSQL they run
    # on a second connection while this one reads the case figures (see _beside).
    participants_of = _beside(lambda: _participants(unit.path, period, owner))

    # Sum the (unit, category) rows per child of the root (None: units of no child) in plain
    # lists, then the lists into figures: reading nine figures by name from each of 2,000
    # rows cost ~10 ms of the district set.
    by_owner: dict[int | None, list[float]] = {}
    heat: dict[tuple[int, int | None], int] = defaultdict(int)
    by_category: dict[int | None, int] = defaultdict(int)
    for unit_id, category_id, *amounts in _case_groups(unit.path, period, now):
        child_id = owner.get(unit_id)
        sums = by_owner.get(child_id)
        if sums is None:
            sums = by_owner[child_id] = [0] * len(_CASE_SUMS)
        for i, amount in enumerate(amounts):
            if amount:
                sums[i] += amount
        collected = int(amounts[0])
        by_category[category_id] += collected
        if child_id is not None:
            heat[(child_id, category_id)] += collected
    total = _empty_sums()
    per_child: dict[int, dict[str, float]] = {c.id: _empty_sums() for c in children}
    for child_id, sums in by_owner.items():
        for key, amount in zip(_CASE_SUMS, sums, strict=True):
            total[key] += amount
            if child_id is not None:
                per_child[child_id][key] += amount

    for unit_id, (rated, good) in _outcome_groups(unit.path, period).items():
        child_id = owner.get(unit_id)
        for key, amount in (("outcome_rated", rated), ("outcome_good", good)):
            total[key] += amount
            if child_id is not None:
                per_child[child_id][key] += amount

    participants, child_participants = participants_of()
    meetings = _meetings_held(unit.path, period)
    if visitors is None or details:
        sites = _sites_by_unit(unit.path)
    if visitors is None:
        visitors = scan_visitors([s for ss in sites.values() for s in ss], period)

    def held(ids: Iterable[int]) -> int | None:
        return sum(meetings.get(i, 0) for i in ids)

    figures = _figures(root, total, participants, visitors, held(n.id for n in nodes))
    result: dict[str, Any] = {
        "period": period.as_dict(),
        "figures": figures,
        "definitions": DEFINITIONS,
    }
    if not details:
        return result

    child_ids = {c.id: [uid for uid, cid in owner.items() if cid == c.id] for c in children}
    child_visitors = scan_visitors_by_group(
        {c.id: [s for uid in child_ids[c.id] for s in sites.get(uid, [])] for c in children},
        period)
    child_rows = [_figures(child, per_child[child.id], child_participants.get(child.id, 0),
                           child_visitors.get(child.id), held(child_ids[child.id]))
                  for child in children]
    result["children"] = child_rows
    result["ranking"] = sorted(
        child_rows,
        key=lambda r: (-(r["success"] if r["success"] is not None else -1), -r["collected"]),
    )
    result["breadcrumbs"] = _breadcrumbs(unit)
    result["heat"] = _heat_table(children, heat, by_category)
    result["trend"] = _weekly(_daily(unit.path, period), period)
    return result


def _beside(query: Callable[[], T]) -> Callable[[], T]:
    """Start a read-only query function on its own connection; return a call for its result.

    Only on PostgreSQL, and only while this session's transaction has written nothing
    (`txid_current_if_assigned()` is NULL until a transaction writes): then, under READ
    COMMITTED, a statement on another connection sees exactly the committed data a statement
    here would, so the figures are the same as run one after the other, only sooner (two
    backends, two cores). Otherwise the query simply runs here when its result is asked for.
    Under gevent the thread is a greenlet and psycopg waits cooperatively.
    """
    if _dialect() != "postgresql" or db.session.scalar(
            text("SELECT txid_current_if_assigned()")) is not None:
        return query
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    box: dict[str, Any] = {}

    def work() -> None:
        with app.app_context():
            try:
                box["value"] = query()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                box["error"] = exc
            finally:
                db.session.remove()

    worker = threading.Thread(target=work, name="evaluation-beside", daemon=True)
    worker.start()

    def result() -> T:
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["value"]  # type: ignore[no-any-return]

    return result


def _breadcrumbs(unit: Unit) -> list[dict[str, Any]]:
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    rows = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [{"id": i, "name": rows[i].name} for i in ids if i in rows]


def _heat_table(children: list[UnitNode], heat: dict[tuple[int, int | None], int],
                by_category: dict[int | None, int]) -> dict[str, Any]:
    """Return categories × child units opinion counts (categories by total, largest first)."""
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    categories = sorted(by_category, key=lambda c: (-by_category[c], c or 0))
    return {
        "categories": [{"id": c, "name": names.get(c, "未分类") if c else "未分类",
                        "total": by_category[c]} for c in categories],
        "units": [{"id": u.id, "name": u.name} for u in children],
        "cells": [[heat.get((u.id, c), 0) for u in children] for c in categories],
    }


def _weekly(daily: list[Any], period: Period) -> list[dict[str, Any]]:
    """Fold per-day counts into weeks starting on Monday (the first may be partial)."""
    weeks: dict[date, dict[str, Any]] = {}
    first = period.start - timedelta(days=period.start.weekday())
    week = first
    while week < period.end:
        weeks[week] = {"week": week.isoformat(), "collected": 0, "solved": 0}
        week += timedelta(days=7)
    for day_value, collected, resolved in daily:
        day = day_value if isinstance(day_value, date) else date.fromisoformat(str(day_value))
        bucket = weeks.get(day - timedelta(days=day.weekday()))
        if bucket is not None:
            bucket["collected"] += int(collected or 0)
            bucket["solved"] += int(resolved or 0)
    return list(weeks.values())


def units_for_picker(root_id: int | None = None) -> list[dict[str, Any]]:
    """List units (id, name, kind, parent, depth) for the dashboard's unit picker."""
    stmt = select(Unit.id, Unit.name, Unit.kind, Unit.parent_id, Unit.depth).order_by(
        Unit.depth, Unit.sort_order, Unit.id)
    if root_id is not None:
        stmt = stmt.where(in_subtree(_load_unit(root_id).path))
    return [dict(r._mapping) for r in db.session.execute(stmt)]
