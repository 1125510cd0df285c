"""The chair meeting's review: the queue, each of the four decisions, and the timeline."""

from __future__ import annotations

from sqlalchemy import func, select

from server.extensions import db
from server.intake.models import Opinion
from server.meetings.lifecycle import add_outcome, create_meeting
from server.proposals.models import Proposal
from server.review.models import ReviewEvent
from tests.factories import make_user
from tests.review.factories import World, closed_meeting, make_world, review, staff

ROAD = "东西向农路年底前完成硬化"


def queue_ids(client, w: World) -> list[int]:
    answer = client.get("/api/v1/review/queue", headers=staff(w.secretary))
    assert answer.status_code == 200, answer.get_json()
    return [o["outcome_id"] for o in answer.get_json()]


def test_only_closed_meetings_outcomes_wait_for_review(client) -> None:
    w = make_world()
    _m, (done,) = closed_meeting(w, [ROAD])
    running = create_meeting(w.secretary, {
        "site_id": w.d.site_a.id, "title": "还在开的会", "starts_at": done.created_at})
    add_outcome(w.secretary, running.id, "尚未结束的会的成果")
    assert queue_ids(client, w) == [done.id]
    # A moderator cannot record the chair meeting's review.
    denied = client.post("/api/v1/review/sessions", headers=staff(w.moderator), json={
        "held_on": "2026-12-01", "attendees": ["张主席"],
        "decisions": [{"outcome_id": done.id, "decision": "briefing"}]})
    assert denied.status_code == 403 and denied.get_json()["code"] == "review_forbidden"


def test_adopt_turns_the_outcome_into_a_dispatch_case_once(client) -> None:
    w = make_world()
    _m, (outcome,) = closed_meeting(w, [ROAD])
    saved = review(client, w, [{"outcome_id": outcome.id, "decision": "adopt",
                                "note": "交区交通运输局"}])
    assert saved.status_code == 201, saved.get_json()
    decision = saved.get_json()["decisions"][0]
    assert decision["decision_name"] == "采纳转办"
    opinion = db.session.scalars(select(Opinion)).one()
    assert decision["data"]["tracking_no"] == opinion.tracking_no
    assert ROAD in opinion.text and opinion.state == "received"
    assert queue_ids(client, w) == []
    # Decided once: a second session cannot decide it again.
    again = review(client, w, [{"outcome_id": outcome.id, "decision": "briefing"}])
    assert again.status_code == 409 and again.get_json()["code"] == "not_in_review_queue"
    timeline = client.get(f"/api/v1/review/outcomes/{outcome.id}/timeline",
                          headers=staff(w.secretary)).get_json()
    names = [s["name"] for s in timeline["steps"]]
    assert names == ["形成协商成果", "活动结束，进入主席会议审议", "主席会议审议：采纳转办",
                     "转办案件：提交"]
    assert timeline["where"]["text"] == f"采纳转办：案件编号 {opinion.tracking_no}，目前已收到"


def test_proposal_decision_makes_a_draft_led_by_the_attached_member(client) -> None:
    w = make_world()
    _m, (outcome,) = closed_meeting(w, [ROAD])
    saved = review(client, w, [{"outcome_id": outcome.id, "decision": "proposal",
                                "title": "关于加快农村道路硬化的提案"}])
    assert saved.status_code == 201, saved.get_json()
    proposal = db.session.scalars(select(Proposal)).one()
    assert (proposal.status, proposal.lead_member_id, proposal.outcome_id) == (
        "draft", w.lead.id, outcome.id)
    assert proposal.title == "关于加快农村道路硬化的提案" and proposal.reason == ROAD
    assert db.session.scalar(select(func.count(Opinion.id))) == 0
    timeline = client.get(f"/api/v1/review/outcomes/{outcome.id}/timeline",
                          headers=staff(w.secretary)).get_json()
    assert timeline["steps"][-1]["name"] == "主席会议审议：转提案"
    assert timeline["where"]["text"] == "转为政协提案《关于加快农村道路硬化的提案》，目前草稿"


def test_briefing_decision_is_reported_to_party_committee_and_government(client) -> None:
    w = make_world()
    _m, (outcome,) = closed_meeting(w, ["建议全区推广“积分超市”做法"])
    saved = review(client, w, [{"outcome_id": outcome.id, "decision": "briefing",
                                "title": "关于推广积分超市的社情民意"}])
    assert saved.status_code == 201
    assert saved.get_json()["decisions"][0]["data"] == {"to": "区委、区政府",
                                                        "title": "关于推广积分超市的社情民意"}
    timeline = client.get(f"/api/v1/review/outcomes/{outcome.id}/timeline",
                          headers=staff(w.secretary)).get_json()
    assert timeline["where"]["text"] == "作为社情民意信息报送区委、区政府"
    assert timeline["status"] == "decided"


def test_return_goes_back_to_the_site_and_comes_back_after_supplement(client) -> None:
    w = make_world()
    _m, (outcome,) = closed_meeting(w, ["路灯的事再议"])
    no_note = review(client, w, [{"outcome_id": outcome.id, "decision": "return"}])
    assert no_note.status_code == 422 and "decisions.0" in no_note.get_json()["errors"]
    assert db.session.scalar(select(func.count(ReviewEvent.id))) == 0
    saved = review(client, w, [{"outcome_id": outcome.id, "decision": "return",
                                "note": "请补充路灯数量和经费来源"}])
    assert saved.status_code == 201
    assert queue_ids(client, w) == []
    back = client.get("/api/v1/review/returned", headers=staff(w.moderator)).get_json()
    assert [(o["outcome_id"], o["note"]) for o in back] == [
        (outcome.id, "请补充路灯数量和经费来源")]
    other = make_user("moderator", site_id=w.d.site_c.id)
    assert client.post(f"/api/v1/review/outcomes/{outcome.id}/resubmit", headers=staff(other),
                       json={"note": "x"}).status_code == 403
    again = client.post(f"/api/v1/review/outcomes/{outcome.id}/resubmit",
                        headers=staff(w.moderator), json={"note": "路灯 12 盏，村集体出资"})
    assert again.status_code == 200 and again.get_json()["status"] == "pending"
    assert queue_ids(client, w) == [outcome.id]
    timeline = client.get(f"/api/v1/review/outcomes/{outcome.id}/timeline",
                          headers=staff(w.secretary)).get_json()
    assert [s["name"] for s in timeline["steps"]][2:] == [
        "主席会议审议：退回补充", "点位补充后重新提交"]
    assert timeline["where"]["text"] == "已补充，等待主席会议再次审议"


def test_one_session_with_four_decisions_is_all_or_nothing_on_bad_input(client) -> None:
    w = make_world()
    _m, outcomes = closed_meeting(w, ["成果一", "成果二", "成果三", "成果四"])
    kinds = ["adopt", "proposal", "briefing", "return"]
    bad = review(client, w, [{"outcome_id": o.id, "decision": k, "note": ""}
                             for o, k in zip(outcomes, kinds, strict=True)])
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(ReviewEvent.id))) == 0
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    good = review(client, w, [{"outcome_id": o.id, "decision": k, "note": "说明"}
                              for o, k in zip(outcomes, kinds, strict=True)])
    assert good.status_code == 201, good.get_json()
    body = good.get_json()
    assert body["attendees"] == ["张主席", "刘副主席", "陈秘书长"]
    assert [d["decision"] for d in body["decisions"]] == kinds
    listed = client.get("/api/v1/review/sessions", headers=staff(w.secretary)).get_json()
    assert [s["id"] for s in listed] == [body["id"]]
