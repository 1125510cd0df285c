"""A village moderator creates a meeting from /console/meetings and reaches its control page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.meetings.models import Meeting, Topic
from server.meetings.topics import propose_topic
from tests.factories import PASSWORD, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator

pytestmark = pytest.mark.browser

TITLE = "黄庄村东西向农路硬化方案协商会"


def test_moderator_creates_a_meeting_and_opens_its_control_page(
        live_server: Any, browser: Any, artifacts: Path) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    resident, _ = make_resident()
    lights = propose_topic(d.site_a.code, resident.id, "村东头路灯不亮",
                                    "晚上走路看不清")
    bins = propose_topic(d.site_a.code, resident.id, "垃圾桶太少", "")
    propose_topic(d.site_c.code, resident.id, "新丰村的议题", "")
    other = make_meeting(d.site_c, status="published", title="新丰村协商会",
                         starts_at=datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    base = live_server.url

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{base}/console/meetings")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#login-needed").is_visible()
        assert "工作台" in page.locator("#login-needed").inner_text()

        assert context.request.post(f"{base}/api/v1/auth/login",
                                    data={"username": mod.username, "password": PASSWORD}).ok
        page.goto(f"{base}/console")
        page.click(".console-nav a:text('协商活动')")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#rows tr").count() == 0  # 新丰村 is another town's meeting

        page.click("#new-toggle")
        # Only the moderator's own site is offered.
        assert page.locator("#c-site option").all_inner_texts() == [f"{d.site_a.name}（黄庄村）"]
        page.wait_for_selector("#c-topics input")
        assert page.locator("#c-topics label").count() == 2  # not 新丰村's topic
        page.fill("#c-title", TITLE)
        page.fill("#c-starts", "2026-12-01T14:30")
        page.fill("#c-location", "黄庄村党群服务中心议事室")
        page.check("input[name=mode][value=online]")
        assert not page.locator("#c-presence").is_checked()
        page.check("input[name=mode][value=onsite]")
        assert page.locator("#c-presence").is_checked()
        page.fill("input[data-kind=member]", "张明")
        page.fill("input[data-kind=department]", "王强（区交通运输局）、李梅（龙冈镇城建办）")
        page.fill("input[data-kind=resident_rep]", "赵大爷")
        page.fill("#c-agenda li:nth-child(1) input", "村委会介绍修路方案")
        page.click("#add-agenda")
        page.fill("#c-agenda li:nth-child(2) input", "群众代表发言")
        page.check(f"#c-topics input[value='{lights.id}']")
        page.screenshot(path=str(artifacts / "meetings-console-new.png"), full_page=True)
        page.click("#c-submit")

        page.wait_for_url("**/meetings/*/control")
        meeting = db.session.scalars(select(Meeting).where(Meeting.title == TITLE)).one()
        assert page.url.endswith(f"/meetings/{meeting.id}/control")
        page.wait_for_function("document.querySelector('#status').textContent.includes('草稿')")
        assert meeting.site_id == d.site_a.id and meeting.status == "draft"
        assert meeting.presence_check and not meeting.online
        assert meeting.starts_at == datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
        assert [(p.kind, p.name, p.organisation) for p in meeting.participants] == [
            ("member", "张明", ""), ("department", "王强", "区交通运输局"),
            ("department", "李梅", "龙冈镇城建办"), ("resident_rep", "赵大爷", "")]
        assert [(a.title, a.source) for a in meeting.agenda] == [
            ("村委会介绍修路方案", "staff"), ("群众代表发言", "staff"), ("村东头路灯不亮", "topic")]

        page.goto(f"{base}/console/meetings")
        page.wait_for_selector("body[data-ready='1']")
        row = page.locator(f"#rows tr[data-meeting='{meeting.id}']")
        assert TITLE in row.inner_text() and "草稿" in row.inner_text()
        assert "2026年12月1日（周二）14:30" in row.inner_text()
        assert page.locator(f"#rows tr[data-meeting='{other.id}']").count() == 0
        assert row.locator("a.screen").get_attribute("target") == "_blank"
        assert row.locator("a.screen").get_attribute("href") == f"/meetings/{meeting.id}/screen"

        # Pick the other collected topic into the draft from the list.
        row.locator("button.topics").click()
        pick = page.locator(f"tr.topic-row li[data-topic='{bins.id}'] button.pick")
        pick.click()
        page.wait_for_selector("tr.topic-row:has-text('暂无待协商')")
        db.session.expire_all()
        assert db.session.get(Topic, bins.id).meeting_id == meeting.id
        page.select_option("#f-status", "draft")
        page.click("#filters button[type=submit]")
        page.wait_for_selector(f"#rows tr[data-meeting='{meeting.id}']")
        page.screenshot(path=str(artifacts / "meetings-console-list.png"), full_page=True)
        page.select_option("#f-status", "closed")
        page.click("#filters button[type=submit]")
        page.wait_for_selector("#count:text('没有符合条件的协商活动')")

        page.select_option("#f-status", "")
        page.click("#filters button[type=submit]")
        page.locator(f"#rows tr[data-meeting='{meeting.id}'] a.control").click()
        page.wait_for_url(f"**/meetings/{meeting.id}/control")
        page.wait_for_function(f"document.querySelector('#title').textContent.includes('{TITLE}')")
    finally:
        context.close()
