"""节假日设置 in Chromium: enter a holiday, the warning stays, deadlines move, mark complete."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.dispatch.calendar_days import calendar_year
from server.dispatch.cases import timeline
from server.dispatch.models import Case
from server.extensions import db
from tests.dispatch.factories import make_opinion
from tests.factories import PASSWORD

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.browser
def test_calendar_page_enters_days_and_marks_the_year(world: Any, live_server: Any,
                                                      browser: Any, artifacts: Path) -> None:
    # Received Friday 2027-12-31, 5 working days; 2028 is not in the package: on plain
    # weekends it is due Friday 2028-01-07.
    o = make_opinion(world.d.site_a, kind="help",
                     created_at=datetime(2027, 12, 31, 10, 0, tzinfo=SH))
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        res = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                   data={"username": world.admin.username,
                                         "password": PASSWORD})
        assert res.ok, res.text()
        page = context.new_page()
        page.goto(f"{live_server.url}/console/calendar?year=2028")
        page.wait_for_selector("body[data-ready='1']")
        assert page.is_visible("#year-warning") and "2028" in page.inner_text("#year-warning")
        page.fill("#day", "2028-01-03")
        page.select_option("#kind", "holiday")
        page.fill("#name", "元旦")
        page.click("#add button[type=submit]")
        page.wait_for_selector("#day-rows tr[data-day='2028-01-03']")
        # One holiday is not the year's schedule: the warning stays.
        assert page.is_visible("#year-warning")
        db.session.expire_all()
        due = db.session.get(Case, o.id).answer_due_at.astimezone(SH).date()
        assert due == date(2028, 1, 10)        # recounted: 04, 05, 06, 07, 10
        notes = [e["note"] for e in timeline(o.id)
                 if e["action"] == "deadline_recomputed"]
        assert len(notes) == 1 and "2028-01-07" in notes[0] and "2028-01-10" in notes[0]
        page.screenshot(path=str(artifacts / "calendar-entered.png"), full_page=True)
        page.click("#complete")
        page.wait_for_selector("#year-warning", state="hidden")
        assert "已标记录入完整" in page.inner_text("#status")
        assert calendar_year(2028)["complete"] is True
        db.session.expire_all()
        assert db.session.get(Case, o.id).calendar_warning is None
        page.screenshot(path=str(artifacts / "calendar-complete.png"), full_page=True)
        # The console's warning links here.
        page.goto(f"{live_server.url}/console/")
        assert page.locator(".console-nav a[href='/console/calendar']").count() == 1
    finally:
        context.close()
