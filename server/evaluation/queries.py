"""The grouped queries behind the figures: one aggregated row per unit × category, day …"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

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
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from server.common.models import UTCDateTime
from server.evaluation.definitions import (
    ACCEPTED_STATES,
    DEADLINE_STATES,
    GOOD_RATINGS,
    HELD_MEETING_STATUSES,
)
from server.evaluation.periods import Period
from server.evaluation.tree import _in_subtree, _subtree_ids
from server.extensions import db
from server.intake.models import OPEN_STATES, Opinion, OpinionEvent
from server.sites.models import Site


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


_CASE_SUMS = ("collected", "accepted", "resolved", "rated", "good", "answered", "answer_days",
              "with_deadline", "overdue")
