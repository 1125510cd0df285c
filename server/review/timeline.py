"""Where an outcome went: its timeline for staff and its one line for residents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.common.text import local_time
from server.dispatch.workflow import ACTION_NAMES
from server.errors import NotFound
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.intake.resident import RESIDENT_STATUS
from server.meetings.models import Meeting, Outcome
from server.proposals import services as proposals
from server.proposals.models import STATUSES, Proposal
from server.review.models import DECISIONS, ITEM_STATUSES, ReviewEvent, ReviewItem


def _at(value: Any) -> str:
    return local_time(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _step(at: Any, source: str, name: str, note: str = "", **data: Any) -> dict[str, Any]:
    return {"at": _at(at), "source": source, "name": name, "note": note, "data": data,
            "_sort": at}


def outcome_timeline(outcome_id: int) -> dict[str, Any]:
    """Return every step of an outcome: agreed, queued, decisions, then its case or proposal."""
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    meeting = db.session.get(Meeting, outcome.meeting_id)
    assert meeting is not None
    steps = [_step(outcome.created_at, "meeting", "形成协商成果", outcome.text)]
    if meeting.status == "closed" and meeting.closed_at is not None:
        steps.append(_step(meeting.closed_at, "review", "活动结束，进入主席会议审议"))
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.outcome_id == outcome_id)
                                .order_by(ReviewEvent.id))
    for event in events:
        if event.action == "resubmit":
            steps.append(_step(event.at, "review", "点位补充后重新提交", event.note))
        else:
            name = f"主席会议审议：{DECISIONS[event.decision or '']}"
            steps.append(_step(event.at, "review", name, event.note, decision=event.decision,
                               session_id=event.session_id, **event.data))
    item = db.session.get(ReviewItem, outcome_id)
    if item is not None and item.opinion_id is not None:
        for row in db.session.scalars(select(OpinionEvent).where(
                OpinionEvent.opinion_id == item.opinion_id).order_by(OpinionEvent.id)):
            name = f"转办案件：{ACTION_NAMES.get(row.action, row.action)}"
            steps.append(_step(row.at, "case", name, row.note or "", state=row.to_state))
    if item is not None and item.proposal_id is not None:
        proposal = proposals.get(item.proposal_id)
        for row in proposal.events:
            if row.action == "draft":
                continue  # the review decision above is this step
            steps.append(_step(row.at, "proposal",
                               f"提案：{proposals.EVENT_NAMES.get(row.action, row.action)}",
                               row.note, **row.data))
    steps.sort(key=lambda s: s.pop("_sort"))
    return {"outcome_id": outcome.id, "text": outcome.text, "meeting_id": meeting.id,
            "meeting_title": meeting.title, "status": item.status if item else "pending",
            "status_name": ITEM_STATUSES[item.status if item else "pending"],
            "where": where(outcome, item), "steps": steps}


def where(outcome: Outcome, item: ReviewItem | None) -> dict[str, Any]:
    """Say in one line where an outcome went, for the resident pages."""
    if item is None or item.status == "pending":
        resubmitted = item is not None and item.decision == "return"
        return {"decision": None, "decision_name": "待主席会议审议",
                "text": "已补充，等待主席会议再次审议" if resubmitted else "等待主席会议审议"}
    name = DECISIONS[item.decision or ""]
    text = name
    if item.decision == "adopt" and item.opinion_id is not None:
        opinion = db.session.get(Opinion, item.opinion_id)
        if opinion is not None:
            text = (f"采纳转办：案件编号 {opinion.tracking_no}，"
                    f"目前{RESIDENT_STATUS.get(opinion.state, opinion.state)}")
    elif item.decision == "proposal" and item.proposal_id is not None:
        proposal = db.session.get(Proposal, item.proposal_id)
        if proposal is not None:
            number = f"第 {proposal.number} 号" if proposal.number else ""
            text = f"转为政协提案{number}《{proposal.title}》，目前{_proposal_state(proposal)}"
    elif item.decision == "briefing":
        text = "作为社情民意信息报送区委、区政府"
    elif item.decision == "return":
        text = "退回点位补充完善"
    return {"decision": item.decision, "decision_name": name, "text": text}


def _proposal_state(proposal: Proposal) -> str:
    return STATUSES[proposal.status]


def where_for_outcomes(outcome_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Say where each of several outcomes went."""
    items = {i.outcome_id: i for i in db.session.scalars(
        select(ReviewItem).where(ReviewItem.outcome_id.in_(outcome_ids)))} if outcome_ids else {}
    outcomes: list[Outcome] = list(db.session.scalars(
        select(Outcome).where(Outcome.id.in_(outcome_ids)))) if outcome_ids else []
    return {o.id: where(o, items.get(o.id)) for o in outcomes}
