"""Proposals from consultation: review → 转提案 → co-signing → filing → answer → rating."""

from __future__ import annotations

from sqlalchemy import select

from server.common.text import local_time
from server.dispatch.models import Case
from server.dispatch.workdays import add_working_days
from server.duty.models import DutyEvent
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.proposals.models import Proposal
from tests.review.factories import closed_meeting, make_member, make_world, review, staff, user_of

ROAD = "东西向农路年底前完成硬化，沿线安装路灯"


def test_outcome_becomes_a_proposal_that_is_cosigned_filed_answered_and_rated(client) -> None:
    w = make_world()
    _m, (outcome,) = closed_meeting(w, [ROAD])
    assert review(client, w, [{"outcome_id": outcome.id, "decision": "proposal",
                               "title": "关于加快农村道路硬化的提案"}]).status_code == 201
    proposal = db.session.scalars(select(Proposal)).one()
    url = f"/api/v1/proposals/{proposal.id}"
    lead, cosigner = staff(user_of(w.lead)), staff(user_of(w.cosigner))

    # The lead member completes the draft and names a co-signer.
    edited = client.patch(url, headers=lead, json={
        "measures": "一、列入年度计划；二、财政与村集体共担", "cosigner_ids": [w.cosigner.id]})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["cosigners"] == [
        {"member_id": w.cosigner.id, "name": "李秀英", "confirmed": False}]
    # Not submittable until every co-signer confirms.
    early = client.post(f"{url}/submit", headers=lead)
    assert early.status_code == 422 and early.get_json()["errors"]["cosigners"] == [
        "尚未确认联名：李秀英"]
    outsider = make_member("赵六")
    assert client.post(f"{url}/cosign", headers=staff(user_of(outsider))).status_code == 403
    signed = client.post(f"{url}/cosign", headers=cosigner)
    assert signed.get_json()["cosigners"][0]["confirmed"] is True
    submitted = client.post(f"{url}/submit", headers=lead)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"

    # Filing is for staff; it opens the dispatch case with lead and co-handling departments.
    assert client.post(f"{url}/file", headers=lead, json={
        "department_id": w.lead_dept.id}).status_code == 403
    filed = client.post(f"{url}/file", headers=staff(w.dispatcher), json={
        "department_id": w.lead_dept.id, "assisting_department_ids": [w.co_dept.id]})
    assert filed.status_code == 200, filed.get_json()
    body = filed.get_json()
    year = local_time(proposal.created_at).year
    assert body["status"] == "filed" and body["number"] == f"{year}-001"
    opinion = db.session.get(Opinion, body["case"]["opinion_id"])
    case = db.session.get(Case, opinion.id)
    assert opinion.state == "assigned" and "案由：关于加快农村道路硬化的提案" in opinion.text
    assert (case.department_id, case.assisting_department_ids) == (w.lead_dept.id, [w.co_dept.id])
    # The deadline is the dispatch engine's: answer_days working days on the calendar.
    assert case.answer_due_at == add_working_days(opinion.created_at, case.answer_days)
    assert body["case"]["answer_due_at"] == local_time(case.answer_due_at).strftime(
        "%Y-%m-%d %H:%M")

    # The lead department signs and answers through the same workflow.
    assert client.post(f"/api/v1/cases/{opinion.id}/sign",
                       headers=staff(w.handler)).status_code == 200
    answered = client.post(f"{url}/answer", headers=staff(w.handler),
                           json={"text": "已列入明年农村公路提档升级计划"})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["status"] == "answered"

    # Only the proposer rates.
    assert client.post(f"{url}/rating", headers=cosigner,
                       json={"rating": "satisfied"}).status_code == 403
    rated = client.post(f"{url}/rating", headers=lead, json={"rating": "basically",
                                                             "comment": "希望尽快开工"})
    assert rated.status_code == 200
    assert (rated.get_json()["status"], rated.get_json()["rating_name"]) == ("rated", "基本满意")
    assert client.post(f"{url}/rating", headers=lead,
                       json={"rating": "satisfied"}).status_code == 409

    steps = [s["name"] for s in rated.get_json()["timeline"]]
    assert steps == ["起草提案", "修改草稿", "联名委员确认", "提交提案", "立案交办", "承办单位答复",
                     "提案人评价"]
    case_steps = db.session.scalars(select(OpinionEvent.action).where(
        OpinionEvent.opinion_id == opinion.id).order_by(OpinionEvent.id)).all()
    assert case_steps == ["submit", "accept", "assign", "sign", "answer", "proposer_rate"]
    outcome_steps = client.get(f"/api/v1/review/outcomes/{outcome.id}/timeline",
                               headers=staff(w.secretary)).get_json()
    assert [s["name"] for s in outcome_steps["steps"]] == [
        "形成协商成果", "活动结束，进入主席会议审议", "主席会议审议：转提案", "提案：修改草稿",
        "提案：联名委员确认", "提案：提交提案", "提案：立案交办", "提案：承办单位答复",
        "提案：提案人评价"]
    assert outcome_steps["where"]["text"] == (
        f"转为政协提案第 {year}-001 号《关于加快农村道路硬化的提案》，目前已评价")
    # Leading a proposal is on the member's duty record.
    kinds = db.session.scalars(select(DutyEvent.kind).where(DutyEvent.member_id == w.lead.id))
    assert "proposal" in list(kinds)


def test_a_second_proposal_on_the_same_matter_is_merged(client) -> None:
    w = make_world()
    lead = staff(user_of(w.lead))
    ids = []
    for title in ("关于农路硬化的提案", "关于农村道路建设的提案"):
        made = client.post("/api/v1/proposals", headers=lead, json={
            "title": title, "reason": "农路破损", "measures": "列入计划", "site_id": w.d.site_a.id})
        assert made.status_code == 201, made.get_json()
        assert made.get_json()["lead_member"]["id"] == w.lead.id
        ids.append(made.get_json()["id"])
        assert client.post(f"/api/v1/proposals/{ids[-1]}/submit", headers=lead).status_code == 200
    merged = client.post(f"/api/v1/proposals/{ids[1]}/merge", headers=staff(w.dispatcher),
                         json={"into_id": ids[0], "note": "内容相同，并案办理"})
    assert merged.status_code == 200
    assert (merged.get_json()["status"], merged.get_json()["merged_into_id"]) == ("merged", ids[0])
    # A merged proposal is not filed again.
    again = client.post(f"/api/v1/proposals/{ids[1]}/file", headers=staff(w.dispatcher),
                        json={"department_id": w.lead_dept.id})
    assert again.status_code == 409 and again.get_json()["code"] == "proposal_state"
    assert db.session.scalar(select(Opinion.id)) is None


def test_draft_needs_reason_and_measures_before_submission(client) -> None:
    w = make_world()
    lead = staff(user_of(w.lead))
    made = client.post("/api/v1/proposals", headers=lead, json={
        "title": "关于农路的提案", "site_id": w.d.site_a.id}).get_json()
    answer = client.post(f"/api/v1/proposals/{made['id']}/submit", headers=lead)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"reason", "measures"}
    assert client.post("/api/v1/proposals", headers=staff(w.moderator), json={
        "title": "x", "site_id": w.d.site_a.id}).status_code == 403
