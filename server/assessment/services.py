"""Performance assessment (考评): scores of departments and sites, and the demo-site shortfall.

Every figure is one grouped query (per department or per site) over the cohort of opinions
reported in the period, as they stand now — the same cohort and the same definitions as the
evaluation dashboard (`server.evaluation.dashboard`). Only aggregated rows come back.

The formula (also in the README and returned beside every score):

    base  = 100 × Σ(wᵢ × rateᵢ) ÷ Σ wᵢ      over the components that have data (rate not null)
    score = max(0, base − penalties)          penalties = min(cap, points × count) per kind

A component without data (no case signed, nothing rated …) is shown as "—" and its weight
is left out, so the other weights renormalise; a unit with no component at all has no score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, select, true
from sqlalchemy.orm import aliased

from server.common.models import UTCDateTime, utcnow
from server.common.numbers import round_half_up
from server.common.text import SHANGHAI
from server.errors import Forbidden, ValidationFailed
from server.evaluation.definitions import (
    ACCEPTED_STATES,
    GOOD_RATINGS,
    HELD_MEETING_STATUSES,
    ratio,
)
from server.evaluation.periods import Period, make_period, month_period
from server.evaluation.queries import count_if, counted_condition, resolved_condition
from server.extensions import db
from server.intake.models import OPEN_STATES, Opinion, OpinionEvent
from server.people.access import site_scope_filter
from server.people.models import User
from server.sites.models import Department, Site, Unit

# ---- the formula's numbers (defaults; the DB table assessment_settings overrides them) ------

SETTINGS: dict[str, dict[str, Any]] = {
    "department.sign_ontime": {"default": 20, "kind": "weight", "name": "按时签收率 权重"},
    "department.answer_ontime": {"default": 30, "kind": "weight", "name": "按时答复率 权重"},
    "department.resolution": {"default": 25, "kind": "weight", "name": "解决率 权重"},
    "department.satisfaction": {"default": 25, "kind": "weight", "name": "满意率 权重"},
    "department.redo_points": {"default": 2, "kind": "penalty", "name": "每次重办扣分"},
    "department.redo_cap": {"default": 20, "kind": "penalty", "name": "重办扣分上限"},
    "department.order_points": {"default": 5, "kind": "penalty", "name": "每张督办单扣分"},
    "department.order_cap": {"default": 20, "kind": "penalty", "name": "督办扣分上限"},
    "site.activities": {"default": 30, "kind": "weight", "name": "活动开展 权重"},
    "site.answered": {"default": 20, "kind": "weight", "name": "答复率 权重"},
    "site.resolution": {"default": 25, "kind": "weight", "name": "解决率 权重"},
    "site.satisfaction": {"default": 25, "kind": "weight", "name": "满意率 权重"},
    "site.order_points": {"default": 5, "kind": "penalty", "name": "每张督办单扣分"},
    "site.order_cap": {"default": 20, "kind": "penalty", "name": "督办扣分上限"},
    "site.demo_activities_per_year": {"default": 4, "kind": "target",
                                      "name": "示范点每年应开展活动（场）"},
    "site.activities_per_year": {"default": 2, "kind": "target",
                                 "name": "其他点位每年应开展活动（场，0 为不考核）"},
}
LIMITS = {"weight": (0, 100), "penalty": (0, 100), "target": (0, 52)}

COMPONENTS: dict[str, list[tuple[str, str, str]]] = {
    "department": [
        ("sign_ontime", "按时签收率",
         "按时签收次数 ÷（签收次数 + 已过签收期限仍未签收的件数）；"
         "每次签收、答复、重办计入当时承办的部门（退单转派前的记在原部门）"),
        ("answer_ontime", "按时答复率",
         "按时答复次数 ÷（答复次数 + 已过答复期限仍未答复的件数）；重办后再答复另计一次"),
        ("resolution", "解决率",
         "已解决件数 ÷ 承办件数；已解决＝已办结，或已答复且群众评价满意/基本满意"),
        ("satisfaction", "满意率", "（满意 + 基本满意）÷ 已评价件数，按每件最后一次评价"),
    ],
    "site": [
        ("activities", "活动开展",
         "min(1, 已举行活动场数 ÷ 应开展场数)；应开展场数＝年度要求 × 统计期天数 ÷ 全年天数"),
        ("answered", "答复率", "已答复件数 ÷ 已受理件数（本点位群众反映的问题）"),
        ("resolution", "解决率", "已解决件数 ÷ 已受理件数"),
        ("satisfaction", "满意率", "（满意 + 基本满意）÷ 已评价件数"),
    ],
}
PENALTIES: dict[str, list[tuple[str, str, str]]] = {
    "department": [("redo", "重办",
                    "统计期内反映的件在本部门承办期间被群众评为不满意、退回重办的次数"),
                   ("order", "督办", "统计期内本部门收到的督办单张数")],
    "site": [("order", "督办", "统计期内对本点位下发的督办单张数（对本点位群众反映的案件下发的督办"
                               "计入承办部门，不计入点位）")],
}
FORMULA = ("得分 = max(0, 100 × Σ(权重 × 分项比率) ÷ Σ 有数据分项的权重 − 扣分)；"
           "扣分 = 每类 min(上限, 每次扣分 × 次数)。没有数据的分项显示“—”，不计入分母，"
           "其余分项的权重按比例放大；所有分项都没有数据时不计分。")

VIEW_ROLES = ("admin", "supervisor", "dispatcher", "moderator", "handler")
WIDE_ROLES = ("admin", "supervisor", "dispatcher")
SITE_ROLES = ("admin", "supervisor", "dispatcher", "moderator")


# ---- settings ---------------------------------------------------------------------------------


def current_settings() -> dict[str, float]:
    """Return every number of the formula: the stored value, or its default."""
    from server.assessment.models import ScoreSetting

    values = {key: float(spec["default"]) for key, spec in SETTINGS.items()}
    for row in db.session.scalars(select(ScoreSetting)):
        if row.key in values:
            values[row.key] = float(row.value)
    return values


def settings_payload() -> dict[str, Any]:
    """Return the settings with their names, kinds, limits, the components and the formula."""
    values = current_settings()
    return {
        "formula": FORMULA,
        "settings": [{"key": key, "value": values[key], "default": float(spec["default"]),
                      "kind": spec["kind"], "name": spec["name"],
                      "group": key.split(".", 1)[0], "min": LIMITS[spec["kind"]][0],
                      "max": LIMITS[spec["kind"]][1]} for key, spec in SETTINGS.items()],
        "components": {kind: [{"key": k, "name": n, "formula": f} for k, n, f in items]
                       for kind, items in COMPONENTS.items()},
        "penalties": {kind: [{"key": k, "name": n, "formula": f} for k, n, f in items]
                      for kind, items in PENALTIES.items()},
    }


def update_settings(user: User, values: dict[str, float]) -> dict[str, Any]:
    """Store new values for some settings (admins only); every group keeps a positive weight."""
    from server.assessment.models import ScoreSetting

    if "admin" not in user.roles:
        raise Forbidden("只有管理员可以修改考评权重", code="admin_only")
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        spec = SETTINGS.get(key)
        if spec is None:
            errors[key] = ["没有这一项设置"]
            continue
        low, high = LIMITS[spec["kind"]]
        if not (isinstance(value, int | float) and math.isfinite(value) and low <= value <= high):
            errors[key] = [f"应在 {low} 到 {high} 之间"]
    merged = {**current_settings(), **{k: float(v) for k, v in values.items() if k in SETTINGS}}
    for group in COMPONENTS:
        if not any(merged[f"{group}.{key}"] > 0 for key, _n, _f in COMPONENTS[group]):
            errors.setdefault(f"{group}.weights", []).append("至少要有一个分项的权重大于 0")
    if errors:
        raise ValidationFailed("考评设置有误", errors=errors)
    now = utcnow()
    for key, value in values.items():
        row = db.session.get(ScoreSetting, key)
        if row is None:
            row = ScoreSetting(key=key)
            db.session.add(row)
        row.value = float(value)
        row.updated_by_id = user.id
        row.updated_at = now
    db.session.commit()
    return settings_payload()


def seed_default_settings() -> int:
    """Write the default value of every setting that has no row yet; commit. Return how many."""
    from server.assessment.models import ScoreSetting

    existing = set(db.session.scalars(select(ScoreSetting.key)))
    added = 0
    for key, spec in SETTINGS.items():
        if key not in existing:
            db.session.add(ScoreSetting(key=key, value=float(spec["default"])))
            added += 1
    db.session.commit()
    return added


# ---- periods ----------------------------------------------------------------------------------


def period_for(args: dict[str, Any], *, today: date | None = None) -> tuple[Period, str]:
    """Build the period asked for (start/end, or year with quarter or month) and its label."""
    today = today or datetime.now(SHANGHAI).date()
    start, end = args.get("start"), args.get("end")
    quarter, month = args.get("quarter"), args.get("month")
    if start or end:
        if quarter or month or args.get("year"):
            raise ValidationFailed(errors={"start": ["起止日期不能与年、季度、月份同时使用"]})
        period = make_period(start, end + timedelta(days=1) if end else None, today=today)
        return period, period.label()
    year = int(args.get("year") or today.year)
    if quarter and month:
        raise ValidationFailed(errors={"quarter": ["季度和月份只能选一个"]})
    if month:
        return month_period(year, int(month)), f"{year}年{int(month)}月"
    if quarter:
        first = date(year, 3 * int(quarter) - 2, 1)
        last = month_period(year, 3 * int(quarter)).end
        return Period(first, last), f"{year}年第{int(quarter)}季度"
    return Period(date(year, 1, 1), date(year + 1, 1, 1)), f"{year}年"


def _year_days(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def required_activities(per_year: float, period: Period) -> float:
    """Return the activities a site should hold in the period: the yearly target, prorated."""
    return per_year * period.days / _year_days(period.start.year)


# ---- inputs: supervision orders ---------------------------------------------------------------


def orders_received(kind: str, period: Period) -> dict[int, int]:
    """Count supervision orders (督办) issued in the period per department or site.

    A department answers for orders on itself and on the cases it held when they were issued
    (an order on a case names that department). A site answers only for orders on the site
    itself (its meetings, its room): a case reported there is handled by a department, so an
    order on that case does not count against the site.
    """
    from server.supervision.models import SupervisionOrder

    o = SupervisionOrder
    target = o.department_id if kind == "department" else o.site_id
    which = () if kind == "department" else (o.target_kind == "site",)
    lo, hi = period.utc_bounds()
    rows = db.session.execute(
        select(target, func.count()).where(
            target.is_not(None), *which, o.issued_at >= lo, o.issued_at < hi)
        .group_by(target)).all()
    return {int(t): int(n) for t, n in rows}


# ---- grouped queries --------------------------------------------------------------------------


def _department_at_event() -> tuple[Any, ColumnElement[Any]]:
    """Return (event alias, SQL: the department holding the case when that event happened).

    That is the department of the latest assign/reassign event before it (NULL when that
    assignment went to a committee member); cases with no assignment event on their timeline
    (imported or hand-made) fall back to the case's current department.
    """
    from server.dispatch.models import Case

    event, earlier = aliased(OpinionEvent), aliased(OpinionEvent)
    assigned_to = (
        select(func.coalesce(earlier.data["department_id"].as_integer(), -1))
        .where(earlier.opinion_id == event.opinion_id,
               earlier.action.in_(("assign", "reassign")), earlier.id < event.id)
        .order_by(earlier.id.desc()).limit(1).scalar_subquery())
    return event, func.nullif(func.coalesce(assigned_to, Case.department_id), -1)


def _department_sums(period: Period, now: datetime) -> dict[int, dict[str, int]]:
    """Return per department: cases, overdue unsigned/unanswered, solved, rated, good, events."""
    from server.dispatch.models import Case

    o = Opinion
    now_lit = literal(now, UTCDateTime())
    accepted = o.state.in_(ACCEPTED_STATES)
    # Standing of the cases each department holds now.
    rows = db.session.execute(
        select(
            Case.department_id,
            count_if(accepted).label("cases"),
            count_if(and_(o.state == "assigned", Case.signed_at.is_(None),
                          Case.sign_due_at.is_not(None), Case.sign_due_at < now_lit))
            .label("unsigned_overdue"),
            count_if(and_(o.state.in_(tuple(OPEN_STATES)), Case.answer_due_at.is_not(None),
                          Case.answer_due_at < now_lit)).label("unanswered_overdue"),
            count_if(and_(accepted, resolved_condition())).label("resolved"),
            count_if(o.rating.is_not(None)).label("rated"),
            count_if(o.rating.in_(GOOD_RATINGS)).label("good"),
        )
        .select_from(o).join(Case, Case.opinion_id == o.id)
        .where(counted_condition(period), Case.department_id.is_not(None))
        .group_by(Case.department_id)
    ).all()
    sums = {int(r.department_id): {k: int(v or 0) for k, v in r._mapping.items()
                                   if k != "department_id"} for r in rows}
    # Signs, answers and redos count against the department that held the case then; sign
    # and answer events carry the lateness the workflow computed at that moment.
    event, department = _department_at_event()
    inner = (
        select(department.label("dept"), event.action.label("action"),
               event.data["late"].as_boolean().label("late"))
        .select_from(event)
        .join(o, o.id == event.opinion_id).outerjoin(Case, Case.opinion_id == o.id)
        .where(counted_condition(period), event.action.in_(("sign", "answer", "redo")))
    ).subquery("ev")
    events = db.session.execute(
        select(inner.c.dept, inner.c.action, func.count(), count_if(inner.c.late))
        .where(inner.c.dept.is_not(None)).group_by(inner.c.dept, inner.c.action)
    ).all()
    for dept_id, action, total, late_count in events:
        row = sums.setdefault(int(dept_id), {})
        if action == "redo":
            row["redo"] = int(total)
            continue
        row[f"{action}s"] = int(total)
        row[f"late_{action}s"] = int(late_count or 0)
    return sums


def _site_sums(period: Period) -> dict[int, dict[str, int]]:
    """Return per site: accepted, answered, solved, rated, good (cohort of the period)."""
    o = Opinion
    accepted = o.state.in_(ACCEPTED_STATES)
    rows = db.session.execute(
        select(o.site_id,
               count_if(accepted).label("accepted"),
               count_if(and_(accepted, o.answered_at.is_not(None))).label("answered"),
               count_if(and_(accepted, resolved_condition())).label("resolved"),
               count_if(o.rating.is_not(None)).label("rated"),
               count_if(o.rating.in_(GOOD_RATINGS)).label("good"))
        .where(counted_condition(period)).group_by(o.site_id)
    ).all()
    return {int(r.site_id): {k: int(v or 0) for k, v in r._mapping.items() if k != "site_id"}
            for r in rows}


def meetings_held(period: Period) -> dict[int, int]:
    """Count the meetings held (in session or closed) per site, by start time in the period."""
    from server.meetings.models import Meeting

    lo, hi = period.utc_bounds()
    rows = db.session.execute(
        select(Meeting.site_id, func.count())
        .where(Meeting.status.in_(HELD_MEETING_STATUSES), Meeting.starts_at >= lo,
               Meeting.starts_at < hi)
        .group_by(Meeting.site_id)).all()
    return {int(s): int(n) for s, n in rows}


# ---- the formula ------------------------------------------------------------------------------


def compose(kind: str, rates: dict[str, float | None], counts: dict[str, int],
            settings: dict[str, float]) -> dict[str, Any]:
    """Apply the formula: weighted components renormalised over those with data, minus penalties."""
    weights = {key: settings[f"{kind}.{key}"] for key, _n, _f in COMPONENTS[kind]}
    used = sum(w for key, w in weights.items() if rates.get(key) is not None and w > 0)
    components = []
    base = 0.0
    for key, name, _formula in COMPONENTS[kind]:
        rate, weight = rates.get(key), weights[key]
        share = weight / used if rate is not None and weight > 0 and used else None
        points = 100 * share * rate if share is not None and rate is not None else None
        base += points or 0.0
        components.append({"key": key, "name": name, "rate": rate, "weight": weight,
                           "share": None if share is None else round_half_up(share, 4),
                           "points": None if points is None else round_half_up(points, 2)})
    penalties = []
    deducted = 0.0
    for key, name, _formula in PENALTIES[kind]:
        count = int(counts.get(key, 0))
        points = min(settings[f"{kind}.{key}_cap"], settings[f"{kind}.{key}_points"] * count)
        deducted += points
        penalties.append({"key": key, "name": name, "count": count,
                          "points": round_half_up(points, 2)})
    has_data = used > 0
    return {
        # Half up on the unrounded score, as officials round (41.25 → 41.3).
        "score": round_half_up(max(0.0, base - deducted), 1) if has_data else None,
        "base": round_half_up(base, 2) if has_data else None,
        "deducted": round_half_up(deducted, 2),
        "components": components,
        "penalties": penalties,
    }


def _rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort by score (no score last) and number them; equal scores share a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    previous: float | None = None
    for index, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        if row["score"] != previous:
            row["rank"] = index
            previous = row["score"]
        else:
            row["rank"] = rows[index - 2]["rank"]
    return rows


def _rate_minus(total: int, bad: int, extra: int) -> float | None:
    """Return (total − bad) ÷ (total + extra): the share done on time, bad and overdue counted."""
    return ratio(total - bad, total + extra)


def department_scores(period: Period, *, now: datetime | None = None,
                      where: ColumnElement[bool] | None = None,
                      settings: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Return every active department's score for the period, ranked."""
    now = now or utcnow()
    settings = settings or current_settings()
    sums = _department_sums(period, now)
    orders = orders_received("department", period)
    stmt = select(Department.id, Department.name).where(Department.active.is_(True))
    if where is not None:
        stmt = stmt.where(where)
    rows = []
    for dept_id, name in db.session.execute(stmt.order_by(Department.id)):
        s = sums.get(dept_id, {})
        get = s.get
        rates = {
            "sign_ontime": _rate_minus(get("signs", 0), get("late_signs", 0),
                                       get("unsigned_overdue", 0)),
            "answer_ontime": _rate_minus(get("answers", 0), get("late_answers", 0),
                                         get("unanswered_overdue", 0)),
            "resolution": ratio(get("resolved", 0), get("cases", 0)),
            "satisfaction": ratio(get("good", 0), get("rated", 0)),
        }
        counts = {"redo": get("redo", 0), "order": orders.get(dept_id, 0)}
        facts = {key: get(key, 0) for key in (
            "cases", "signs", "late_signs", "unsigned_overdue", "answers", "late_answers",
            "unanswered_overdue", "resolved", "rated", "good", "redo")}
        facts["orders"] = counts["order"]
        rows.append({"id": dept_id, "name": name, "facts": facts,
                     **compose("department", rates, counts, settings)})
    return _rank(rows)


def site_scores(period: Period, *, where: ColumnElement[bool] | None = None,
                settings: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Return every active site's score for the period, ranked."""
    settings = settings or current_settings()
    sums = _site_sums(period)
    held = meetings_held(period)
    orders = orders_received("site", period)
    stmt = (select(Site.id, Site.name, Site.is_demo, Unit.name.label("unit_name"))
            .join(Unit, Unit.id == Site.unit_id).where(Site.active.is_(True)))
    if where is not None:
        stmt = stmt.where(where)
    rows = []
    for site_id, name, is_demo, unit_name in db.session.execute(stmt.order_by(Site.id)):
        s = sums.get(site_id, {})
        per_year = settings["site.demo_activities_per_year" if is_demo
                            else "site.activities_per_year"]
        required = required_activities(per_year, period)
        count = held.get(site_id, 0)
        rates = {
            "activities": min(1.0, round_half_up(count / required, 4)) if required > 0
            else None,
            "answered": ratio(s.get("answered", 0), s.get("accepted", 0)),
            "resolution": ratio(s.get("resolved", 0), s.get("accepted", 0)),
            "satisfaction": ratio(s.get("good", 0), s.get("rated", 0)),
        }
        facts = {"activities": count, "required_activities": round_half_up(required, 2),
                 **{k: s.get(k, 0) for k in ("accepted", "answered", "resolved", "rated",
                                             "good")},
                 "orders": orders.get(site_id, 0)}
        rows.append({"id": site_id, "name": name, "unit_name": unit_name,
                     "is_demo": bool(is_demo), "facts": facts,
                     **compose("site", rates, {"order": facts["orders"]}, settings)})
    return _rank(rows)


def demo_shortfall(year: int, *, today: date | None = None,
                   where: ColumnElement[bool] | None = None,
                   settings: dict[str, float] | None = None) -> dict[str, Any]:
    """List demonstration sites with activities held in the year against the yearly target.

    The target is not prorated here (it is a yearly rule); beside it stands where a site
    should be by today: floor(target × days elapsed ÷ days in the year).
    """
    today = today or datetime.now(SHANGHAI).date()
    settings = settings or current_settings()
    required = int(settings["site.demo_activities_per_year"])
    whole = Period(date(year, 1, 1), date(year + 1, 1, 1))
    held = meetings_held(whole)
    days = _year_days(year)
    elapsed = max(0, min(days, (today - date(year, 1, 1)).days + 1))
    expected = math.floor(required * elapsed / days)
    over = elapsed >= days
    stmt = (select(Site.id, Site.name, Unit.name.label("unit_name"))
            .join(Unit, Unit.id == Site.unit_id)
            .where(Site.active.is_(True), Site.is_demo.is_(True)))
    if where is not None:
        stmt = stmt.where(where)
    rows = []
    for site_id, name, unit_name in db.session.execute(stmt.order_by(Site.id)):
        count = held.get(site_id, 0)
        if count >= required:
            status, label = "met", "已达标"
        elif over:
            status, label = "short", "未达标"
        elif count < expected:
            status, label = "behind", "进度落后"
        else:
            status, label = "on_track", "按进度"
        rows.append({"id": site_id, "name": name, "unit_name": unit_name, "held": count,
                     "required": required, "short": max(0, required - count),
                     "expected_to_date": expected, "status": status, "status_name": label})
    rows.sort(key=lambda r: (r["status"] == "met", -r["short"], r["name"]))
    return {"year": year, "required": required, "expected_to_date": expected,
            "as_of": min(today, date(year, 12, 31)).isoformat(),
            "rule": f"示范点每年至少开展 {required} 场协商议事活动；按进度应开展＝"
                    f"floor({required} × 已过天数 ÷ 全年天数)",
            "sites": rows}


# ---- who may see what --------------------------------------------------------------------------


def _district_wide(user: User, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(g.role in wanted and g.district_wide for g in user.grants)


def department_filter(user: User) -> ColumnElement[bool]:
    """Return the departments the user may see: all (district staff) or a handler's own."""
    if _district_wide(user, WIDE_ROLES):
        return true()
    ids = sorted({g.department_id for g in user.grants
                  if g.role == "handler" and g.department_id is not None})
    return Department.id.in_(ids) if ids else false()


def site_filter(user: User) -> ColumnElement[bool]:
    """Return the sites the user may see (supervisors and admins everywhere, town staff theirs)."""
    return site_scope_filter(user, SITE_ROLES)


def _envelope(period: Period, label: str, rows: list[dict[str, Any]], kind: str
              ) -> dict[str, Any]:
    settings = current_settings()
    return {
        "period": {**period.as_dict(), "label": label},
        "formula": FORMULA,
        "weights": {key: settings[f"{kind}.{key}"] for key, _n, _f in COMPONENTS[kind]},
        "penalty_rules": {key: {"points": settings[f"{kind}.{key}_points"],
                                "cap": settings[f"{kind}.{key}_cap"]}
                          for key, _n, _f in PENALTIES[kind]},
        "items": rows,
    }


def department_scores_for(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Return the department ranking of the period, limited to the user's scope."""
    period, label = period_for(args)
    rows = department_scores(period, where=department_filter(user))
    return _envelope(period, label, rows, "department")


def site_scores_for(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Return the site ranking of the period, limited to the user's scope."""
    period, label = period_for(args)
    where = site_filter(user)
    if args.get("demo_only"):
        where = and_(where, Site.is_demo.is_(True))
    rows = site_scores(period, where=where)
    return _envelope(period, label, rows, "site")


def demo_shortfall_for(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Return the demo-site activity shortfall of a year, limited to the user's scope."""
    year = int(args.get("year") or datetime.now(SHANGHAI).year)
    return demo_shortfall(year, where=site_filter(user))
