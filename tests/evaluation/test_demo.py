"""`make run`'s demo district shows non-empty figures on the dashboard and the wall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.evaluation import services, wall
from server.extensions import db
from server.sites.models import Unit


def _district() -> Unit:
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    assert root is not None
    return root


def test_demo_seeding_fills_the_four_highs(app: Any) -> None:
    from server.demo import seed_demo

    seed_demo()
    figures = services.dashboard(_district().id, services.make_period(None, None))["figures"]
    for key in ("awareness", "participation", "success", "satisfaction"):
        assert figures[key] is not None and figures[key] > 0, key
    assert figures["collected"] > 100 and figures["rated"] > 0
    assert figures["outcome_rated"] > 0 and figures["activities"] > 0
    snap = wall.snapshot(_district().id)
    assert snap["counters"]["meetings"] == 2 and snap["counters"]["present"] > 0
    assert len(snap["reports"]) == wall.LATEST_REPORTS
    _demo_follows_the_rules()


def _demo_follows_the_rules() -> None:
    """The demo's deadlines are the workflow's: calendar, sign-for, redo (issue 22 item 6)."""
    from datetime import time

    from sqlalchemy import func

    from server.common.text import SHANGHAI
    from server.dispatch.models import Case
    from server.dispatch.workdays import add_working_days, load_calendar
    from server.intake.models import Category, Opinion, OpinionEvent
    from server.sites.models import Department

    cal = load_calendar()
    redo_at = dict(db.session.execute(
        select(OpinionEvent.opinion_id, func.max(OpinionEvent.at))
        .where(OpinionEvent.action == "redo").group_by(OpinionEvent.opinion_id)).all())
    extended = set(db.session.scalars(select(OpinionEvent.opinion_id).where(
        OpinionEvent.action == "approve_extension")))
    rows = db.session.execute(select(Opinion, Case).join(Case, Case.opinion_id == Opinion.id)
                              ).all()
    assert len(rows) > 200
    kinds = {"help": 5, "consult": 3}
    for opinion, case in rows:
        assert case.answer_due_at is not None
        assert case.answer_due_at.astimezone(SHANGHAI).time() == time(23, 59, 59)
        start = redo_at.get(opinion.id, case.received_at)
        if opinion.id not in extended:
            assert case.answer_due_at == add_working_days(start, case.answer_days, cal), \
                opinion.tracking_no
        if opinion.kind in kinds:
            assert case.answer_days == kinds[opinion.kind]
        if case.signed_at is not None or opinion.state == "assigned":
            assert case.sign_due_at is not None, opinion.tracking_no
    assert len(redo_at) > 5
    late_signs = db.session.scalars(select(OpinionEvent).where(OpinionEvent.action == "sign")
                                    ).all()
    assert 0 < sum(bool(e.data.get("late")) for e in late_signs) < len(late_signs)
    # Categories and departments that fit the texts.
    by_text = {o.text: (o.category_id, case.department_id) for o, case in rows}
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    depts = dict(db.session.execute(select(Department.id, Department.name)).all())
    clinic = by_text["村卫生室药品不全，老人配药要跑到镇上。"]
    assert names[clinic[0]] == "医疗卫生"
    market = [case.department_id for o, case in rows if o.text.startswith("菜市场")
              and case.department_id]
    assert market and {depts[d] for d in market} == {"城市管理局"}


@pytest.mark.browser
@pytest.mark.slow
def test_demo_dashboard_screenshot(live_server: Any, new_context: Any, artifacts: Path) -> None:
    from server.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    context = new_context(viewport={"width": 1366, "height": 1400})
    try:
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": "supervisor", "password": DEMO_PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/dashboard")
        page.wait_for_selector("body[data-ready='1']")
        highs = page.locator("#highs .tile")
        for n in range(4):
            assert "%" in highs.nth(n).inner_text(), highs.nth(n).inner_text()
        assert page.locator("#ranking a").count() == 14
        page.screenshot(path=str(artifacts / "evaluation-dashboard-demo.png"), full_page=True)
        wall_page = context.new_page()
        wall_page.set_viewport_size({"width": 1920, "height": 1080})
        wall_page.goto(f"{live_server.url}/console/wall")
        wall_page.wait_for_selector("body[data-ready='1']")
        assert wall_page.locator("#meetings li").count() == 2
        wall_page.screenshot(path=str(artifacts / "evaluation-wall-demo.png"))
    finally:
        context.close()
