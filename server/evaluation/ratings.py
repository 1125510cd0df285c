"""Residents' ratings of meeting outcomes (协商成果): one per resident per outcome.

A rating can be changed for RATING_CHANGE_DAYS after it was first given, then it is fixed,
the same rule as the ratings of answers (server/dispatch/workflow.rate). Only residents who
checked in to the meeting may rate its outcomes: they are the ones who took part.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common.models import utcnow
from server.common.text import local_time
from server.dispatch.workflow import RATING_CHANGE_DAYS
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.evaluation.models import OutcomeRating
from server.extensions import db
from server.intake.models import RATINGS
from server.people.models import Resident

RATEABLE_MEETING_STATUSES = ("in_session", "closed")


def _outcome(outcome_id: int) -> tuple[Any, Any]:
    from server.meetings.models import Meeting, Outcome

    outcome = db.session.get(Outcome, outcome_id)
    meeting = db.session.get(Meeting, outcome.meeting_id) if outcome is not None else None
    if outcome is None or meeting is None:
        raise NotFound("找不到该协商成果", code="outcome_not_found")
    return outcome, meeting


def _attended(resident: Resident, meeting: Any) -> bool:
    from server.meetings.models import Attendance

    return db.session.scalar(select(Attendance.id).where(
        Attendance.meeting_id == meeting.id, Attendance.resident_id == resident.id)) is not None


def _check_attended(resident: Resident, meeting: Any) -> None:
    if not _attended(resident, meeting):
        raise Forbidden("只有签到参加了这次协商的群众才能评价它的成果", code="not_attended")


def describe(row: OutcomeRating | None, outcome_id: int, *,
             now: datetime | None = None) -> dict[str, Any]:
    """Describe a resident's rating of an outcome (or its absence) and until when it may change."""
    now = now or utcnow()
    if row is None:
        return {"outcome_id": outcome_id, "rating": None, "rating_name": None, "comment": None,
                "rated_at": None, "changeable_until": None, "changeable": True}
    until = row.rated_at + timedelta(days=RATING_CHANGE_DAYS)
    return {"outcome_id": outcome_id, "rating": row.rating, "rating_name": RATINGS[row.rating],
            "comment": row.comment, "rated_at": row.rated_at, "changeable_until": until,
            "changeable": now < until}


def my_outcome_rating(resident: Resident, outcome_id: int, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Return the resident's rating of one outcome (rating null if not rated yet)."""
    _outcome_row, meeting = _outcome(outcome_id)
    row = db.session.scalar(select(OutcomeRating).where(
        OutcomeRating.outcome_id == outcome_id, OutcomeRating.resident_id == resident.id))
    result = describe(row, outcome_id, now=now)
    # Offer the question only to those the PUT would accept, instead of refusing on submit.
    result["may_rate"] = (meeting.status in RATEABLE_MEETING_STATUSES
                          and _attended(resident, meeting))
    return result


def rate_outcome(resident: Resident, outcome_id: int, rating: str, comment: str | None, *,
                 now: datetime | None = None) -> dict[str, Any]:
    """Rate a meeting outcome, or change one's rating within 7 days of first giving it."""
    if rating not in RATINGS:
        raise ValidationFailed(errors={"rating": ["只能是：满意、基本满意、不满意"]})
    now = now or utcnow()
    comment = (comment or "").strip()[:500] or None
    outcome, meeting = _outcome(outcome_id)
    if meeting.status not in RATEABLE_MEETING_STATUSES:
        raise Conflict("协商活动举行之后才能评价成果", code="meeting_not_held")
    _check_attended(resident, meeting)
    for attempt in range(2):
        row = db.session.scalar(
            select(OutcomeRating).where(OutcomeRating.outcome_id == outcome.id,
                                        OutcomeRating.resident_id == resident.id)
            .with_for_update())
        if row is None:
            row = OutcomeRating(outcome_id=outcome.id, meeting_id=meeting.id,
                                unit_id=meeting.site.unit_id, resident_id=resident.id,
                                rating=rating, comment=comment, rated_at=now, updated_at=now,
                                history=[])
            db.session.add(row)
        else:
            fixed_at = row.rated_at + timedelta(days=RATING_CHANGE_DAYS)
            if now >= fixed_at:
                raise Conflict(
                    f"评价已超过 {RATING_CHANGE_DAYS} 天（{local_time(row.rated_at):%Y-%m-%d %H:%M}"
                    f" 评价），不能再修改",
                    code="rating_fixed",
                    errors={"rated_at": row.rated_at.isoformat(),
                            "fixed_at": fixed_at.isoformat()})
            row.history = [*row.history, {"rating": row.rating, "comment": row.comment,
                                          "at": row.updated_at.isoformat()}]
            row.rating = rating
            row.comment = comment
            row.updated_at = now
        try:
            db.session.commit()
        except IntegrityError:
            # Two first ratings raced: the other one won; apply ours as its change.
            db.session.rollback()
            if attempt:
                raise
            continue
        break
    return describe(row, outcome.id, now=now)
