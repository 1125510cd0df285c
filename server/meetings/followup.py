"""Outcomes followed up as dispatch cases (成果转办), and how residents read them."""

from __future__ import annotations

import time
from typing import Any

import redis
from sqlalchemy import select

from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db, get_redis
from server.meetings import keys
from server.meetings.lookup import moderated_meeting
from server.meetings.models import Meeting, Outcome
from server.people.models import User


def case_public(opinion: Any, staff: bool = False) -> dict[str, Any] | None:
    """Describe the case that follows an outcome up: its number and where it stands."""
    if opinion is None:
        return None
    from server.intake.models import STATES
    from server.intake.resident import RESIDENT_STATUS

    data: dict[str, Any] = {"tracking_no": opinion.tracking_no,
                            "status": RESIDENT_STATUS.get(opinion.state, opinion.state)}
    if staff:
        data.update({"opinion_id": opinion.id, "state": opinion.state,
                     "state_name": STATES.get(opinion.state, opinion.state)})
    return data


def outcome_public(outcome: Outcome) -> dict[str, Any]:
    """Describe an outcome for the site's resident page, with its feedback and case."""
    return {"id": outcome.id, "text": outcome.text, "feedback": outcome.feedback,
            "feedback_at": day_text(outcome.feedback_at) if outcome.feedback_at else None,
            "case": case_public(outcome.case_opinion)}


def when_text(value: Any) -> str:
    """Write a time the way a resident reads it: 11月30日（周日）14:30."""
    from server.common.text import local_time

    local = local_time(value)
    weekday = "一二三四五六日"[local.weekday()]
    return f"{local.month}月{local.day}日（周{weekday}）{local:%H:%M}"


def day_text(value: Any) -> str:
    """Write a date the way a resident reads it: 11月30日."""
    from server.common.text import local_time

    local = local_time(value)
    return f"{local.month}月{local.day}日"


def outcome_to_case(user: User, outcome_id: int, category_id: int | None = None
                    ) -> tuple[Outcome, bool]:
    """Turn an outcome into a dispatch case so the agreement is followed up; once.

    Return (outcome, created). A second call returns the case made the first time.
    """
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    meeting = moderated_meeting(user, outcome.meeting_id)
    if outcome.case_opinion_id is not None:
        return outcome, False
    lock = keys.outcome_case_lock(outcome.id)
    try:
        client: redis.Redis | None = get_redis()
        deadline = time.monotonic() + 5
        while not client.set(lock, "1", nx=True, ex=30):
            # Someone else is turning it right now (a double click): wait for their case.
            if time.monotonic() >= deadline:
                raise Conflict("正在转办，请稍候", code="outcome_case_in_progress")
            time.sleep(0.05)
    except redis.RedisError:
        client = None  # the row lock below still serialises on PostgreSQL
    try:
        db.session.rollback()
        outcome = db.session.scalars(select(Outcome).where(Outcome.id == outcome_id)
                                     .with_for_update()).one()
        if outcome.case_opinion_id is not None:
            db.session.rollback()
            return outcome, False
        _case_for(user, meeting, outcome, category_id)
        return outcome, True
    finally:
        if client is not None:
            try:
                client.delete(lock)
            except redis.RedisError:
                pass


def _case_for(user: User, meeting: Meeting, outcome: Outcome, category_id: int | None) -> Any:
    from server.dispatch import workflow
    from server.intake.filing import create_case
    from server.intake.models import Category
    from server.intake.settings import setting

    if category_id is not None:
        category = db.session.get(Category, category_id)
        if category is None or not category.active:
            raise ValidationFailed(errors={"category_id": ["问题分类不存在"]})
    else:
        category = db.session.scalar(select(Category).where(Category.code == "other"))
    site = meeting.site
    text = (f"【协商成果转办】{meeting.title}（{when_text(meeting.starts_at)}，{site.name}）"
            f"商定：{outcome.text}")[: setting("INTAKE_TEXT_MAX")]
    opinion = create_case(site, category, text, contact_name="协商议事会", entered_by_id=user.id)
    outcome.case_opinion_id = opinion.id
    # Records the timeline's first step and the answer deadline, and commits the link with it.
    workflow.record_submission(opinion, resident_id=None, entered_by_id=user.id)
    db.session.refresh(outcome)
    return opinion
