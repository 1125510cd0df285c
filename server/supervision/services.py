"""Supervision rules: who is warned, supervision orders (督办), the scoped warning lists."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import and_, false, func, or_, select, update

from server.common.models import utcnow
from server.common.text import SHANGHAI, local_time, mask_phone, mask_phones_in_text
from server.dispatch.models import Case
from server.dispatch.workdays import add_working_days, load_calendar
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.intake.models import OPEN_STATES, STATES, Opinion
from server.notify.models import Notification
from server.people.models import Grant, User
from server.sites.models import Department, Site, Unit, subtree_unit_ids
from server.supervision.levels import Thresholds
from server.supervision.models import (
    LEVEL_ORDER,
    LEVELS,
    ORDER_ACTIONS,
    ORDER_STATUSES,
    STEPS,
    TARGET_KINDS,
    OrderEvent,
    OverdueWarning,
    SupervisionOrder,
)

# States in which the answer deadline runs for the assignee (assigned: not yet signed).
ANSWER_STATES = ("assigned", "signed", "in_progress")
# Orders still waiting for the receiver: they are warned on.
WAITING = ("issued", "escalated")
SUPERVISE = frozenset({"supervisor", "admin"})


def thresholds() -> Thresholds:
    """Return the configured warning thresholds."""
    cfg = current_app.config
    return Thresholds(blue_share=float(cfg.get("SUPERVISION_BLUE_SHARE", 1 / 3)),
                      yellow_days=float(cfg.get("SUPERVISION_YELLOW_DAYS", 1.0)))


# ---- who hears about what ---------------------------------------------------------------


def _ancestors(unit_id: int | None) -> list[int]:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        return []
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def _active_users(query: Any) -> list[int]:
    ids = db.session.scalars(query.join(User, User.id == Grant.user_id)
                             .where(User.active.is_(True))).all()
    return sorted(set(ids))


def handler_ids(department_id: int | None) -> list[int]:
    """Return the handlers of a department."""
    if department_id is None:
        return []
    return _active_users(select(Grant.user_id).where(
        Grant.role == "handler", Grant.department_id == department_id))


def case_handler_ids(case: Case) -> list[int]:
    """Return who must act on a case: its member, or its department's handlers."""
    if case.member_user_id is not None:
        return [case.member_user_id]
    return handler_ids(case.department_id)


def supervisor_ids(unit_id: int | None, site_id: int | None) -> list[int]:
    """Return the supervisors whose scope covers a place (district-wide ones included)."""
    unscoped = and_(Grant.unit_id.is_(None), Grant.site_id.is_(None),
                    Grant.department_id.is_(None))
    conditions = [unscoped]
    if site_id is not None:
        conditions.append(Grant.site_id == site_id)
    ancestors = _ancestors(unit_id)
    if ancestors:
        conditions.append(Grant.unit_id.in_(ancestors))
    return _active_users(select(Grant.user_id).where(Grant.role == "supervisor",
                                                     or_(*conditions)))


def site_staff_ids(site: Site) -> list[int]:
    """Return the moderators and dispatchers of a site (district-wide ones if none)."""
    scoped = or_(Grant.site_id == site.id, Grant.unit_id.in_(_ancestors(site.unit_id) or [0]))
    roles = Grant.role.in_(("moderator", "dispatcher"))
    ids = _active_users(select(Grant.user_id).where(roles, scoped))
    if ids:
        return ids
    return _active_users(select(Grant.user_id).where(
        roles, Grant.unit_id.is_(None), Grant.site_id.is_(None), Grant.department_id.is_(None)))


def dispatcher_ids(unit_id: int | None, site_id: int | None) -> list[int]:
    """Return the dispatchers whose scope covers a place (district-wide ones included)."""
    unscoped = and_(Grant.unit_id.is_(None), Grant.site_id.is_(None),
                    Grant.department_id.is_(None))
    conditions = [unscoped]
    if site_id is not None:
        conditions.append(Grant.site_id == site_id)
    ancestors = _ancestors(unit_id)
    if ancestors:
        conditions.append(Grant.unit_id.in_(ancestors))
    return _active_users(select(Grant.user_id).where(Grant.role == "dispatcher",
                                                     or_(*conditions)))


def stand_in_ids(department_id: int | None, unit_id: int | None,
                 site_id: int | None) -> list[int]:
    """Return who hears a department's warnings when it has no handler account.

    Its head (负责人) if one is set, otherwise the dispatchers whose scope covers the case:
    a warning that reaches nobody helps nobody.
    """
    return head_ids(department_id) or dispatcher_ids(unit_id, site_id)


def departments_without_handlers(department_ids: Iterable[int | None]) -> dict[int, str]:
    """Return the departments among these that have no active handler account (id → name)."""
    wanted = {i for i in department_ids if i}
    if not wanted:
        return {}
    staffed = set(db.session.scalars(
        select(Grant.department_id).join(User, User.id == Grant.user_id)
        .where(Grant.role == "handler", Grant.department_id.in_(wanted),
               User.active.is_(True))))
    missing = wanted - staffed
    return {d.id: d.name for d in db.session.scalars(
        select(Department).where(Department.id.in_(missing)))} if missing else {}


def head_ids(department_id: int | None) -> list[int]:
    """Return the department's head (负责人), if one is set."""
    dept = db.session.get(Department, department_id) if department_id else None
    return [dept.head_user_id] if dept is not None and dept.head_user_id else []


def order_receiver_ids(order: SupervisionOrder) -> list[int]:
    """Return who must respond to an order."""
    if order.target_kind == "case":
        case = db.session.get(Case, order.opinion_id)
        return case_handler_ids(case) if case else []
    if order.target_kind == "department":
        return handler_ids(order.department_id) or stand_in_ids(order.department_id, None,
                                                                 None)
    site = db.session.get(Site, order.site_id)
    return site_staff_ids(site) if site else []


def inbox(user_ids: Iterable[int], event: str, title: str, body: str, *,
          opinion_id: int | None = None, payload: dict[str, Any] | None = None,
          now: datetime | None = None) -> int:
    """Add inbox messages for staff users in the current transaction; return how many."""
    when = now or utcnow()
    count = 0
    for user_id in sorted(set(user_ids)):
        db.session.add(Notification(event=event, channel="inbox", opinion_id=opinion_id,
                                    user_id=user_id, title=title[:64], body=body,
                                    payload=payload or {}, status="sent", attempts=0,
                                    created_at=when, sent_at=when))
        count += 1
    return count


# ---- orders: permissions ----------------------------------------------------------------


def _covers(user: User, roles: frozenset[str], unit_id: int | None,
            site_id: int | None) -> bool:
    ancestors = set(_ancestors(unit_id))
    for grant in user.grants:
        if grant.role not in roles:
            continue
        if grant.district_wide or (site_id is not None and grant.site_id == site_id) \
                or (grant.unit_id is not None and grant.unit_id in ancestors):
            return True
        # A target with no place (a department of no unit) is the whole district's.
        if unit_id is None and site_id is None and grant.unit is not None \
                and grant.unit.parent_id is None:
            return True
    return False


def _target_place(kind: str, opinion: Opinion | None, department: Department | None,
                  site: Site | None) -> tuple[int | None, int | None]:
    """Return the (unit_id, site_id) a target lies in, for scope checks."""
    if kind == "case" and opinion is not None:
        return opinion.unit_id, opinion.site_id
    if kind == "site" and site is not None:
        return site.unit_id, site.id
    if department is not None:
        return department.unit_id, None
    return None, None


def may_supervise(user: User, order: SupervisionOrder) -> bool:
    """Tell whether the user may escalate or close the order (a supervisor in scope)."""
    return _covers(user, SUPERVISE, order.unit_id, order.site_id)


def may_respond(user: User, order: SupervisionOrder) -> bool:
    """Tell whether the user is one of the order's receivers (or an admin)."""
    if "admin" in user.roles and _covers(user, frozenset({"admin"}), order.unit_id,
                                         order.site_id):
        return True
    if order.target_kind == "case":
        case = db.session.get(Case, order.opinion_id)
        if case is None:
            return False
        if case.member_user_id is not None:
            return case.member_user_id == user.id
        return any(g.role == "handler" and g.department_id == case.department_id
                   for g in user.grants)
    if order.target_kind == "department":
        return any(g.role == "handler" and g.department_id == order.department_id
                   for g in user.grants)
    return _covers(user, frozenset({"moderator", "dispatcher"}), order.unit_id, order.site_id)


def may_view(user: User, order: SupervisionOrder) -> bool:
    """Tell whether the user may read the order."""
    return (may_supervise(user, order) or may_respond(user, order)
            or _covers(user, frozenset({"dispatcher"}), order.unit_id, order.site_id))


def order_actions(user: User, order: SupervisionOrder) -> list[str]:
    """List what the user may do with the order now (for the console's buttons)."""
    if order.status == "closed":
        return []
    actions = []
    if may_respond(user, order):
        actions.append("respond")
    if may_supervise(user, order):
        actions += ["escalate", "close"]
    return actions


# ---- orders: the workflow ---------------------------------------------------------------


def _text(value: str | None, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(errors={field: [f"请填写{label}"]})
    if len(text) > 2000:
        raise ValidationFailed(errors={field: ["太长，最多 2000 字"]})
    return text


def _due(now: datetime, due_days: int | None, due_date: date | None) -> datetime:
    if (due_days is None) == (due_date is None):
        raise ValidationFailed("请填写办理期限",
                               errors={"due_days": ["工作日天数和截止日期只能填一个"]})
    if due_days is not None:
        return add_working_days(now, due_days, load_calendar())
    assert due_date is not None
    if due_date < local_time(now).date():
        raise ValidationFailed(errors={"due_date": ["截止日期不能早于今天"]})
    return datetime.combine(due_date, time(23, 59, 59), tzinfo=SHANGHAI).astimezone(now.tzinfo)


def _order_event(order: SupervisionOrder, action: str, user: User | None, note: str | None,
                 data: dict[str, Any] | None = None, now: datetime | None = None) -> None:
    db.session.add(OrderEvent(order_id=order.id, action=action,
                              actor_user_id=user.id if user else None, note=note,
                              data=data or {}, at=now or utcnow()))
    if order.opinion_id is not None:
        from server.dispatch import workflow

        workflow.record_note(order.opinion_id, f"supervise_{action}" if action != "issue"
                             else "supervise", user=user, role=_role(user),
                             note=note, data={"order_id": order.id, **(data or {})})


def _role(user: User | None) -> str | None:
    if user is None:
        return "system"
    for role in ("supervisor", "admin", "handler", "member", "dispatcher", "moderator"):
        if role in user.roles:
            return role
    return None


def _target_label(order: SupervisionOrder) -> str:
    if order.target_kind == "case":
        opinion = db.session.get(Opinion, order.opinion_id)
        return f"案件 {opinion.tracking_no}" if opinion else "案件"
    if order.target_kind == "department":
        dept = db.session.get(Department, order.department_id)
        return dept.name if dept else "部门"
    site = db.session.get(Site, order.site_id)
    return site.name if site else "点位"


def issue_order(user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Issue a supervision order on a case, a department or a site (supervisors in scope)."""
    if not user.roles & SUPERVISE:
        raise Forbidden("仅督查员或管理员可以下发督办", code="supervisor_only")
    kind = body.get("target_kind")
    if kind not in TARGET_KINDS:
        raise ValidationFailed(errors={"target_kind": ["督办对象只能是案件、部门或点位"]})
    demand = _text(body.get("demand"), "demand", "督办要求")
    opinion = department = site = None
    if kind == "case":
        opinion = _find_case(body)
        if opinion.state not in OPEN_STATES:
            raise Conflict(f"案件当前为“{STATES.get(opinion.state, opinion.state)}”，不能督办",
                           code="case_not_open", errors={"state": opinion.state})
        case = db.session.get(Case, opinion.id)
        department = db.session.get(Department, case.department_id) \
            if case and case.department_id else None
    elif kind == "department":
        department = db.session.get(Department, body.get("target_id") or 0)
        if department is None or not department.active:
            raise NotFound("找不到该部门", code="department_not_found")
    else:
        site = _find_site(body)
    unit_id, site_id = _target_place(kind, opinion, department if kind == "department"
                                     else None, site)
    if not _covers(user, SUPERVISE, unit_id, site_id):
        raise Forbidden("督办对象不在您的管辖范围内", code="out_of_scope")
    now = utcnow()
    order = SupervisionOrder(
        target_kind=kind, opinion_id=opinion.id if opinion else None,
        department_id=department.id if department else None,
        site_id=site.id if site else (opinion.site_id if opinion else None),
        unit_id=unit_id, demand=demand, issued_by_id=user.id, issued_at=now,
        due_set_at=now, due_at=_due(now, body.get("due_days"), body.get("due_date")),
        status="issued", escalations=0)
    db.session.add(order)
    db.session.flush()
    _order_event(order, "issue", user, demand, {"due_at": order.due_at.isoformat()}, now)
    inbox(order_receiver_ids(order), "order", f"督办：{_target_label(order)}", demand,
          opinion_id=order.opinion_id, payload={"order_id": order.id}, now=now)
    db.session.commit()
    return order_detail(user, order)


def _find_case(body: dict[str, Any]) -> Opinion:
    opinion = None
    if body.get("target_id"):
        opinion = db.session.get(Opinion, body["target_id"])
    elif body.get("tracking_no"):
        opinion = db.session.scalar(select(Opinion).where(
            Opinion.tracking_no == body["tracking_no"].strip()))
    if opinion is None:
        raise NotFound("找不到该案件", code="case_not_found")
    return opinion


def _find_site(body: dict[str, Any]) -> Site:
    site = None
    if body.get("target_id"):
        site = db.session.get(Site, body["target_id"])
    elif body.get("site_code"):
        site = db.session.scalar(select(Site).where(Site.code == body["site_code"].strip()))
    if site is None:
        raise NotFound("找不到该点位", code="site_not_found")
    return site


def _load_order(user: User, order_id: int) -> SupervisionOrder:
    order = db.session.get(SupervisionOrder, order_id, with_for_update=True)
    if order is None:
        raise NotFound("找不到该督办", code="order_not_found")
    if not may_view(user, order):
        raise Forbidden("该督办不在您的管辖范围内", code="out_of_scope")
    return order


def _open(order: SupervisionOrder, action: str) -> None:
    if order.status == "closed":
        raise Conflict(f"督办已办结，不能{ORDER_ACTIONS[action]}", code="order_closed",
                       errors={"status": order.status})


def _clear_warnings(order: SupervisionOrder, now: datetime) -> None:
    db.session.execute(update(OverdueWarning).where(
        OverdueWarning.target_kind == "order", OverdueWarning.target_id == order.id,
        OverdueWarning.cleared_at.is_(None)).values(cleared_at=now))


def respond_order(user: User, order_id: int, text: str) -> dict[str, Any]:
    """Record the receiver's response to an order (督办回复)."""
    order = _load_order(user, order_id)
    if not may_respond(user, order):
        raise Forbidden("只有被督办单位可以回复督办", code="not_receiver")
    _open(order, "respond")
    text = _text(text, "text", "回复内容")
    now = utcnow()
    order.status = "responded"
    order.responded_at = now
    _order_event(order, "respond", user, text, now=now)
    _clear_warnings(order, now)
    inbox([order.issued_by_id], "order_reply", f"督办已回复：{_target_label(order)}", text,
          opinion_id=order.opinion_id, payload={"order_id": order.id}, now=now)
    db.session.commit()
    return order_detail(user, order)


def escalate_order(user: User, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Escalate an order (升级督办): tell the receivers and their head, maybe set a new due."""
    order = _load_order(user, order_id)
    if not may_supervise(user, order):
        raise Forbidden("只有辖区督查员可以升级督办", code="supervisor_only")
    _open(order, "escalate")
    note = _text(body.get("note"), "note", "升级理由")
    now = utcnow()
    data: dict[str, Any] = {"escalations": order.escalations + 1}
    if body.get("due_days") is not None or body.get("due_date") is not None:
        order.due_at = _due(now, body.get("due_days"), body.get("due_date"))
        order.due_set_at = now
        data["due_at"] = order.due_at.isoformat()
    order.escalations += 1
    order.status = "escalated"
    _order_event(order, "escalate", user, note, data, now)
    heads = head_ids(order.department_id)
    inbox(order_receiver_ids(order) + heads, "order_escalated",
          f"督办升级：{_target_label(order)}", note, opinion_id=order.opinion_id,
          payload={"order_id": order.id}, now=now)
    db.session.commit()
    return order_detail(user, order)


def close_order(user: User, order_id: int, note: str | None) -> dict[str, Any]:
    """Close an order (督办办结)."""
    order = _load_order(user, order_id)
    if not may_supervise(user, order):
        raise Forbidden("只有辖区督查员可以办结督办", code="supervisor_only")
    _open(order, "close")
    now = utcnow()
    order.status = "closed"
    order.closed_at = now
    _order_event(order, "close", user, (note or "").strip() or None, now=now)
    _clear_warnings(order, now)
    db.session.commit()
    return order_detail(user, order)


def _names(model: Any, ids: Iterable[int | None], attr: str = "name") -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {row.id: getattr(row, attr) for row in db.session.scalars(
        select(model).where(model.id.in_(wanted)))}


def _order_summary(user: User, order: SupervisionOrder,
                   levels: dict[int, str] | None = None) -> dict[str, Any]:
    opinion = db.session.get(Opinion, order.opinion_id) if order.opinion_id else None
    issuer = db.session.get(User, order.issued_by_id)
    level = (levels or {}).get(order.id) if levels is not None else _order_level(order.id)
    return {
        "id": order.id, "target_kind": order.target_kind,
        "target_kind_name": TARGET_KINDS[order.target_kind],
        "target_name": _target_label(order),
        "opinion_id": order.opinion_id, "tracking_no": opinion.tracking_no if opinion else None,
        "department_id": order.department_id, "site_id": order.site_id,
        "demand": order.demand, "issued_by_name": issuer.display_name if issuer else None,
        "issued_at": order.issued_at, "due_at": order.due_at, "status": order.status,
        "status_name": ORDER_STATUSES[order.status], "escalations": order.escalations,
        "responded_at": order.responded_at, "closed_at": order.closed_at,
        "level": level if order.status in WAITING else None,
        "actions": order_actions(user, order),
    }


def _order_level(order_id: int) -> str | None:
    return _order_levels([order_id]).get(order_id)


def _order_levels(order_ids: list[int]) -> dict[int, str]:
    if not order_ids:
        return {}
    rows = db.session.execute(select(OverdueWarning.target_id, OverdueWarning.level).where(
        OverdueWarning.target_kind == "order", OverdueWarning.target_id.in_(order_ids),
        OverdueWarning.cleared_at.is_(None))).all()
    best: dict[int, str] = {}
    for target_id, level in rows:
        if LEVEL_ORDER.index(level) > LEVEL_ORDER.index(best.get(target_id, "blue")) \
                or target_id not in best:
            best[target_id] = level
    return best


def order_detail(user: User, order: SupervisionOrder) -> dict[str, Any]:
    """Return an order with its timeline and the caller's actions."""
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    users = _names(User, [e.actor_user_id for e in events], "display_name")
    return {**_order_summary(user, order), "timeline": [{
        "id": e.id, "at": e.at, "action": e.action,
        "action_name": ORDER_ACTIONS.get(e.action, e.action),
        "actor_name": users.get(e.actor_user_id or 0, "系统"), "note": e.note,
        "data": e.data or {},
    } for e in events]}


def get_order(user: User, order_id: int) -> dict[str, Any]:
    """Return one order the caller may read."""
    order = db.session.get(SupervisionOrder, order_id)
    if order is None:
        raise NotFound("找不到该督办", code="order_not_found")
    if not may_view(user, order):
        raise Forbidden("该督办不在您的管辖范围内", code="out_of_scope")
    return order_detail(user, order)


def visible_order_ids(user: User, status: str | None = None) -> list[int]:
    """Return the ids of the orders the caller may read (orders are few: filtered in Python)."""
    query = select(SupervisionOrder).order_by(SupervisionOrder.id.desc()).limit(1000)
    if status:
        query = query.where(SupervisionOrder.status.in_(status.split(",")))
    return [o.id for o in db.session.scalars(query) if may_view(user, o)]


def list_orders(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Return one page of the orders the caller may read, newest first."""
    require_any_staff(user)
    ids = visible_order_ids(user, filters.get("status"))
    if filters.get("target_kind"):
        ids = [i for i in ids if db.session.get(SupervisionOrder, i).target_kind  # type: ignore
               == filters["target_kind"]]
    page, per_page = filters.get("page", 1), filters.get("per_page", 50)
    chunk = ids[(page - 1) * per_page: page * per_page]
    levels = _order_levels(chunk)
    orders = [db.session.get(SupervisionOrder, i) for i in chunk]
    return {"items": [_order_summary(user, o, levels) for o in orders if o is not None],
            "total": len(ids), "page": page, "per_page": per_page}


def require_any_staff(user: User) -> None:
    """Raise 403 for an account without any role."""
    if not user.roles:
        raise Forbidden()


# ---- warnings: the scoped list ----------------------------------------------------------


def _live_condition() -> Any:
    """Warnings whose step is still open with the same deadline (cleared ones excluded)."""
    answer = and_(OverdueWarning.step == "answer", Opinion.state.in_(ANSWER_STATES),
                  Case.answer_due_at == OverdueWarning.due_at)
    sign = and_(OverdueWarning.step == "sign", Opinion.state == "assigned",
                Case.sign_due_at == OverdueWarning.due_at)
    order = and_(OverdueWarning.step == "order", SupervisionOrder.status.in_(WAITING),
                 SupervisionOrder.due_at == OverdueWarning.due_at)
    return and_(OverdueWarning.cleared_at.is_(None), or_(answer, sign, order))


def _warning_query(user: User, filters: dict[str, Any]) -> Any:
    from server.dispatch.services import scope_condition

    query = (select(OverdueWarning, Opinion, Case, SupervisionOrder)
             .outerjoin(Opinion, Opinion.id == OverdueWarning.opinion_id)
             .outerjoin(Case, Case.opinion_id == OverdueWarning.opinion_id)
             .outerjoin(SupervisionOrder, SupervisionOrder.id == OverdueWarning.order_id)
             .where(_live_condition()))
    orders = visible_order_ids(user)
    in_scope = [and_(OverdueWarning.target_kind == "case",
                     OverdueWarning.opinion_id.in_(
                         select(Opinion.id).where(scope_condition(user))))]
    if orders:
        in_scope.append(and_(OverdueWarning.target_kind == "order",
                             OverdueWarning.order_id.in_(orders)))
    query = query.where(or_(*in_scope))
    if filters.get("step"):
        query = query.where(OverdueWarning.step == filters["step"])
    if filters.get("department_id"):
        query = query.where(OverdueWarning.department_id == filters["department_id"])
    if filters.get("unit_id"):
        unit = db.session.get(Unit, filters["unit_id"])
        if unit is None:
            return query.where(false())
        query = query.where(OverdueWarning.unit_id.in_(
            subtree_unit_ids(unit.path)))
    return query


def warning_counts(user: User, filters: dict[str, Any]) -> dict[str, int]:
    """Count the caller's live warnings per colour (filters other than level applied)."""
    query = _warning_query(user, {k: v for k, v in filters.items() if k != "level"})
    sub = query.with_only_columns(OverdueWarning.level).subquery()
    rows = db.session.execute(select(sub.c.level, func.count()).group_by(sub.c.level)).all()
    counts = {level: 0 for level in LEVEL_ORDER}
    counts.update({level: int(n) for level, n in rows})
    return counts


def list_warnings(user: User, filters: dict[str, Any]) -> dict[str, Any]:
    """Return one page of the caller's live warnings, red first, with counts per colour."""
    require_any_staff(user)
    query = _warning_query(user, filters)
    if filters.get("level"):
        query = query.where(OverdueWarning.level == filters["level"])
    rows = db.session.execute(query.order_by(OverdueWarning.due_at, OverdueWarning.id)).all()
    # Keep the highest level of each step (blue then yellow then red are all on record).
    best: dict[tuple[str, int, str], Any] = {}
    for row in rows:
        key = (row[0].target_kind, row[0].target_id, row[0].step)
        if key not in best or LEVEL_ORDER.index(row[0].level) > LEVEL_ORDER.index(
                best[key][0].level):
            best[key] = row
    ordered = sorted(best.values(), key=lambda r: (-LEVEL_ORDER.index(r[0].level),
                                                    r[0].due_at, r[0].id))
    page, per_page = filters.get("page", 1), filters.get("per_page", 50)
    chunk = ordered[(page - 1) * per_page: page * per_page]
    depts = _names(Department, [r[0].department_id for r in chunk])
    members = _names(User, [r[0].member_user_id for r in chunk], "display_name")
    units = _names(Unit, [r[0].unit_id for r in chunk])
    sites = _names(Site, [r[0].site_id for r in chunk])
    now = utcnow()
    gaps = departments_without_handlers(r[0].department_id for r in best.values()
                                        if r[0].member_user_id is None)
    items = []
    for warning, opinion, _case, order in chunk:
        items.append({
            "id": warning.id, "level": warning.level, "level_name": LEVELS[warning.level],
            "step": warning.step, "step_name": STEPS[warning.step],
            "target_kind": warning.target_kind, "target_id": warning.target_id,
            "opinion_id": warning.opinion_id, "order_id": warning.order_id,
            "tracking_no": opinion.tracking_no if opinion else None,
            "text": mask_phones_in_text(opinion.text[:80] if opinion
                                        else (order.demand[:80] if order else "")),
            "state_name": STATES.get(opinion.state, opinion.state) if opinion
            else (ORDER_STATUSES.get(order.status) if order else None),
            "phone": mask_phone(opinion.phone) if opinion else None,
            "department_id": warning.department_id,
            "department_name": depts.get(warning.department_id or 0),
            "member_name": members.get(warning.member_user_id or 0),
            "unit_name": units.get(warning.unit_id or 0),
            "site_name": sites.get(warning.site_id or 0),
            "window_start": warning.window_start, "due_at": warning.due_at,
            "raised_at": warning.raised_at, "overdue": warning.due_at < now,
            "no_handler": warning.member_user_id is None and warning.department_id in gaps,
        })
    counts = {level: 0 for level in LEVEL_ORDER}
    for row in best.values():
        counts[row[0].level] += 1
    if filters.get("level"):
        counts = warning_counts(user, filters)
    return {"items": items, "total": len(ordered), "page": page, "per_page": per_page,
            "counts": counts,
            "departments_without_handlers": [{"id": i, "name": n}
                                             for i, n in sorted(gaps.items())]}


# ---- department heads -------------------------------------------------------------------


def set_department_head(user: User, department_id: int, head_user_id: int | None) -> dict[
        str, Any]:
    """Set who heads a department (receives its red warnings); district admins only."""
    if not any(g.role == "admin" and g.district_wide for g in user.grants):
        raise Forbidden("仅区级管理员可以设置部门负责人", code="district_admin_only")
    dept = db.session.get(Department, department_id)
    if dept is None:
        raise NotFound("找不到该部门", code="department_not_found")
    head = db.session.get(User, head_user_id) if head_user_id is not None else None
    if head_user_id is not None and (head is None or not head.active):
        raise ValidationFailed(errors={"head_user_id": ["该用户不存在或已停用"]})
    dept.head_user_id = head.id if head else None
    db.session.commit()
    return {"id": dept.id, "name": dept.name, "head_user_id": dept.head_user_id,
            "head_name": head.display_name if head else None}
