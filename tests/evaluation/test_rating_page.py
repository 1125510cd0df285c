"""The resident rates on the site page at 360×640: an answer (then changes it) and a meeting
outcome; the 7-day limit is shown, a resident who did not check in hears why not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch import workflow
from server.evaluation.models import OutcomeRating
from server.extensions import db
from server.intake.models import Opinion
from server.meetings.models import Outcome
from tests.dispatch.factories import make_opinion
from tests.factories import make_district, make_resident, make_user
from tests.intake.factories import categories
from tests.intake.test_resident_page import AUDIT_JS
from tests.meetings.factories import check_in_directly, make_meeting

pytestmark = pytest.mark.browser


def _closed_meeting(site, title: str, text: str) -> tuple[object, Outcome]:
    meeting = make_meeting(site, status="closed", title=title,
                           starts_at=utcnow() - timedelta(days=1))
    outcome = Outcome(meeting_id=meeting.id, text=text, feedback="")
    db.session.add(outcome)
    db.session.commit()
    return meeting, outcome


def _audit(phone) -> None:
    audit = phone.evaluate(AUDIT_JS)
    assert audit["low"] == [] and audit["small"] == [], audit


def test_resident_rates_an_answer_changes_it_and_rates_an_outcome(live_server, phone,
                                                                   artifacts):
    d = make_district()
    categories()
    resident, token = make_resident()
    opinion = make_opinion(d.site_a, resident_id=resident.id, text="村口路灯坏了，晚上看不清路")
    workflow.assign(opinion.id, make_user("dispatcher"), department_id=d.department.id)
    handler = make_user("handler", department_id=d.department.id)
    workflow.sign(opinion.id, handler)
    workflow.answer(opinion.id, handler, "已更换村口路灯灯头，今晚起恢复照明。")
    number = opinion.tracking_no
    attended, road = _closed_meeting(d.site_a, "黄庄村农路硬化协商会",
                                     "东西向农路年底前完成硬化，由镇交通办牵头")
    check_in_directly(attended, resident.id)
    _other, lamps = _closed_meeting(d.site_a, "黄庄村路灯安装协商会", "路灯先装 12 盏")
    # The page keeps the resident's token in localStorage: start as this resident.
    phone.context.add_init_script(f"localStorage.setItem('sl.resident.token', '{token}')")
    url = f"{live_server.url}/s/{d.site_a.code}"

    # 1. Rate the answer: 满意.
    phone.goto(f"{url}#/mine/{number}")
    phone.wait_for_selector("#rating-box:not([hidden])")
    phone.click("#rating-box .choice[data-rating='satisfied']")
    phone.fill("#rating-comment", "修得很快")
    phone.click("#rating-submit")
    phone.wait_for_selector("#rated-box:not([hidden])")
    assert phone.inner_text("#rated-text") == "满意：修得很快"
    assert phone.inner_text("#detail-status") == "已办结"
    assert phone.is_hidden("#rating-box")
    db.session.expire_all()
    rated_at = db.session.get(Opinion, opinion.id).rated_at
    until = rated_at + timedelta(days=7) + timedelta(hours=8)  # shown in Beijing time
    label = f"修改评价（{until.month}月{until.day}日{until:%H:%M}前可修改）"
    assert phone.inner_text("#rating-change") == label
    assert "前可以修改" in phone.inner_text("#rated-window")
    _audit(phone)
    phone.screenshot(path=str(artifacts / "rating-answer-rated.png"), full_page=True)

    # 2. Change it to 不满意: the page says it goes back for redo, and it does.
    phone.click("#rating-change")
    assert phone.get_attribute("#rating-box .choice[data-rating='satisfied']",
                               "aria-pressed") == "true"
    assert phone.input_value("#rating-comment") == "修得很快"
    phone.click("#rating-box .choice[data-rating='unsatisfied']")
    assert phone.is_visible("#rating-redo-note")
    phone.fill("#rating-comment", "第二天又不亮了")
    _audit(phone)
    phone.screenshot(path=str(artifacts / "rating-answer-change.png"), full_page=True)
    phone.click("#rating-submit")
    phone.wait_for_function(
        "document.getElementById('rated-text').textContent.startsWith('不满意')")
    assert phone.inner_text("#detail-status") != "已办结"
    assert phone.is_visible("#rating-change")
    db.session.expire_all()
    row = db.session.get(Opinion, opinion.id)
    assert row.rating == "unsatisfied" and row.state == "in_progress"
    assert row.rated_at == rated_at  # the 7 days still count from the first rating

    # 8 days later the rating is final: no change button, "评价已确定".
    row.rated_at = rated_at - timedelta(days=8)
    db.session.commit()
    phone.reload()
    phone.wait_for_selector("#rated-box:not([hidden])")
    assert phone.inner_text("#rated-window") == "评价已确定"
    assert phone.is_hidden("#rating-change") and phone.is_hidden("#rating-box")

    # 3. Rate a meeting outcome on the site page, in large text.
    phone.goto(url)
    box = f"[data-outcome='{road.id}']"
    phone.wait_for_selector(f"{box} .choice")
    # At 360 px every choice, 基本满意 included, fits inside its button and the card.
    overflow = phone.eval_on_selector_all(f"{box} .choice", """bs => bs.map(b => {
        const r = b.getBoundingClientRect();
        const card = b.closest('.outcome-rating').getBoundingClientRect();
        return [b.textContent, b.scrollWidth > b.clientWidth || r.right > card.right + 0.5];
    }).filter(([, over]) => over)""")
    assert overflow == [], overflow
    phone.locator(box).screenshot(path=str(artifacts / "rating-outcome-360.png"))
    phone.click("#large-toggle")
    assert "签到参加" in phone.inner_text(box)
    phone.click(f"{box} .choice[data-rating='basically']")
    phone.fill(f"{box} textarea", "希望早点开工")
    phone.click(f"{box} .rate-submit")
    phone.wait_for_selector(f"{box} .rate-change:not([hidden])")
    assert phone.inner_text(f"{box} .rate-current") == "您的评价：基本满意：希望早点开工"
    assert "前可修改" in phone.inner_text(f"{box} .rate-change")
    assert phone.is_hidden(f"{box} .rating-choices")
    db.session.expire_all()
    mine = db.session.scalars(select(OutcomeRating)).one()
    assert (mine.outcome_id, mine.resident_id, mine.rating) == (road.id, resident.id, "basically")

    # An outcome of a meeting the resident did not attend: no question, only who may rate.
    other = f"[data-outcome='{lamps.id}']"
    phone.wait_for_function(f"document.querySelector(\"{other} .rating-choices\").hidden")
    assert phone.locator(f"{other} .choice").first.is_hidden()
    assert phone.is_hidden(f"{other} .rate-submit")
    assert "签到参加了这次协商的群众可以评价" in phone.inner_text(other)
    _audit(phone)
    phone.locator("#site-meetings").screenshot(path=str(artifacts / "rating-outcome-large.png"))

    # A reload shows the saved rating (GET), and it can be changed within the 7 days.
    phone.reload()
    phone.wait_for_selector(f"{box} .rate-change:not([hidden])")
    phone.click(f"{box} .rate-change")
    assert phone.get_attribute(f"{box} .choice[data-rating='basically']", "aria-pressed") == "true"
    phone.click(f"{box} .choice[data-rating='satisfied']")
    phone.click(f"{box} .rate-submit")
    phone.wait_for_function(
        f"document.querySelector(\"{box} .rate-current\").textContent"
        " === '您的评价：满意：希望早点开工'")
    db.session.expire_all()
    assert db.session.scalars(select(OutcomeRating)).one().rating == "satisfied"
    phone.screenshot(path=str(artifacts / "rating-outcome-site-page.png"), full_page=True)
