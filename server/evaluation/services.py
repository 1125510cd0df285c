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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import redis
from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from server.common.models import UTCDateTime, utcnow
from server.common.numbers import round_half_up
from server.common.text import SHANGHAI
from server.errors import NotFound, ValidationFailed
from server.evaluation import keys
from server.extensions import db, get_redis
from server.intake.models import OPEN_STATES, Category, Opinion, OpinionEvent
from server.redis_urls import is_cluster
from server.sites import keys as site_keys
from server.sites.models import Site, Unit, in_subtree, path_within, subtree_unit_ids

T = TypeVar("T")

# ---- definitions (shown beside each figure, and in the README) -----------------------------

# "Accepted" = reached 已受理 or any later working state; declined, merged, voided and
# still-waiting cases are not accepted.
ACCEPTED_STATES = ("accepted", "assigned", "signed", "in_progress", "answered", "closed")
GOOD_RATINGS = ("satisfied", "basically")
# Cases whose answer deadline means something: still to be answered, or answered. Declined,
# merged and voided cases can never be late, so they leave the overdue share's denominator.
DEADLINE_STATES = ("received", *ACCEPTED_STATES)
# Meetings that took place (进行中 counts: it is being held).
HELD_MEETING_STATUSES = ("in_session", "closed")

DEFINITIONS: dict[str, dict[str, str]] = {
    "awareness": {
        "name": "知晓率",
        "formula": "扫码或打开点位页面的独立访客数 ÷ 单元常住人口",
        "note": "访客按设备去重（同一设备多日、多点位只计一次）；单元未设人口时不计算比率",
    },
    "participation": {
        "name": "参与率",
        "formula": "反映问题、参与表决、签到、评价答复或评价协商成果的独立群众数 ÷ 单元常住人口",
        "note": "同一群众在期间内多次参与只计一次（评价按评价时间计，协商成果按首次评价时间计）；"
                "单元未设人口时不计算比率",
    },
    "success": {
        "name": "成事率",
        "formula": "已解决件数 ÷ 已受理件数",
        "note": "统计期内反映的问题；已受理＝已受理及之后的办理状态（不含不予受理、合并、作废）；"
                "已解决＝已办结，或已答复且群众评价满意/基本满意；重办后解决的只计一件",
    },
    "satisfaction": {
        "name": "满意率",
        "formula": "（满意 + 基本满意）÷ 评价数；评价数＝已评价的问题件数＋协商成果评价数",
        "note": "问题按每件最后一次评价计；协商成果按每位群众对每项成果的最后一次评价计，"
                "归入成果所属活动开始的统计期；评价 7 天内可修改，之后固定；"
                "没有评价时不计算比率（不显示 0% 或 100%）",
    },
    "activities": {"name": "开展活动",
                   "formula": "统计期内开始且已举行（进行中或已结束）的协商议事活动数",
                   "note": ""},
    "collected": {"name": "收集意见", "formula": "统计期内反映的社情民意件数（不含作废、审核拒绝）",
                  "note": ""},
    "solved": {"name": "解决问题", "formula": "其中已解决的件数（定义同成事率）", "note": ""},
    "avg_answer_days": {"name": "平均答复天数",
                        "formula": "已答复件从反映到最近一次答复的平均自然日数", "note": ""},
    "overdue_share": {"name": "超期占比",
                      "formula": "答复期限已过而未按期答复的件数 ÷ 有答复期限的件数",
                      "note": "不予受理、合并、作废的件不计入（它们不会超期）；"
                              "期限为第 N 个工作日北京时间 23:59:59"},
}
RATE_KEYS = ("awareness", "participation", "success", "satisfaction")
COUNTER_KEYS = ("activities", "collected", "solved", "avg_answer_days", "overdue_share")

MAX_PERIOD_DAYS = 400


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) in Asia/Shanghai."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Return the period's UTC instants [from, to)."""
        lo = datetime.combine(self.start, time(), SHANGHAI).astimezone(UTC)
        hi = datetime.combine(self.end, time(), SHANGHAI).astimezone(UTC)
        return lo, hi

    @property
    def last(self) -> date:
        """Return the period's last day (inclusive): what requests and responses carry."""
        return self.end - timedelta(days=1)

    def label(self) -> str:
        """Return the period as people read it (both ends inclusive)."""
        return f"{self.start:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    def as_dict(self) -> dict[str, str]:
        """Return the period as the API shows it: start and end both inclusive, and a label."""
        return {"start": self.start.isoformat(), "end": self.last.isoformat(),
                "label": self.label()}


def make_period(start: date | None, end: date | None, *, today: date | None = None) -> Period:
    """Build a period, defaulting to the current month so far; `end` is exclusive."""
    today = today or datetime.now(SHANGHAI).date()
    start = start or today.replace(day=1)
    end = end or today + timedelta(days=1)
    if end <= start:
        raise ValidationFailed(errors={"end": ["结束日期必须晚于开始日期"]})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(errors={"end": [f"统计期不能超过 {MAX_PERIOD_DAYS} 天"]})
    return Period(start, end)


def month_period(year: int, month: int) -> Period:
    """Return the period of one calendar month."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, end)


def ratio(numerator: int | float | None, denominator: int | float | None,
          places: int = 4) -> float | None:
    """Return numerator/denominator rounded half up to `places`, or None without meaning."""
    if numerator is None or not denominator:
        return None
    return round_half_up(float(numerator) / float(denominator), places)


# Rates over a population are tiny at district level (218 of 960,383): kept to 6 places
# (one resident in a million) and also given per 10,000 residents.
POPULATION_PLACES = 6


def per_10k(numerator: int | None, population: int | None) -> float | None:
    """Return numerator per 10,000 residents, half up to one decimal (None without meaning)."""
    if numerator is None or not population:
        return None
    return round_half_up(numerator * 10000 / population, 1)


# ---- SQL pieces ------------------------------------------------------------------------------


def _dialect() -> str:
    return db.engine.dialect.name


def _days_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Return a SQL expression for (later - earlier) in fractional days."""
    if _dialect() == "postgresql":
        # date_part gives a float; EXTRACT gives a numeric (PostgreSQL 14+), slower to build
        # and divide for every answered case of the period.
        return func.date_part(literal_column("'epoch'"), later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _local_day(column: Any) -> ColumnElement[Any]:
    """Return a SQL expression for the Asia/Shanghai calendar day of a UTC timestamp."""
    # China has kept no daylight saving time since 1991: a fixed +8 hours is exact for every
    # date the app holds, and costs less than a time zone lookup per row.
    if _dialect() == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), column)
                         + literal_column("interval '8 hours'"))
    return func.date(column, literal_column("'+8 hours'"))


def _in_subtree(column: Any, path: str) -> tuple[ColumnElement[bool], ...]:
    """Return the condition "column is a unit of the subtree" (none for the whole tree)."""
    if path.count("/") <= 2 and db.session.scalar(
            select(func.count()).select_from(Unit).where(Unit.parent_id.is_(None))) == 1:
        return ()  # the only root: every unit is in its subtree
    return (column.in_(_subtree_ids(path)),)


def _subtree_ids(path: str) -> Select[Any]:
    return subtree_unit_ids(path)


@dataclass
class UnitNode:
    """One unit of the subtree being reported on."""

    id: int
    name: str
    kind: str
    path: str
    parent_id: int | None
    depth: int
    population: int | None


def _load_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该行政单元", code="unit_not_found")
    return unit


def _subtree(unit: Unit) -> list[UnitNode]:
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.kind, Unit.path, Unit.parent_id, Unit.depth,
               Unit.population)
        .where(in_subtree(unit.path))
        .order_by(Unit.depth, Unit.sort_order, Unit.id)
    ).all()
    return [UnitNode(*row) for row in rows]


def _owner_map(nodes: list[UnitNode], root: UnitNode) -> dict[int, int]:
    """Map every unit id below the root to the root's child that contains it."""
    children = {n.id for n in nodes if n.parent_id == root.id}
    owner: dict[int, int] = {}
    for node in nodes:
        # A path lists the ids from the top ("/1/5/17/"): the child is the one after the root.
        parts = [int(x) for x in node.path.strip("/").split("/") if x]
        if len(parts) > root.depth + 1 and parts[root.depth + 1] in children:
            owner[node.id] = parts[root.depth + 1]
    return owner


# ---- the grouped queries ---------------------------------------------------------------------


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Return SUM(CASE WHEN condition THEN 1 ELSE 0 END): a conditional count for GROUP BY."""
    return func.sum(case((condition, 1), else_=0))


# The states resolved_condition() accepts (closed, or answered and rated good): both are
# accepted states, so every solved case is an accepted one.
RESOLVED_STATES = ("closed", "answered")
assert set(RESOLVED_STATES) <= set(ACCEPTED_STATES)


def resolved_condition() -> ColumnElement[bool]:
    """Return the SQL condition of a solved case (closed, or answered and rated good)."""
    o = Opinion
    return or_(o.state == "closed", and_(o.state == "answered", o.rating.in_(GOOD_RATINGS)))


def counted_condition(period: Period) -> ColumnElement[bool]:
    """Return the cohort condition: reported in the period, not voided, not refused."""
    lo, hi = period.utc_bounds()
    o = Opinion
    return and_(o.created_at >= lo, o.created_at < hi, o.state != "voided",
                o.moderation != "refused")


def _case_groups(path: str, period: Period, now: datetime) -> list[Any]:
    """Return one aggregated row per (unit_id, category_id) of the subtree's opinions.

    Each row is unit_id, category_id, then the sums named in _CASE_SUMS, in that order.

    The trend's per-day rows are a second query (_daily): both read the period's opinions
    from an index alone on PostgreSQL (0014), and two plain groupings cost less than one
    GROUPING SETS pass, which sorted the month's rows by day.
    """
    from server.dispatch.models import Case

    lo, hi = period.utc_bounds()
    o = Opinion
    now_lit = literal(now, UTCDateTime())
    accepted = o.state.in_(ACCEPTED_STATES)
    resolved = resolved_condition()
    # An open case is late once its deadline passed; an answered one if answered after it.
    finished_at = case((o.state.in_(tuple(OPEN_STATES)), now_lit),
                       else_=func.coalesce(o.answered_at, now_lit))
    has_deadline = and_(Case.answer_due_at.is_not(None), o.state.in_(DEADLINE_STATES))
    overdue = and_(has_deadline, Case.answer_due_at < finished_at)

    stmt = (
        select(
            o.unit_id, o.category_id,
            func.count().label("collected"),
            count_if(accepted).label("accepted"),
            # Solved implies accepted (RESOLVED_STATES): testing both per row cost ~10%.
            count_if(resolved).label("resolved"),
            count_if(o.rating.is_not(None)).label("rated"),
            count_if(o.rating.in_(GOOD_RATINGS)).label("good"),
            count_if(o.answered_at.is_not(None)).label("answered"),
            func.sum(case((o.answered_at.is_not(None),
                           _days_between(o.answered_at, o.created_at)),
                          else_=0.0)).label("answer_days"),
            count_if(has_deadline).label("with_deadline"),
            count_if(overdue).label("overdue"),
        )
        .select_from(o)
        # A case is received when its opinion is created (workflow.record_submission copies
        # created_at): bounding received_at lets the database read only the period's cases
        # by index instead of every case (a day of slack for clocks, nothing more).
        .outerjoin(Case, and_(Case.opinion_id == o.id,
                              Case.received_at >= lo - timedelta(days=1),
                              Case.received_at < hi + timedelta(days=1)))
        .where(*_in_subtree(o.unit_id, path), counted_condition(period))
    )
    result = db.session.execute(stmt.group_by(o.unit_id, o.category_id))
    assert tuple(result.keys())[2:] == _CASE_SUMS
    return list(result.all())


def _participant_rows(path: str, period: Period) -> Select[Any]:
    """Return a union of (resident_id, unit_id) for everyone who took part in the period."""
    from server.meetings.models import Attendance, Ballot, Meeting, Poll

    lo, hi = period.utc_bounds()
    # A literal id list (a few hundred at most) lets the planner pick the per-unit indexes;
    # with a subquery it guessed badly and scanned every opinion for one village.
    whole_tree = not _in_subtree(Opinion.unit_id, path)
    subtree = [] if whole_tree else list(db.session.scalars(_subtree_ids(path)))

    def within(unit_column: Any) -> tuple[ColumnElement[bool], ...]:
        # The whole district needs no unit condition: tested on every row (a list of a few
        # hundred ids), it cost more than reading the rows, and it steered the reports to
        # the per-unit index (a range per unit) instead of one range of the time index.
        return () if whole_tree else (unit_column.in_(subtree),)

    reported = select(Opinion.resident_id.label("rid"), Opinion.unit_id.label("uid")).where(
        Opinion.resident_id.is_not(None), *within(Opinion.unit_id),
        Opinion.state != "voided", Opinion.moderation != "refused",
        Opinion.created_at >= lo, Opinion.created_at < hi)
    # A rate event carries its opinion's unit (0015): read from the index alone, without
    # looking up each rated opinion (tens of thousands of index probes a month at a million
    # reports).
    rated = (select(OpinionEvent.actor_resident_id.label("rid"),
                    OpinionEvent.unit_id.label("uid"))
             .where(OpinionEvent.action == "rate", OpinionEvent.actor_resident_id.is_not(None),
                    *within(OpinionEvent.unit_id), OpinionEvent.at >= lo, OpinionEvent.at < hi))
    voted = (select(Ballot.resident_id.label("rid"), Site.unit_id.label("uid"))
             .join(Poll, Poll.id == Ballot.poll_id).join(Meeting, Meeting.id == Poll.meeting_id)
             .join(Site, Site.id == Meeting.site_id)
             .where(*within(Site.unit_id), Ballot.cast_at >= lo, Ballot.cast_at < hi))
    checked_in = (select(Attendance.resident_id.label("rid"), Site.unit_id.label("uid"))
                  .join(Meeting, Meeting.id == Attendance.meeting_id)
                  .join(Site, Site.id == Meeting.site_id)
                  .where(*within(Site.unit_id), Attendance.checked_in_at >= lo,
                         Attendance.checked_in_at < hi))
    from server.evaluation.models import OutcomeRating

    rated_outcome = select(OutcomeRating.resident_id.label("rid"),
                           OutcomeRating.unit_id.label("uid")).where(
        *within(OutcomeRating.unit_id), OutcomeRating.rated_at >= lo,
        OutcomeRating.rated_at < hi)
    return union_all(reported, rated, voted, checked_in,  # type: ignore[return-value]
                     rated_outcome).cte("p")


def _participants(path: str, period: Period,
                  owner: dict[int, int]) -> tuple[int, dict[int, int]]:
    """Count distinct participants in the subtree and in each child of its root, in one query."""
    p = _participant_rows(path, period)
    by_child: dict[int, list[int]] = defaultdict(list)
    for unit_id, child_id in owner.items():
        by_child[child_id].append(unit_id)
    total_q = select(literal(-1).label("child"), func.count(func.distinct(p.c.rid)))
    if not by_child:
        return int(db.session.execute(total_q).one()[1] or 0), {}
    if _dialect() == "postgresql":
        # A hash join with an inline (unit, child) table: a CASE of IN lists was evaluated
        # for every participant row and dominated the query at a million reports. GROUPING
        # SETS count the total and each child in one pass over the union (a CTE read twice
        # was written out and read back twice); the total's row is the one grouped away.
        # The table comes as two arrays (unnest): one statement whatever the number of
        # units, compiled once, where a VALUES list of hundreds of pairs was compiled anew
        # on every call.
        pairs = sorted(owner.items())
        owner_rows = func.unnest(
            literal([uid for uid, _ in pairs], ARRAY(Integer)),
            literal([cid for _, cid in pairs], ARRAY(Integer)),
        ).table_valued(column("uid", Integer), column("child", Integer)).render_derived(
            name="owner")
        child_col = case((func.grouping(owner_rows.c.child) == 1, literal(-1)),
                         else_=owner_rows.c.child)
        stmt = (select(child_col, func.count(func.distinct(p.c.rid)))
                .select_from(p.outerjoin(owner_rows, owner_rows.c.uid == p.c.uid))
                .group_by(func.grouping_sets(tuple_(owner_rows.c.child), tuple_())))
        # Units owned by no child (the root itself) form a NULL group: in the total only.
        counts = {int(cid): int(n) for cid, n in db.session.execute(stmt) if cid is not None}
        return counts.pop(-1, 0), counts
    # Elsewhere the union is a CTE read twice: once for the total (child -1), once per child.
    child = case(*[(p.c.uid.in_(ids), literal(cid)) for cid, ids in by_child.items()],
                 else_=literal(None)).label("child")
    inner = select(child, p.c.rid).subquery("pc")
    per_q = (select(inner.c.child, func.count(func.distinct(inner.c.rid)))
             .where(inner.c.child.is_not(None)).group_by(inner.c.child))
    rows = db.session.execute(union_all(total_q, per_q)).all()
    counts = {int(cid): int(n) for cid, n in rows}
    return counts.pop(-1, 0), counts


def _outcome_groups(path: str, period: Period) -> dict[int, tuple[int, int]]:
    """Return (rated, satisfied) outcome ratings per unit for meetings held in the period."""
    from server.evaluation.models import OutcomeRating
    from server.meetings.models import Meeting

    lo, hi = period.utc_bounds()
    r = OutcomeRating
    rows = db.session.execute(
        select(r.unit_id, func.count(),
               func.sum(case((r.rating.in_(GOOD_RATINGS), 1), else_=0)))
        .join(Meeting, Meeting.id == r.meeting_id)
        .where(r.unit_id.in_(_subtree_ids(path)), Meeting.starts_at >= lo,
               Meeting.starts_at < hi)
        .group_by(r.unit_id)
    ).all()
    return {int(u): (int(n), int(g or 0)) for u, n, g in rows}


def _meetings_held(path: str, period: Period) -> dict[int, int]:
    """Count meetings held in the period per unit of the subtree."""
    from server.meetings.models import Meeting

    lo, hi = period.utc_bounds()
    rows = db.session.execute(
        select(Site.unit_id, func.count(Meeting.id))
        .join(Site, Site.id == Meeting.site_id)
        .where(Site.unit_id.in_(_subtree_ids(path)), Meeting.status.in_(HELD_MEETING_STATUSES),
               Meeting.starts_at >= lo, Meeting.starts_at < hi)
        .group_by(Site.unit_id)
    ).all()
    return {int(u): int(n) for u, n in rows}


def _daily(path: str, period: Period) -> list[Any]:
    """Return (local day, collected, resolved) per day of the period."""
    o = Opinion
    day = _local_day(o.created_at).label("local_day")
    stmt = (
        select(day, func.count().label("collected"),
               count_if(resolved_condition()).label("resolved"))
        .where(*_in_subtree(o.unit_id, path), counted_condition(period))
        .group_by(literal_column("local_day"))
    )
    return list(db.session.execute(stmt).all())


# ---- awareness from the scan counters (Redis HyperLogLogs) ------------------------------------


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


# ---- assembling the figures --------------------------------------------------------------------


_CASE_SUMS = ("collected", "accepted", "resolved", "rated", "good", "answered", "answer_days",
              "with_deadline", "overdue")
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


def _meetings_available() -> bool:
    try:
        from server.meetings.models import Meeting  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


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
    meetings = _meetings_held(unit.path, period) if _meetings_available() else None
    if visitors is None or details:
        sites = _sites_by_unit(unit.path)
    if visitors is None:
        visitors = scan_visitors([s for ss in sites.values() for s in ss], period)

    def held(ids: Iterable[int]) -> int | None:
        return None if meetings is None else sum(meetings.get(i, 0) for i in ids)

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


def naive_figures(unit_id: int, period: Period, *, now: datetime | None = None
                  ) -> dict[str, Any]:
    """Compute the case figures by loading rows into Python (the bench's baseline only)."""
    from server.dispatch.models import Case

    now = now or utcnow()
    unit = _load_unit(unit_id)
    lo, hi = period.utc_bounds()
    unit_paths = {u.id: u.path for u in db.session.scalars(select(Unit))}
    rows = db.session.execute(
        select(Opinion, Case).outerjoin(Case, Case.opinion_id == Opinion.id)
        .where(Opinion.created_at >= lo, Opinion.created_at < hi)).all()
    sums = _empty_sums()
    for opinion, case_row in rows:
        if not path_within(unit_paths.get(opinion.unit_id, ""), unit.path):
            continue
        if opinion.state == "voided" or opinion.moderation == "refused":
            continue
        sums["collected"] += 1
        accepted = opinion.state in ACCEPTED_STATES
        resolved = opinion.state == "closed" or (
            opinion.state == "answered" and opinion.rating in GOOD_RATINGS)
        sums["accepted"] += accepted
        sums["resolved"] += accepted and resolved
        sums["rated"] += opinion.rating is not None
        sums["good"] += opinion.rating in GOOD_RATINGS
        if opinion.answered_at is not None:
            sums["answered"] += 1
            sums["answer_days"] += (opinion.answered_at - opinion.created_at).total_seconds() \
                / 86400
        due = case_row.answer_due_at if case_row is not None else None
        if due is not None and opinion.state in DEADLINE_STATES:
            sums["with_deadline"] += 1
            finished = now if opinion.state in OPEN_STATES else (opinion.answered_at or now)
            sums["overdue"] += due < finished
    db.session.expunge_all()
    return sums


# ---- who may see what --------------------------------------------------------------------------

VIEWER_ROLES = ("admin", "supervisor", "dispatcher")


def scoped_unit(user: Any, unit_id: int | None) -> Unit:
    """Return the unit asked for (or the user's top unit), raising 403 outside the scope."""
    from server.errors import Forbidden
    from server.people.access import can_access_unit

    if unit_id is None:
        grants = [g for g in user.grants if g.role in VIEWER_ROLES]
        if any(g.district_wide for g in grants):
            root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None))
                                     .order_by(Unit.sort_order, Unit.id))
        else:
            units = sorted((g.unit for g in grants if g.unit is not None),
                           key=lambda u: (u.depth, u.id))
            root = units[0] if units else None
        if root is None:
            raise Forbidden("您没有可查看的行政单元", code="out_of_scope")
        return root
    unit = _load_unit(unit_id)
    if not can_access_unit(user, unit, VIEWER_ROLES):
        raise Forbidden("该单元不在您的管辖范围内", code="out_of_scope")
    return unit


def period_from_args(args: dict[str, Any]) -> Period:
    """Build a period from API arguments whose `end` is inclusive."""
    end = args.get("end")
    return make_period(args.get("start"), end + timedelta(days=1) if end else None)


def dashboard_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the dashboard of the unit and period asked for, within the user's scope."""
    unit = scoped_unit(user, args.get("unit_id"))
    return dashboard(unit.id, period_from_args(args))


def units_for(user: Any) -> list[dict[str, Any]]:
    """List the units the user may open on the dashboard."""
    return units_for_picker(scoped_unit(user, None).id)


def hot_topics_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the hot topics of the unit and period asked for, within the user's scope."""
    from server.evaluation.topics import hot_topics

    unit = scoped_unit(user, args.get("unit_id"))
    return hot_topics(unit.id, period_from_args(args), limit=args.get("limit", 10))


def wall_for(user: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return the command-centre wall's snapshot of the unit asked for, within the scope."""
    from server.evaluation.wall import snapshot

    return snapshot(scoped_unit(user, args.get("unit_id")).id)
