"""Demo data for dispatch: routing table, reply templates and a few cases in several states."""

from __future__ import annotations

from sqlalchemy import select

from server.dispatch import workflow
from server.dispatch.models import ReplyTemplate, RoutingRule
from server.extensions import db
from server.intake.models import Category, Opinion
from server.people.models import Grant, User
from server.sites.models import Department, Site

# What residents report in the demo, with the category it belongs to and the department a
# dispatcher sends it to (the routing table below suggests the same): coherent on screen.
REPORTS: list[tuple[str, str, str]] = [
    ("村东头的路灯坏了三个月，晚上出行不安全，希望尽快修复。", "road", "JTYS"),
    ("小区里没有电动车充电桩，大家只能从楼上拉电线，很危险。", "housing", "ZJ"),
    ("村里独居老人吃饭难，希望能办个老年助餐点。", "elderly", "MZ"),
    ("农田里的机耕路坑坑洼洼，收割机开不进去。", "agriculture", "NYNC"),
    ("垃圾清运不及时，夏天气味很大。", "sanitation", "CG"),
    ("河道里漂着很多垃圾，有黑臭的迹象。", "sanitation", "SW"),
    ("学校门口上下学时段车辆乱停，孩子过马路很危险。", "road", "GA"),
    ("老旧小区没有电梯，老人上下楼困难，希望加装电梯。", "housing", "ZJ"),
    ("菜市场周边占道经营严重，道路堵塞。", "order", "CG"),
    ("村卫生室药品不全，老人配药要跑到镇上。", "health", "WJ"),
    ("想咨询一下新农合的缴费时间和标准。", "health", "RS"),
]
# Categories the demo adds beside intake's defaults, so every text above has its own.
EXTRA_CATEGORIES = [("health", "医疗卫生", "help"), ("order", "市容秩序", "complaint")]
ROUTES = {"road": "JTYS", "sanitation": "CG", "elderly": "MZ", "agriculture": "NYNC",
          "housing": "ZJ", "other": "CG", "health": "WJ", "order": "CG"}
DEMO_TEXTS = [text for text, _c, _d in REPORTS]


def demo_categories() -> dict[str, Category]:
    """Return the demo's categories by code (intake's defaults plus the demo's extras)."""
    from server.intake.categories import seed_default_categories

    seed_default_categories()
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name, kind) in enumerate(EXTRA_CATEGORIES, start=1):
        if code not in existing:
            existing[code] = Category(code=code, name=name, default_kind=kind,
                                      sort_order=55 + order, active=True)
            db.session.add(existing[code])
    db.session.commit()
    return existing


def seed_dispatch_demo(cases: int = 6) -> int:
    """Route every category to its department, add reply templates, file a few demo cases."""
    from server.intake.tracking import allocate_tracking_no

    categories = demo_categories()
    departments = {d.code: d for d in db.session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.id))}
    if not departments or not categories:
        return 0
    fallback = next(iter(departments.values()))
    for code, category in categories.items():
        if db.session.scalar(select(RoutingRule).where(
                RoutingRule.category_id == category.id)) is None:
            dept = departments.get(ROUTES.get(code, ""), fallback)
            db.session.add(RoutingRule(category_id=category.id, unit_id=None,
                                       department_id=dept.id))
    if db.session.scalar(select(ReplyTemplate)) is None:
        db.session.add(ReplyTemplate(category_id=None, title="已办结通用答复",
                                     text="您反映的问题我们已实地核查并处理完毕，感谢您的监督。"))
        db.session.add(ReplyTemplate(category_id=None, title="需要时间答复",
                                     text="您反映的问题已列入计划，预计将于近期完成，届时再向您反馈。"))
    db.session.commit()
    admin = db.session.scalar(select(User).join(Grant).where(Grant.role == "admin"))
    sites = list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                    .order_by(Site.id).limit(cases)))
    made = 0
    for index, site in enumerate(sites):
        text, code, dept_code = REPORTS[index % len(REPORTS)]
        category = categories[code]
        opinion = Opinion(tracking_no=allocate_tracking_no(), site_id=site.id,
                          unit_id=site.unit_id, category_id=category.id,
                          kind=category.default_kind, text=text,
                          phone=f"1380000{index:04d}", anonymous=False, state="received",
                          moderation="ok", support_count=0)
        db.session.add(opinion)
        db.session.flush()
        workflow.record_submission(opinion, resident_id=None, entered_by_id=None)
        made += 1
        if admin is None or index % 3 == 0:
            continue  # left waiting in the inbox
        dept = departments.get(dept_code, fallback)
        workflow.assign(opinion.id, admin, department_id=dept.id, note="演示派单")
        if index % 3 == 2:
            workflow.sign(opinion.id, admin)
            workflow.answer(opinion.id, admin, "已安排人员处理，问题已解决。")
    return made
