"""Cases in the caller's scope: the inbox query, one case's detail, its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true

from server.audit.capture import personal_data_shown
from server.common.models import utcnow
from server.common.text import mask_phone, mask_phones_in_text
from server.dispatch import workflow
from server.dispatch.assignment import reply_templates, suggest_department
from server.dispatch.models import Case, CaseAssist
from server.errors import Forbidden, NotFound
from server.extensions import db
from server.intake.models import KINDS, OPEN_STATES, RATINGS, STATES, Opinion, OpinionEvent
from server.people.models import ROLES, User
from server.sites.models import Department, Site, Unit, subtree_unit_ids

# Roles that may read residents' phone numbers (in their scope).
PHONE_ROLES = {"admin", "dispatcher", "handler", "member"}


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
