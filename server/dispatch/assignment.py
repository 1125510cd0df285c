"""Assignment helpers: suggested departments, routing rules, bulk assign, reply templates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from server.dispatch import workflow
from server.dispatch.deadlines import _require_district
from server.dispatch.models import Case, CaseAssist, ExtensionRequest, ReplyTemplate, RoutingRule
from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import OPEN_STATES, Opinion
from server.people.models import Grant, User
from server.sites.models import Department, Unit


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
