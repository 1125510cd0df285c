"""Dispatch rules besides transitions: deadlines, scope queries, routing, exports, settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true

from server.audit.capture import flag_personal_data, personal_data_shown
from server.common.models import utcnow
from server.common.tables import table_file
from server.common.text import local_time, mask_phone, mask_phones_in_text
from server.dispatch import workflow
from server.dispatch.models import (
    CalendarDay,
    Case,
    CaseAssist,
    DeadlineRule,
    ExportLog,
    ExtensionRequest,
    ReplyTemplate,
    RoutingRule,
)
from server.dispatch.workdays import add_working_days, load_calendar
from server.errors import Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import (
    KINDS,
    OPEN_STATES,
    RATINGS,
    STATES,
    Category,
    Opinion,
    OpinionEvent,
)
from server.people.models import ROLES, Grant, User
from server.sites.models import Department, Site, Unit, subtree_unit_ids

DEFAULT_SIGN_DAYS = 1
DEFAULT_ANSWER_DAYS = {"consult": 3, "help": 5, "complaint": 15, "suggestion": 15}
# Roles that may read residents' phone numbers (in their scope).
PHONE_ROLES = {"admin", "dispatcher", "handler", "member"}


# ---- deadlines --------------------------------------------------------------------------


def _rule(opinion: Opinion) -> DeadlineRule | None:
    if opinion.category_id is not None:
        row = db.session.scalar(select(DeadlineRule).where(
            DeadlineRule.category_id == opinion.category_id, DeadlineRule.kind.is_(None)))
        if row is not None:
            return row
    return db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.category_id.is_(None), DeadlineRule.kind == opinion.kind))


def answer_limit(opinion: Opinion) -> int:
    """Return the working days allowed to answer this opinion."""
    rule = _rule(opinion)
    return rule.answer_days if rule else DEFAULT_ANSWER_DAYS.get(opinion.kind, 15)


def sign_limit(opinion: Opinion) -> int:
    """Return the working days allowed to sign for this opinion."""
    rule = _rule(opinion)
    return rule.sign_days if rule else DEFAULT_SIGN_DAYS


def set_answer_deadline(case: Case, start: datetime) -> None:
    """Set the answer deadline `case.answer_days` working days after `start`."""
    cal = load_calendar()
    case.answer_due_at = add_working_days(start, case.answer_days, cal)
    case.calendar_warning = cal.warning()


def set_sign_deadline(case: Case, start: datetime) -> None:
    """Set the sign-for deadline from the opinion's rule."""
    opinion = db.session.get(Opinion, case.opinion_id)
    assert opinion is not None
    cal = load_calendar()
    case.sign_due_at = add_working_days(start, sign_limit(opinion), cal)
    case.calendar_warning = cal.warning() or case.calendar_warning


def extend_answer_deadline(case: Case, days: int) -> None:
    """Move the answer deadline by `days` working days."""
    cal = load_calendar()
    case.answer_due_at = add_working_days(case.answer_due_at or utcnow(), days, cal)
    case.calendar_warning = cal.warning() or case.calendar_warning


def list_rules() -> list[dict[str, Any]]:
    """Return the effective limits: one row per kind plus every category override."""
    rows = []
    for kind, name in KINDS.items():
        rule = db.session.scalar(select(DeadlineRule).where(
            DeadlineRule.category_id.is_(None), DeadlineRule.kind == kind))
        rows.append({"kind": kind, "kind_name": name, "category_id": None, "category_name": None,
                     "sign_days": rule.sign_days if rule else DEFAULT_SIGN_DAYS,
                     "answer_days": rule.answer_days if rule else DEFAULT_ANSWER_DAYS[kind],
                     "custom": rule is not None})
    for rule in db.session.scalars(select(DeadlineRule).where(
            DeadlineRule.category_id.is_not(None))):
        category = db.session.get(Category, rule.category_id)
        rows.append({"kind": None, "kind_name": None, "category_id": rule.category_id,
                     "category_name": category.name if category else None,
                     "sign_days": rule.sign_days, "answer_days": rule.answer_days,
                     "custom": True})
    return rows


def set_rule(user: User, *, kind: str | None, category_id: int | None, sign_days: int,
             answer_days: int) -> list[dict[str, Any]]:
    """Set the limits of a kind or of a category (admins and district dispatchers)."""
    _require_district(user)
    if (kind is None) == (category_id is None):
        raise ValidationFailed(errors={"kind": ["请选择诉求类型或问题类别之一"]})
    if kind is not None and kind not in KINDS:
        raise ValidationFailed(errors={"kind": ["未知的诉求类型"]})
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ValidationFailed(errors={"category_id": ["问题类别不存在"]})
    row = db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.kind.is_(None) if kind is None else DeadlineRule.kind == kind,
        DeadlineRule.category_id.is_(None) if category_id is None
        else DeadlineRule.category_id == category_id))
    row = row or DeadlineRule(kind=kind, category_id=category_id)
    row.sign_days, row.answer_days = sign_days, answer_days
    db.session.add(row)
    db.session.commit()
    return list_rules()


def _require_district(user: User) -> None:
    for grant in user.grants:
        if grant.role in {"admin", "dispatcher"} and grant.district_wide:
            return
    raise Forbidden("仅区级管理员或调度员可修改此设置", code="district_only")


# ---- the calendar staff enter -----------------------------------------------------------


def calendar_year(year: int) -> dict[str, Any]:
    """Describe a year: entered days, package coverage, completeness and the warning."""
    from server.dispatch.models import CalendarYear
    from server.dispatch.workdays import FALLBACK_WARNING, package_covers

    covered = package_covers(year)
    days = db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)).all()
    mark = db.session.get(CalendarYear, year)
    marker = db.session.get(User, mark.marked_by_id) if mark and mark.marked_by_id else None
    warning = None if covered or mark is not None else FALLBACK_WARNING.format(year=year)
    return {"year": year, "package_covers": covered, "complete": mark is not None,
            "marked_at": mark.marked_at if mark else None,
            "marked_by_name": marker.display_name if marker else None, "warning": warning,
            "days": [{"day": d.day, "is_workday": d.is_workday, "name": d.name} for d in days]}


def _calendar_changed(user: User, change: Any) -> int:
    """Apply a calendar change, recount open deadlines on the new calendar; commit."""
    from server.dispatch.calendar import recompute_open_deadlines

    old = load_calendar()
    change()
    db.session.flush()
    moved = recompute_open_deadlines(user, old, load_calendar())
    db.session.commit()
    return moved


def set_calendar_days(user: User, days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enter or replace holidays and make-up working days (data overriding the package)."""
    _require_district(user)
    years = sorted({item["day"].year for item in days})

    def change() -> None:
        put_calendar_days(days, user.id)

    _calendar_changed(user, change)
    return [calendar_year(y) for y in years]


def put_calendar_days(days: list[dict[str, Any]], entered_by_id: int | None) -> set[int]:
    """Enter or replace calendar days in the session without committing; return their years.

    (For callers that write more in the same transaction, such as the district import.)
    """
    years = set()
    for item in days:
        day: date = item["day"]
        row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
        row = row or CalendarDay(day=day)
        row.is_workday = bool(item["is_workday"])
        row.name = item.get("name") or ""
        row.entered_by_id = entered_by_id
        db.session.add(row)
        years.add(day.year)
    return years


def delete_calendar_day(user: User, day: date) -> None:
    """Remove one entered day."""
    _require_district(user)
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        raise NotFound("该日期未录入", code="calendar_day_not_found")
    _calendar_changed(user, lambda: db.session.delete(row))


def mark_calendar_year(user: User, year: int, complete: bool) -> dict[str, Any]:
    """Mark a year's schedule complete (its warning ends) or incomplete again."""
    from server.dispatch.calendar import mark_year

    _require_district(user)
    if not 2000 <= year <= 2100:
        raise ValidationFailed(errors={"year": ["年份应在 2000 到 2100 之间"]})
    _calendar_changed(user, lambda: mark_year(user, year, complete))
    return calendar_year(year)


# ---- scope and listing ------------------------------------------------------------------


def scope_condition(user: User) -> ColumnElement[bool]:
    """Return a SQL condition on Opinion limiting rows to what the user may read."""
    conditions: list[ColumnElement[bool]] = []
    for grant in user.grants:
        if grant.role in {"dispatcher", "admin", "supervisor"}:
            if grant.district_wide:
                return true()
            if grant.site_id is not None:
                conditions.append(Opinion.site_id == grant.site_id)
            if grant.unit is not None:
                conditions.append(Opinion.unit_id.in_(
                    subtree_unit_ids(grant.unit.path)))
        elif grant.role == "handler" and grant.department_id is not None:
            conditions.append(Opinion.id.in_(select(Case.opinion_id).where(
                Case.department_id == grant.department_id)))
            conditions.append(Opinion.id.in_(select(CaseAssist.opinion_id).where(
                CaseAssist.department_id == grant.department_id)))
        elif grant.role == "member":
            conditions.append(Opinion.id.in_(select(Case.opinion_id).where(
                Case.member_user_id == user.id)))
    return or_(*conditions) if conditions else false()


def case_query(user: User, filters: dict[str, Any]) -> Any:
    """Build the filtered, scoped query of cases (Opinion joined to Case)."""
    query = (select(Opinion, Case).outerjoin(Case, Case.opinion_id == Opinion.id)
             .where(scope_condition(user)))
    if filters.get("state"):
        query = query.where(Opinion.state.in_(str(filters["state"]).split(",")))
    if filters.get("category_id"):
        query = query.where(Opinion.category_id == filters["category_id"])
    if filters.get("kind"):
        query = query.where(Opinion.kind == filters["kind"])
    if filters.get("unit_id"):
        unit = db.session.get(Unit, filters["unit_id"])
        if unit is None:
            return query.where(false())
        query = query.where(Opinion.unit_id.in_(
            subtree_unit_ids(unit.path)))
    if filters.get("department_id"):
        query = query.where(Case.department_id == filters["department_id"])
    if filters.get("member_user_id"):
        query = query.where(Case.member_user_id == filters["member_user_id"])
    if filters.get("overdue"):
        now = utcnow()
        query = query.where(Opinion.state.in_(OPEN_STATES), or_(
            Case.answer_due_at < now,
            (Opinion.state == "assigned") & (Case.sign_due_at < now)))
    if filters.get("mine"):
        query = query.where(or_(Case.member_user_id == user.id, Case.department_id.in_(
            [g.department_id for g in user.grants if g.role == "handler" and g.department_id])))
    if filters.get("q"):
        like = f"%{filters['q']}%"
        query = query.where(or_(Opinion.text.like(like), Opinion.tracking_no.like(like)))
    return query


def list_cases(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Return one page of the user's cases with the filters applied."""
    query = case_query(user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, per_page = filters.get("page", 1), filters.get("per_page", 50)
    rows = db.session.execute(query.order_by(*_case_order(filters.get("sort", "newest")))
                              .offset((page - 1) * per_page).limit(per_page)).all()
    names = _names([case for _o, case in rows])
    return {"items": [_summary(o, c, user, names) for o, c in rows], "total": total,
            "page": page, "per_page": per_page}


def _case_order(sort: str) -> tuple[Any, ...]:
    """Order the inbox: newest first, oldest first, or the earliest answer deadline first."""
    if sort == "oldest":
        return (Opinion.id.asc(),)
    if sort == "due":
        # Cases without a deadline (not yet dispatched) come after every dated one.
        return (Case.answer_due_at.is_(None), Case.answer_due_at.asc(), Opinion.id.asc())
    return (Opinion.id.desc(),)


def _names(cases: list[Case | None]) -> dict[str, dict[int, str]]:
    dept_ids = {c.department_id for c in cases if c and c.department_id}
    user_ids = {c.member_user_id for c in cases if c and c.member_user_id}
    depts = {d.id: d.name for d in db.session.scalars(
        select(Department).where(Department.id.in_(dept_ids)))} if dept_ids else {}
    users = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return {"departments": depts, "users": users}


def may_see_phone(user: User, opinion: Opinion) -> bool:
    """Tell whether the user's role on this case lets them read the resident's phone."""
    return bool(workflow.capacities(user, opinion) & PHONE_ROLES)


def _overdue(opinion: Opinion, case: Case | None, now: datetime) -> bool:
    if case is None or opinion.state not in OPEN_STATES:
        return False
    if case.answer_due_at is not None and case.answer_due_at < now:
        return True
    return opinion.state == "assigned" and case.sign_due_at is not None \
        and case.sign_due_at < now


def _summary(opinion: Opinion, case: Case | None, user: User,
             names: dict[str, dict[int, str]]) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": opinion.id,
        "tracking_no": opinion.tracking_no,
        "state": opinion.state,
        "state_name": STATES.get(opinion.state, opinion.state),
        "kind": opinion.kind,
        "kind_name": KINDS.get(opinion.kind, opinion.kind),
        "category_id": opinion.category_id,
        "category_name": opinion.category.name if opinion.category else None,
        "text": mask_phones_in_text(opinion.text),  # the detail unmasks for phone roles
        "site_id": opinion.site_id,
        "unit_id": opinion.unit_id,
        "created_at": opinion.created_at,
        "department_id": case.department_id if case else None,
        "department_name": names["departments"].get(case.department_id) if case
        and case.department_id else None,
        "member_user_id": case.member_user_id if case else None,
        "member_name": names["users"].get(case.member_user_id) if case
        and case.member_user_id else None,
        "sign_due_at": case.sign_due_at if case else None,
        "answer_due_at": case.answer_due_at if case else None,
        "overdue": _overdue(opinion, case, now),
        "redo_count": case.redo_count if case else 0,
        "return_count": case.return_count if case else 0,
        "calendar_warning": case.calendar_warning if case else None,
    }


def get_case(user: User, opinion_id: int) -> dict[str, Any]:
    """Return one case with its timeline, photos, allowed actions and helpers."""
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        raise NotFound("找不到该案件", code="case_not_found")
    case = db.session.get(Case, opinion.id)
    if not workflow.can(user, "view", opinion, case):
        raise Forbidden("该案件不在您的管辖范围内", code="out_of_scope")
    case = case or workflow._case(opinion)
    names = _names([case])
    site = db.session.get(Site, opinion.site_id)
    unit = db.session.get(Unit, opinion.unit_id)
    detail = _summary(opinion, case, user, names)
    phone_visible = may_see_phone(user, opinion)
    if phone_visible and opinion.phone:
        # Who read which resident's number, and when: the audit log keeps each such read.
        personal_data_shown()
    pending = workflow._pending(opinion.id)
    detail.update({
        "site_name": site.name if site else None,
        "unit_name": unit.name if unit else None,
        "phone": opinion.phone if phone_visible else mask_phone(opinion.phone),
        "phone_masked": not phone_visible,
        "text": opinion.text if phone_visible else mask_phones_in_text(opinion.text),
        "contact_name": getattr(opinion, "contact_name", None),
        "anonymous": opinion.anonymous,
        "answer": opinion.answer,
        "answered_at": opinion.answered_at,
        "rating": opinion.rating,
        "rating_name": RATINGS.get(opinion.rating or ""),
        "rating_comment": opinion.rating_comment,
        "merged_into_id": opinion.merged_into_id,
        "assisting_department_ids": case.assisting_department_ids,
        "assisting_department_names": [
            d.name for d in db.session.scalars(select(Department).where(
                Department.id.in_(case.assisting_department_ids)))],
        "extension_count": case.extension_count,
        "pending_extension": {"id": pending.id, "days": pending.days, "reason": pending.reason}
        if pending else None,
        "timeline": timeline(opinion.id),
        "photos": _photos(opinion.id),
        "actions": workflow.allowed_actions(user, opinion),
        "capacities": sorted(workflow.capacities(user, opinion, case)),
        "suggestion": suggest_department(opinion),
        "templates": reply_templates(opinion.category_id),
    })
    db.session.commit()  # a case row created for a legacy opinion is kept
    return detail


def timeline(opinion_id: int) -> list[dict[str, Any]]:
    """Return the case's events, oldest first, with names people read."""
    events = db.session.scalars(select(OpinionEvent).where(
        OpinionEvent.opinion_id == opinion_id).order_by(OpinionEvent.id)).all()
    user_ids = {e.actor_user_id for e in events if e.actor_user_id}
    users = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return [{
        "id": e.id, "at": e.at, "action": e.action,
        "action_name": workflow.ACTION_NAMES.get(e.action, e.action),
        "actor_kind": e.actor_kind,
        "actor_name": users.get(e.actor_user_id or 0) or
        ("群众" if e.actor_kind == "resident" else "系统"),
        "role": e.role, "role_name": ROLES.get(e.role or "", "群众" if e.role == "resident"
                                               else e.role),
        "from_state": e.from_state, "to_state": e.to_state,
        "to_state_name": STATES.get(e.to_state or "", e.to_state),
        "note": e.note, "data": e.data or {},
    } for e in events]


def _photos(opinion_id: int) -> list[dict[str, Any]]:
    from server.intake.media import photo_urls
    from server.intake.models import OpinionPhoto

    rows = db.session.scalars(select(OpinionPhoto).where(
        OpinionPhoto.opinion_id == opinion_id).order_by(OpinionPhoto.position)).all()
    return [photo_urls(p) for p in rows]


# ---- assignment helpers -----------------------------------------------------------------


def suggest_department(opinion: Opinion) -> dict[str, Any] | None:
    """Suggest a department from the routing table: the most specific unit rule wins."""
    unit = db.session.get(Unit, opinion.unit_id)
    rules = db.session.scalars(select(RoutingRule).where(or_(
        RoutingRule.category_id == opinion.category_id, RoutingRule.category_id.is_(None)))).all()
    best: tuple[int, int, RoutingRule] | None = None
    for rule in rules:
        depth = -1
        if rule.unit_id is not None:
            rule_unit = db.session.get(Unit, rule.unit_id)
            if rule_unit is None or unit is None or not unit.is_within(rule_unit):
                continue
            depth = rule_unit.depth
        score = (1 if rule.category_id is not None else 0, depth)
        if best is None or score > best[:2]:
            best = (*score, rule)
    if best is None:
        return None
    dept = db.session.get(Department, best[2].department_id)
    if dept is None:
        return None
    return {"department_id": dept.id, "department_name": dept.name,
            "load": department_loads([dept.id]).get(dept.id, 0)}


def department_loads(ids: list[int] | None = None) -> dict[int, int]:
    """Count open cases per lead department (current load)."""
    query = (select(Case.department_id, func.count()).join(Opinion, Opinion.id == Case.opinion_id)
             .where(Opinion.state.in_(OPEN_STATES), Case.department_id.is_not(None))
             .group_by(Case.department_id))
    if ids is not None:
        query = query.where(Case.department_id.in_(ids))
    return {int(d): int(n) for d, n in db.session.execute(query).all()}


def list_departments() -> list[dict[str, Any]]:
    """Return active departments with their current load."""
    loads = department_loads()
    return [{"id": d.id, "name": d.name, "load": loads.get(d.id, 0)}
            for d in db.session.scalars(select(Department).where(Department.active.is_(True))
                                        .order_by(Department.id))]


def list_members() -> list[dict[str, Any]]:
    """Return committee members who can be assigned cases."""
    users = db.session.scalars(select(User).join(Grant).where(
        Grant.role == "member", User.active.is_(True)).order_by(User.id)).unique()
    return [{"id": u.id, "name": u.display_name} for u in users]


def set_route(user: User, *, category_id: int | None, unit_id: int | None,
              department_id: int) -> dict[str, Any]:
    """Add or replace a routing rule (category × unit subtree → department)."""
    _require_district(user)
    if db.session.get(Department, department_id) is None:
        raise ValidationFailed(errors={"department_id": ["承办部门不存在"]})
    row = put_route(category_id, unit_id, department_id)
    db.session.commit()
    return {"id": row.id, "category_id": category_id, "unit_id": unit_id,
            "department_id": department_id}


def put_route(category_id: int | None, unit_id: int | None, department_id: int) -> RoutingRule:
    """Add or replace a routing rule in the session without committing (flushed)."""
    row = db.session.scalar(select(RoutingRule).where(
        RoutingRule.category_id.is_(None) if category_id is None
        else RoutingRule.category_id == category_id,
        RoutingRule.unit_id.is_(None) if unit_id is None else RoutingRule.unit_id == unit_id))
    row = row or RoutingRule(category_id=category_id, unit_id=unit_id)
    if row.department_id != department_id:
        row.department_id = department_id
        db.session.add(row)
        db.session.flush()
    return row


def delete_route(user: User, route_id: int) -> None:
    """Remove one routing rule."""
    _require_district(user)
    row = db.session.get(RoutingRule, route_id)
    if row is None:
        raise NotFound("找不到该分派规则", code="route_not_found")
    db.session.delete(row)
    db.session.commit()


def move_department_work(source_id: int, target_id: int) -> int:
    """Hand a merged department's open cases, co-handling and routing rules to another.

    Not committed. Closed cases keep the department that handled them (history); returns
    how many open cases moved.
    """
    open_ids = select(Opinion.id).where(Opinion.state.in_(OPEN_STATES))
    moved = 0
    for case in db.session.scalars(select(Case).where(Case.department_id == source_id,
                                                      Case.opinion_id.in_(open_ids))):
        case.department_id = target_id
        moved += 1
    for assist in db.session.scalars(select(CaseAssist).where(
            CaseAssist.department_id == source_id, CaseAssist.opinion_id.in_(open_ids))):
        taken = db.session.scalar(select(CaseAssist.id).where(
            CaseAssist.opinion_id == assist.opinion_id, CaseAssist.department_id == target_id))
        if taken:
            db.session.delete(assist)
        else:
            assist.department_id = target_id
    for rule in db.session.scalars(select(RoutingRule).where(
            RoutingRule.department_id == source_id)):
        rule.department_id = target_id
    return moved


def list_routes() -> list[dict[str, Any]]:
    """Return the routing table."""
    return [{"id": r.id, "category_id": r.category_id, "unit_id": r.unit_id,
             "department_id": r.department_id}
            for r in db.session.scalars(select(RoutingRule).order_by(RoutingRule.id))]


def bulk_assign(user: User, opinion_ids: list[int], **target: Any) -> dict[str, Any]:
    """Assign several cases; each succeeds or reports its own error."""
    from server.errors import DomainError

    done, failed = [], []
    for opinion_id in opinion_ids:
        try:
            workflow.assign(opinion_id, user, **target)
            done.append(opinion_id)
        except DomainError as exc:
            db.session.rollback()
            failed.append({"id": opinion_id, "code": exc.code, "message": exc.message})
    return {"assigned": done, "failed": failed}


def reply_templates(category_id: int | None) -> list[dict[str, Any]]:
    """Return reply templates for a category plus the general ones."""
    rows = db.session.scalars(select(ReplyTemplate).where(or_(
        ReplyTemplate.category_id.is_(None), ReplyTemplate.category_id == category_id))
        .order_by(ReplyTemplate.id))
    return [{"id": r.id, "category_id": r.category_id, "title": r.title, "text": r.text}
            for r in rows]


def add_reply_template(user: User, category_id: int | None, title: str, text: str) -> dict[
        str, Any]:
    """Add a reply template."""
    _require_district(user)
    row = ReplyTemplate(category_id=category_id, title=title, text=text)
    db.session.add(row)
    db.session.commit()
    return {"id": row.id, "category_id": category_id, "title": title, "text": text}


def extensions(opinion_id: int) -> list[ExtensionRequest]:
    """Return a case's extension requests."""
    return list(db.session.scalars(select(ExtensionRequest).where(
        ExtensionRequest.opinion_id == opinion_id).order_by(ExtensionRequest.id)))


# ---- export -----------------------------------------------------------------------------

EXPORT_COLUMNS = ["受理编号", "状态", "诉求类型", "问题类别", "反映内容", "联系电话", "点位",
                  "所属单元", "承办单位", "答复期限", "是否超期", "重办次数", "提交时间"]


def export_cases(user: User, filters: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    """Export the filtered list as CSV or XLSX, masking phones unless the role allows; log it."""
    if fmt not in {"csv", "xlsx"}:
        raise ValidationFailed(errors={"format": ["只能是 csv 或 xlsx"]})
    rows = db.session.execute(case_query(user, filters).order_by(Opinion.id).limit(20000)).all()
    names = _names([c for _o, c in rows])
    sites = {s.id: s.name for s in db.session.scalars(select(Site))}
    units = {u.id: u.name for u in db.session.scalars(select(Unit))}
    now = utcnow()
    table: list[list[Any]] = []
    masked_any = False
    unmasked_any = False
    for opinion, case in rows:
        visible = may_see_phone(user, opinion)
        masked_any = masked_any or (not visible and bool(opinion.phone))
        unmasked_any = unmasked_any or (visible and bool(opinion.phone))
        assignee = (names["departments"].get(case.department_id) if case and case.department_id
                    else names["users"].get(case.member_user_id) if case and case.member_user_id
                    else "")
        table.append([
            opinion.tracking_no, STATES.get(opinion.state, opinion.state),
            KINDS.get(opinion.kind, opinion.kind),
            opinion.category.name if opinion.category else "",
            opinion.text if visible else mask_phones_in_text(opinion.text),
            (opinion.phone if visible else mask_phone(opinion.phone)) or "",
            sites.get(opinion.site_id, ""), units.get(opinion.unit_id, ""), assignee or "",
            local_time(case.answer_due_at).strftime("%Y-%m-%d %H:%M")
            if case and case.answer_due_at else "",
            "是" if _overdue(opinion, case, now) else "否", case.redo_count if case else 0,
            local_time(opinion.created_at).strftime("%Y-%m-%d %H:%M"),
        ])
    if unmasked_any:
        flag_personal_data("unmasked_phones")
    db.session.add(ExportLog(user_id=user.id, fmt=fmt, row_count=len(table),
                             phones_masked=masked_any,
                             filters={k: v for k, v in filters.items()
                                      if k not in {"page", "per_page"}}))
    db.session.commit()
    stamp = local_time(now).strftime("%Y%m%d-%H%M")
    return table_file(EXPORT_COLUMNS, table, fmt, "案件列表", f"cases-{stamp}")


def export_log(limit: int = 100) -> list[ExportLog]:
    """Return recent exports, newest first."""
    return list(db.session.scalars(select(ExportLog).order_by(ExportLog.id.desc()).limit(limit)))


# ---- the console's calls ----------------------------------------------------------------


def act(user: User, opinion_id: int, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """Perform one workflow action from the console and return the updated case."""
    target = {k: body.get(k) for k in ("department_id", "member_user_id")}
    assisting = body.get("assisting_department_ids") or []
    calls = {
        "accept": lambda: workflow.accept(opinion_id, user, body.get("note")),
        "decline": lambda: workflow.decline(opinion_id, user, body.get("reason", "")),
        "assign": lambda: workflow.assign(opinion_id, user, **target,
                                          assisting_department_ids=assisting,
                                          note=body.get("note")),
        "reassign": lambda: workflow.reassign(opinion_id, user, **target,
                                              assisting_department_ids=assisting,
                                              note=body.get("note")),
        "return": lambda: workflow.return_case(opinion_id, user, body.get("reason", "")),
        "sign": lambda: workflow.sign(opinion_id, user),
        "start": lambda: workflow.start(opinion_id, user, body.get("note")),
        "answer": lambda: workflow.answer(opinion_id, user, body.get("text", "")),
        "request_extension": lambda: workflow.request_extension(
            opinion_id, user, int(body.get("days") or 0), body.get("reason", "")),
        "approve_extension": lambda: workflow.approve_extension(opinion_id, user,
                                                                body.get("note")),
        "refuse_extension": lambda: workflow.refuse_extension(opinion_id, user,
                                                              body.get("note")),
        "merge": lambda: workflow.merge(opinion_id, user, int(body["into_id"]),
                                        body.get("note")),
        "void": lambda: workflow.void(opinion_id, user, body.get("reason", "")),
    }
    opinion = calls[action]()
    try:
        return get_case(user, opinion_id)
    except Forbidden:
        # The action moved the case out of the caller's hands (退单): show only its summary.
        case = db.session.get(Case, opinion_id)
        return {**_summary(opinion, case, user, _names([case])), "actions": [],
                "timeline": [], "capacities": []}


def options(user: User) -> dict[str, Any]:
    """Return what the console's filters and forms offer, and the calendar warning."""
    from datetime import timedelta

    today = local_time(utcnow()).date()
    warnings = [calendar_year(y)["warning"] for y in {today.year,
                                                       (today + timedelta(days=60)).year}]
    units = db.session.scalars(select(Unit).where(Unit.depth <= 1).order_by(Unit.path)).all()
    return {
        "states": [{"id": k, "name": v} for k, v in STATES.items()],
        "kinds": [{"id": k, "name": v} for k, v in KINDS.items()],
        "categories": [{"id": c.id, "name": c.name} for c in db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.sort_order,
                                                                       Category.id))],
        "departments": list_departments(),
        "members": list_members(),
        "units": [{"id": u.id, "name": ("　" * u.depth) + u.name} for u in units],
        "may_export_phones": bool(user.roles & PHONE_ROLES),
        "calendar_warning": "；".join(w for w in warnings if w) or None,
    }
