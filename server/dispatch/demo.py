"""Demo data for dispatch: routing table, reply templates and a few cases in several states."""

from __future__ import annotations

from sqlalchemy import select

from server.dispatch import workflow
from server.dispatch.models import ReplyTemplate, RoutingRule
from server.extensions import db
from server.intake.models import Category, Opinion
from server.people.models import Grant, User
from server.sites.models import Department, Site

DEMO_TEXTS = [
    "村东头的路灯坏了三个月，晚上出行不安全，希望尽快修复。",
    "小区里没有电动车充电桩，大家只能从楼上拉电线，很危险。",
    "村里独居老人吃饭难，希望能办个老年助餐点。",
    "农田里的机耕路坑坑洼洼，收割机开不进去。",
    "垃圾清运不及时，夏天气味很大。",
    "想咨询一下新农合的缴费时间和标准。",
]


def seed_dispatch_demo(cases: int = 6) -> int:
    """Route every category to a department, add reply templates, file a few demo cases."""
    from server.intake.categories import seed_default_categories
    from server.intake.tracking import allocate_tracking_no

    categories = seed_default_categories()
    departments = list(db.session.scalars(select(Department).where(Department.active.is_(True))
                                          .order_by(Department.id)))
    if not departments or not categories:
        return 0
    for index, category in enumerate(categories):
        if db.session.scalar(select(RoutingRule).where(
                RoutingRule.category_id == category.id)) is None:
            db.session.add(RoutingRule(category_id=category.id, unit_id=None,
                                       department_id=departments[index % len(departments)].id))
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
        category: Category = categories[index % len(categories)]
        opinion = Opinion(tracking_no=allocate_tracking_no(), site_id=site.id,
                          unit_id=site.unit_id, category_id=category.id,
                          kind=category.default_kind, text=DEMO_TEXTS[index % len(DEMO_TEXTS)],
                          phone=f"1380000{index:04d}", anonymous=False, state="received",
                          moderation="ok", support_count=0)
        db.session.add(opinion)
        db.session.flush()
        workflow.record_submission(opinion, resident_id=None, entered_by_id=None)
        made += 1
        if admin is None or index % 3 == 0:
            continue  # left waiting in the inbox
        dept = departments[index % len(departments)]
        workflow.assign(opinion.id, admin, department_id=dept.id, note="演示派单")
        if index % 3 == 2:
            workflow.sign(opinion.id, admin)
            workflow.answer(opinion.id, admin, "已安排人员处理，问题已解决。")
    return made
