"""The site's resident page in Chromium: follow the room, upcoming meetings, results with
outcomes, feedback and their cases, topics with support buttons; large text too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.common.models import utcnow
from server.extensions import db
from server.meetings import services
from server.meetings.models import SiteFollow, Topic
from server.notify.models import Notification
from tests.factories import make_district, make_resident
from tests.intake.factories import categories
from tests.intake.test_resident_page import AUDIT_JS
from tests.meetings.factories import check_in_directly, make_meeting, make_moderator, make_poll

pytestmark = pytest.mark.browser


def _past_meeting(d, mod):
    meeting = make_meeting(d.site_a, title="黄庄村东西向农路硬化协商会",
                           location="黄庄村委会二楼议事室",
                           starts_at=utcnow() - timedelta(days=12))
    services.update_meeting(mod, meeting.id, {"agenda": [{"title": "农路硬化的先后顺序"},
                                                         {"title": "路灯安装位置"}]})
    poll = make_poll(mod, meeting, title="是否同意先修东西向农路")
    yes, no, _abstain = (o.id for o in poll.options)
    for choice in [yes, yes, yes, no]:
        resident, _ = make_resident()
        check_in_directly(meeting, resident.id)
        services.rebuild.rebuild_poll(poll.id)
        services.cast_vote(poll.id, resident.id, [choice], f"k-{resident.id}")
    services.close_poll(mod, poll.id)
    done = services.add_outcome(mod, meeting.id, "东西向农路年底前完成硬化，由镇交通办牵头",
                                "已列入镇年度计划，11 月开工")
    services.add_outcome(mod, meeting.id, "路灯先装 12 盏，村里负责日常维护")
    services.outcome_to_case(mod, done.id)
    services.update_meeting(mod, meeting.id, {"minutes": "参会群众 4 人，委员 1 人。\n商定两项。"})
    services.set_meeting_status(mod, meeting.id, "closed")
    return meeting


def test_site_page_shows_meetings_outcomes_topics_and_follows(live_server, phone, artifacts):
    d = make_district()
    categories()
    mod = make_moderator(d.site_a)
    past = _past_meeting(d, mod)
    upcoming = make_meeting(d.site_a, status="published", title="村口停车位规划协商会",
                            location="黄庄村文化礼堂", starts_at=utcnow() + timedelta(days=3))
    proposer, _ = make_resident()
    topic = services.propose_topic(d.site_a.code, proposer.id, "村里想建一个健身广场",
                                   "老人晚上想有个地方活动")
    services.propose_topic(d.site_a.code, proposer.id, "河边加装护栏")
    case_no = past.outcomes[0].case_opinion.tracking_no

    phone.goto(f"{live_server.url}/s/{d.site_a.code}")
    phone.wait_for_selector(f"#meeting-results [data-meeting='{past.code}']")
    phone.wait_for_selector("#follow-toggle:not([hidden])")
    phone.wait_for_selector(f"#topic-list [data-topic='{topic.id}']")
    results = phone.inner_text("#meeting-results")
    expected = ["黄庄村东西向农路硬化协商会", "是否同意先修东西向农路",
                "赞成 3 票，反对 1 票，弃权 0 票", "商定：东西向农路年底前完成硬化",
                "落实反馈：已列入镇年度计划", case_no, "正在落实，有进展会在这里公布",
                "4 位群众签到参加", "议题：农路硬化的先后顺序"]
    for text in expected:
        assert text in results, text
    coming = phone.inner_text("#meetings-upcoming")
    assert "村口停车位规划协商会" in coming and "黄庄村文化礼堂" in coming
    assert phone.get_attribute(f"[data-meeting='{upcoming.code}'] a.button", "href") \
        == f"/m/{upcoming.code}"
    assert phone.is_hidden("#meeting-results-empty") and phone.is_hidden("#meetings-upcoming-empty")

    # Follow the room, then support a topic.
    phone.click("#follow-toggle")
    phone.wait_for_selector("#follow-toggle[aria-pressed='true']")
    assert "共 1 人关注" in phone.inner_text("#follow-text")
    phone.click(f"[data-topic='{topic.id}'] button.support")
    phone.wait_for_function(
        f"document.querySelector(\"[data-topic='{topic.id}']\").textContent.includes('2 人支持')")
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).supporters == 2
    follower = db.session.scalars(select(SiteFollow)).one()

    # Elder-friendly: contrast and tap targets hold, in large text too.
    audit = phone.evaluate(AUDIT_JS)
    assert audit["low"] == [] and audit["small"] == [], audit
    phone.click("#large-toggle")
    audit = phone.evaluate(AUDIT_JS)
    assert audit["base"] == "24px"
    assert audit["low"] == [] and audit["small"] == [], audit
    phone.click("#site-meetings details.minutes summary")
    phone.locator("#site-meetings").screenshot(path=str(artifacts / "meetings-site-page-large.png"))
    phone.screenshot(path=str(artifacts / "meetings-site-page.png"), full_page=True)

    # The resident who just followed hears about the next meeting the room publishes.
    draft = make_meeting(d.site_a, status="draft", title="秋冬季防火安全协商会",
                         starts_at=utcnow() + timedelta(days=9))
    services.set_meeting_status(mod, draft.id, "published")
    note = db.session.scalars(select(Notification).where(
        Notification.resident_id == follower.resident_id)).one()
    assert note.event == "meeting_published" and "秋冬季防火安全协商会" in note.body
    phone.reload()
    phone.wait_for_selector(f"[data-meeting='{draft.code}']")


def test_moderator_turns_an_outcome_into_a_case_on_the_control_page(live_server, browser,
                                                                      artifacts):
    from tests.factories import PASSWORD

    d = make_district()
    categories()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a, status="closed", title="朱沟村小区停车协商会")
    base = live_server.url
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        assert desk.request.post(f"{base}/api/v1/auth/login",
                                 data={"username": mod.username, "password": PASSWORD}).ok
        page = desk.new_page()
        page.goto(f"{base}/meetings/{meeting.id}/control")
        page.wait_for_selector("body[data-ready='true']")
        page.fill("#outcome-text", "小区东侧空地改建 30 个停车位，由物业负责划线")
        page.click("#outcome-add")
        page.wait_for_selector("#outcomes .outcome button.to-case")
        page.click("#outcomes .outcome button.to-case")
        page.wait_for_selector("#outcomes .case:has-text('已转为办理事项')")
        db.session.expire_all()
        outcome = db.session.get(type(meeting), meeting.id).outcomes[0]
        assert outcome.case_opinion is not None
        text = page.inner_text("#outcomes .case")
        assert outcome.case_opinion.tracking_no in text and "待受理" in text
        page.screenshot(path=str(artifacts / "meetings-control-outcome-case.png"), full_page=True)
    finally:
        desk.close()


def test_meeting_phone_page_shows_outcomes_and_leads_to_their_rating(live_server, phone,
                                                                      artifacts):
    d = make_district()
    categories()
    mod = make_moderator(d.site_a)
    past = _past_meeting(d, mod)
    # A later meeting of the same room, so the page must find the right one.
    make_meeting(d.site_a, status="closed", title="村口停车位规划协商会",
                 starts_at=utcnow() - timedelta(days=2))
    phone.goto(f"{live_server.url}/m/{past.code}")
    phone.wait_for_selector("#outcomes-card:not([hidden]) #outcomes li")
    card = phone.inner_text("#outcomes-card")
    assert "商定：东西向农路年底前完成硬化，由镇交通办牵头" in card
    assert "落实反馈：已列入镇年度计划，11 月开工" in card
    assert "落实反馈：正在落实" in card  # the second outcome has no feedback yet
    assert phone.is_hidden("#checkin-card") and phone.is_hidden("#proposal-card")  # it is over
    phone.screenshot(path=str(artifacts / "meetings-phone-outcomes.png"), full_page=True)
    phone.click("#outcomes-link")
    phone.wait_for_url(f"**/s/{d.site_a.code}#/meeting/{past.code}")
    focused = phone.locator("li.meeting.focus")
    focused.wait_for()
    assert focused.get_attribute("data-meeting") == past.code
    assert focused.locator(".outcome-rating").count() == 2
    assert phone.locator("li.meeting.focus").count() == 1
