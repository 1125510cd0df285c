"""Demo data for supervision: a department head, late cases of every colour, a few orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.common.demo import DemoAccount
from server.common.models import utcnow
from server.dispatch import workflow
from server.dispatch.models import Case
from server.dispatch.workdays import add_working_days, load_calendar
from server.extensions import db
from server.intake.models import Category, Opinion
from server.people.models import Grant, User
from server.sites.models import Department, Site
from server.supervision import services
from server.supervision.levels import level_for
from server.supervision.models import OrderEvent, SupervisionOrder

# (text, step, wanted colour, department code or "member", category code)
LATE_CASES = [
    ("龙冈镇黄庄村村口桥面护栏断裂，学生上下学经过很危险。", "answer", "red", "JTYS", "road"),
    ("农田灌溉渠堵塞，下游二十多亩秧田放不进水。", "answer", "red", "SW", "agriculture"),
    ("村道两侧杂草长得比人高，会车看不见对面来车。", "answer", "yellow", "JTYS", "road"),
    ("公交站台顶棚漏雨，老人候车只能站在雨里。", "answer", "blue", "JTYS", "road"),
    ("村里的健身器材坏了两件，希望更换。", "answer", "blue", "member", "other"),
    ("乡村公路新装的减速带太高，电动车经过容易摔倒。", "sign", "red", "JTYS", "road"),
    ("老旧小区楼道灯不亮，晚上上下楼要摸黑。", "sign", "yellow", "ZJ", "housing"),
]


def _department(code: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.code == code))


def _user(role: str) -> User | None:
    return db.session.scalar(select(User).join(Grant).where(Grant.role == role)
                             .order_by(User.id).limit(1))


def _moment_for(colour: str, step: str, days: int, now: datetime, cal: Any) -> datetime | None:
    """Find when a step must have started for the real rules to show `colour` at `now`.

    Walks back hour by hour: the deadline is the calendar's (`days` working days after the
    start), the colour is the sweep's own rule (supervision.levels).
    """
    if colour == "red":  # long past its deadline
        return now - timedelta(days=2 * days + 10)
    rules = services.thresholds()
    for hours in range(1, 24 * 45):
        start = now - timedelta(hours=hours)
        due = add_working_days(start, days, cal)
        if level_for(start, due, now, cal, rules) == colour:
            return start
    return None


def _late_case(index: int, site: Site, category: Category | None, text: str, step: str,
               colour: str, target: str, admin: User, now: datetime, cal: Any) -> Opinion | None:
    """File a case through the workflow at a past moment the real rules make `colour` now."""
    from server.dispatch.deadlines import DEFAULT_ANSWER_DAYS, DEFAULT_SIGN_DAYS
    from server.intake.tracking import allocate_tracking_no

    kind = category.default_kind if category else "suggestion"
    days = DEFAULT_SIGN_DAYS if step == "sign" else DEFAULT_ANSWER_DAYS.get(kind, 15)
    start = _moment_for(colour, step, days, now, cal)
    if start is None:
        return None  # e.g. no sign-for step can be yellow on a holiday
    received = start if step == "answer" else start - timedelta(hours=1)
    opinion = Opinion(tracking_no=allocate_tracking_no(received), site_id=site.id,
                      unit_id=site.unit_id, category_id=category.id if category else None,
                      kind=kind, text=text, phone=f"1391234{index:04d}", anonymous=False,
                      state="received", moderation="ok", support_count=0, created_at=received)
    db.session.add(opinion)
    db.session.flush()
    workflow.record_submission(opinion, resident_id=None, entered_by_id=None)
    assigned = start if step == "sign" else received + timedelta(minutes=30)
    if target == "member":
        member = _user("member")
        workflow.assign(opinion.id, admin, member_user_id=member.id if member else None,
                        note="演示派单", now=assigned)
    else:
        dept = _department(target)
        workflow.assign(opinion.id, admin, department_id=dept.id if dept else None,
                        note="演示派单", now=assigned)
    if step == "answer":
        workflow.sign(opinion.id, admin, now=received + timedelta(hours=1))
    return opinion


def _order(kind: str, issuer: User, demand: str, due: datetime, issued: datetime, *,
           opinion: Opinion | None = None, department: Department | None = None,
           site: Site | None = None, status: str = "issued", reply: str | None = None,
           responder: User | None = None) -> SupervisionOrder:
    if opinion is not None and department is None:
        case = db.session.get(Case, opinion.id)
        department = db.session.get(Department, case.department_id) \
            if case and case.department_id else None
    order = SupervisionOrder(
        target_kind=kind, opinion_id=opinion.id if opinion else None,
        department_id=department.id if department else None,
        site_id=site.id if site else (opinion.site_id if opinion else None),
        unit_id=site.unit_id if site else (opinion.unit_id if opinion else
                                           (department.unit_id if department else None)),
        demand=demand, issued_by_id=issuer.id, issued_at=issued, due_set_at=issued,
        due_at=due, status=status, escalations=0)
    db.session.add(order)
    db.session.flush()
    db.session.add(OrderEvent(order_id=order.id, action="issue", actor_user_id=issuer.id,
                              note=demand, data={"due_at": due.isoformat()}, at=issued))
    if opinion is not None:
        workflow.record_note(opinion.id, "supervise", user=issuer, role="supervisor",
                             note=demand, data={"order_id": order.id})
    if reply and responder is not None:
        order.responded_at = issued + timedelta(days=1)
        db.session.add(OrderEvent(order_id=order.id, action="respond",
                                  actor_user_id=responder.id, note=reply,
                                  at=order.responded_at))
    return order


def seed_supervision_demo(now: datetime | None = None) -> list[Any]:
    """Add a department head, late cases giving warnings of all colours, orders; sweep."""
    from server.supervision.sweep import sweep

    now = now or utcnow()
    admin, supervisor = _user("admin"), _user("supervisor")
    roads = _department("JTYS")
    sites = list(db.session.scalars(select(Site).where(Site.kind == "room", Site.active.is_(True))
                                    .order_by(Site.id).limit(len(LATE_CASES))))
    if admin is None or supervisor is None or roads is None or not sites:
        return []
    # Same public demo password as the admin's: reuse its hash (Argon2 takes ~1 s here).
    head = User(username="jtys_head", display_name="交通运输局局长",
                password_hash=admin.password_hash,
                grants=[Grant(role="handler", department_id=roads.id)])
    db.session.add(head)
    db.session.flush()
    roads.head_user_id = head.id
    db.session.commit()
    categories = list(db.session.scalars(select(Category).order_by(Category.id)))
    cal = load_calendar()
    by_code = {c.code: c for c in categories}
    cases = [
        _late_case(i, sites[i % len(sites)], by_code.get(code), text, step, colour, target,
                   admin, now, cal)
        for i, (text, step, colour, target, code) in enumerate(LATE_CASES)
    ]
    handler = _user("handler")
    _order("department", supervisor, "近一个月有多件案件超期未答复，请说明原因并限期整改。",
           now + timedelta(hours=1), now - timedelta(days=20), department=roads)
    if cases[0] is not None:
        _order("case", supervisor, "护栏断裂涉及学生安全，请立即设置警示并于期限内修复、答复群众。",
               now - timedelta(days=1), now - timedelta(days=10), opinion=cases[0])
    _order("site", supervisor, "请本月内组织一次“有事好商量”协商议事活动并上传记录。",
           add_working_days(now, 15, cal), now, site=sites[0])
    _order("department", supervisor, "请核实并答复群众关于公交站台的反映。",
           add_working_days(now, 5, cal), now - timedelta(days=3), department=roads,
           status="responded", reply="已安排维修班组，本周内完成顶棚修复。", responder=handler)
    db.session.commit()
    sweep(now)
    return [DemoAccount("jtys_head", "handler", "交通运输局（负责人）")]
