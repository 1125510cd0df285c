"""In Chromium: the secretary records a review with four decisions, the site's public outcomes
page and the resident site page show where each went, and the member sees their record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.intake.models import Opinion
from server.meetings.models import Meeting
from server.meetings.presence import check_in
from server.people.models import Resident
from server.proposals import services as proposals
from server.proposals.models import Proposal
from tests.factories import PASSWORD
from tests.review.factories import closed_meeting, make_world, user_of

pytestmark = pytest.mark.browser

TEXTS = ["东西向农路年底前完成硬化", "提请区政协就农村道路养护形成提案", "推广积分超市做法",
         "路灯安装再议"]
DECISIONS = ["adopt", "proposal", "briefing", "return"]


def test_review_session_public_page_and_member_phone(live_server: Any, browser: Any,
                                                     artifacts: Path) -> None:
    w = make_world()
    w.lead.phone = "13912345678"
    db.session.commit()
    meeting, outcomes = closed_meeting(w, TEXTS)
    # The member checked in to another meeting at their site from their phone (same number).
    earlier = Meeting(code="BRW00001", site_id=w.d.site_a.id, title="黄庄村议事会",
                      starts_at=meeting.starts_at, status="in_session", presence_check=False)
    resident = Resident(kind="wechat", appid="wx-test-appid", openid="o-member",
                        phone="13912345678")
    db.session.add_all([earlier, resident])
    db.session.commit()
    check_in(earlier.code, resident.id, None)
    base = live_server.url

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = desk.new_page()
        assert desk.request.post(f"{base}/api/v1/auth/login", data={
            "username": w.secretary.username, "password": PASSWORD}).ok
        page.goto(f"{base}/console/review")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#queue-rows tr").count() == 4
        page.fill("#session-title", "第十二次主席会议")
        page.fill("#attendees", "张主席、刘副主席、陈秘书长")
        for outcome, decision in zip(outcomes, DECISIONS, strict=True):
            row = page.locator(f"#queue-rows tr[data-outcome='{outcome.id}']")
            row.locator("select").select_option(decision)
            if decision == "return":
                row.locator("input").fill("请补充路灯数量和经费来源")
        page.click("#save-session")
        page.wait_for_selector("body[data-saved]")
        assert page.locator("#session-ok").inner_text() == "已保存审议记录，共 4 项决定"
        assert page.locator("#queue-rows tr").count() == 0
        listed = page.locator("#sessions").inner_text()
        assert "张主席、刘副主席、陈秘书长" in listed and "报送社情民意信息" in listed
        page.screenshot(path=str(artifacts / "review-session.png"), full_page=True)
    finally:
        desk.close()

    case = db.session.scalars(select(Opinion)).one()
    proposal = db.session.scalars(select(Proposal)).one()
    expected = {
        outcomes[0].id: f"去向：采纳转办：案件编号 {case.tracking_no}，目前已收到",
        outcomes[1].id: f"去向：转为政协提案《{proposal.title}》，目前草稿",
        outcomes[2].id: "去向：作为社情民意信息报送区委、区政府",
        outcomes[3].id: "去向：退回点位补充完善",
    }

    phone = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = phone.new_page()
        page.goto(f"{base}/outcomes/s/{w.d.site_a.code}")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#error").is_hidden(), page.locator("#error").inner_text()
        shown = {int(li.get_attribute("data-outcome")): li.locator(".where").inner_text()
                 for li in page.locator("#outcomes li.outcome").all()}
        assert shown == expected
        assert page.locator("#fig-activities").inner_text() == "2"
        page.screenshot(path=str(artifacts / "publicity-site.png"), full_page=True)

        # The resident site page says the same beside each outcome.
        page.goto(f"{base}/s/{w.d.site_a.code}")
        page.wait_for_selector(f"li.outcome[data-outcome-id='{outcomes[3].id}'] .where")
        for outcome_id, text in expected.items():
            where = page.locator(f"li.outcome[data-outcome-id='{outcome_id}'] .where")
            assert where.inner_text() == text, outcome_id

        # The member signs in on the phone, sees their record and co-signs a colleague's proposal.
        asked = proposals.create_draft(user_of(w.cosigner), {
            "title": "关于村级议事室适老化改造的提案", "site_id": w.d.site_a.id,
            "cosigner_ids": [w.lead.id]})
        page.goto(f"{base}/member/duty")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#username", user_of(w.lead).username)
        page.fill("#password", PASSWORD)
        page.click("#login button[type=submit]")
        page.wait_for_selector("#record:not([hidden])")
        assert page.locator("#score").inner_text() == "2"
        events = page.locator("#events li").all_inner_texts()
        assert len(events) == 1 and "参加协商活动：黄庄村议事会（挂钩点位）" in events[0]
        assert "还差 3 次" in page.locator("#shortfall").inner_text()
        item = page.locator(f"#proposals li[data-proposal='{asked.id}']")
        item.locator("button:text('确认联名')").click()
        page.wait_for_selector(f"#proposals li[data-proposal='{asked.id}']:has-text('已联名')")
        db.session.expire_all()
        assert [s.confirmed_at is not None for s in db.session.get(Proposal, asked.id).signers] == [
            True]
        page.screenshot(path=str(artifacts / "duty-phone.png"), full_page=True)
    finally:
        phone.close()
