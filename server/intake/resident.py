"""What a resident reads: the site page, their own reports with timeline, and rating them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.common.models import utcnow
from server.common.text import SHANGHAI, mask_phone
from server.errors import Conflict, NotFound
from server.extensions import db
from server.intake import textmatch
from server.intake.categories import list_categories
from server.intake.media import photo_urls
from server.intake.models import RATINGS, Opinion, OpinionPhoto
from server.intake.settings import setting
from server.people.models import Resident
from server.sites.models import SITE_KINDS, Unit
from server.sites.services import site_by_code, unit_path_label

# What a resident reads about each step of the timeline (plain words); others stay internal.
RESIDENT_STEPS: dict[str, str] = {
    "submit": "已收到",
    "accept": "已受理",
    "decline": "不予受理",
    "assign": "已转交办理单位",
    "reassign": "已转交办理单位",
    "sign": "办理单位已签收",
    "start": "办理中",
    "approve_extension": "办理时间已延长",
    "answer": "已答复",
    "rate": "您已评价",
    "redo": "重新办理",
    "close": "已办结",
    "merge": "已与相同问题合并办理",
    "void": "已作废",
    "moderation_held": "内容审核中",
    "moderation_released": "审核通过",
    "moderation_refused": "审核未通过",
}
# Steps whose staff note the resident should read (a reason, an answer).
RESIDENT_NOTES = {"decline", "answer", "moderation_refused", "void"}

RESIDENT_STATUS: dict[str, str] = {
    "received": "已收到",
    "accepted": "已受理",
    "declined": "不予受理",
    "assigned": "办理中",
    "signed": "办理中",
    "in_progress": "办理中",
    "answered": "已答复",
    "closed": "已办结",
    "merged": "已合并办理",
    "voided": "已作废",
}


def local_text(value: datetime | None) -> str | None:
    """Format a UTC time as Asia/Shanghai "YYYY-MM-DD HH:MM"."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def public_summary(opinion: Opinion) -> dict[str, Any]:
    """Describe a report for other residents: excerpt only, no identity, phones masked."""
    return {
        "tracking_no": opinion.tracking_no,
        "category": opinion.category.name if opinion.category else "其他",
        "excerpt": textmatch.excerpt(opinion.text),
        "status": RESIDENT_STATUS.get(opinion.state, opinion.state),
        "support_count": opinion.support_count,
        "created_at": local_text(opinion.created_at),
    }


def site_overview(code: str) -> dict[str, Any]:
    """Return what a resident sees first: the site, the categories, what was done lately."""
    site = site_by_code(code)
    unit = db.session.get(Unit, site.unit_id)
    answered = list(db.session.scalars(
        select(Opinion).where(Opinion.site_id == site.id,
                              Opinion.state.in_(["answered", "closed"]),
                              Opinion.moderation == "ok", Opinion.answer.is_not(None))
        .order_by(Opinion.answered_at.desc(), Opinion.id.desc()).limit(5)
    ))
    year_start = datetime.now(SHANGHAI).replace(month=1, day=1, hour=0, minute=0, second=0,
                                                microsecond=0)
    base = select(func.count()).select_from(Opinion).where(
        Opinion.site_id == site.id, Opinion.moderation == "ok",
        Opinion.created_at >= year_start)
    return {
        "site": {
            "code": site.code, "name": site.name,
            "kind_name": SITE_KINDS.get(site.kind, site.kind),
            "village": unit.name if unit else "",
            "unit_path": unit_path_label(unit) if unit else "",
            "address": site.address, "active": site.active,
        },
        "categories": [{"id": c.id, "name": c.name} for c in list_categories()],
        "stats": {
            "received_this_year": db.session.scalar(base) or 0,
            "answered_this_year": db.session.scalar(
                base.where(Opinion.state.in_(["answered", "closed"]))) or 0,
        },
        "recent_answers": [
            {**public_summary(o), "answer": textmatch.excerpt(o.answer or "", 120),
             "answered_at": local_text(o.answered_at)}
            for o in answered
        ],
        "limits": {"text_max": setting("INTAKE_TEXT_MAX"),
                   "photos_max": setting("INTAKE_PHOTOS_MAX"),
                   "photo_max_bytes": setting("INTAKE_PHOTO_MAX_BYTES")},
    }


def _own(resident: Resident, tracking_no: str) -> Opinion:
    opinion = db.session.scalar(select(Opinion).where(Opinion.tracking_no == tracking_no))
    # Someone else's report answers exactly like a missing one: numbers are guessable.
    if opinion is None or opinion.resident_id != resident.id:
        raise NotFound("找不到该反映", code="opinion_not_found")
    return opinion


def my_reports(resident: Resident, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """List the resident's own reports, newest first (phones masked)."""
    now = now or utcnow()
    rows = db.session.scalars(select(Opinion).where(Opinion.resident_id == resident.id)
                              .order_by(Opinion.created_at.desc(), Opinion.id.desc())
                              .limit(100))
    return [_mine_summary(o, now) for o in rows]


def rating_window(opinion: Opinion, now: datetime) -> dict[str, Any]:
    """Say whether the resident may rate (or change the rating of) the answer, and until when.

    The same rule as server/dispatch/workflow.rate: a first rating once answered; a change
    for RATING_CHANGE_DAYS after the first rating while the case is closed or back for redo.
    """
    from server.dispatch.workflow import RATING_CHANGE_DAYS, RATING_CHANGE_STATES

    rated_at = opinion.rated_at
    until = rated_at + timedelta(days=RATING_CHANGE_DAYS) if rated_at is not None else None
    rated = until is not None
    if until is None:
        # After a redo the earlier rating stays on the opinion until the new answer is rated.
        can_rate = opinion.state == "answered"
    else:
        can_rate = opinion.state in RATING_CHANGE_STATES and now < until
    return {
        "can_rate": can_rate,
        "rating": opinion.rating if rated else None,
        "rated_at": local_text(opinion.rated_at) if rated else None,
        "rating_changeable_until": local_text(until),
        "rating_fixed": rated and not can_rate,
    }


def _mine_summary(opinion: Opinion, now: datetime) -> dict[str, Any]:
    return {
        **public_summary(opinion),
        "state": opinion.state,
        "status": _status(opinion),
        "phone": mask_phone(opinion.phone),
        "anonymous": opinion.anonymous,
        "has_answer": bool(opinion.answer),
        **rating_window(opinion, now),
    }


def _status(opinion: Opinion) -> str:
    if opinion.moderation == "held":
        return "审核中"
    if opinion.moderation == "refused":
        return "审核未通过"
    return RESIDENT_STATUS.get(opinion.state, opinion.state)


def my_report(resident: Resident, tracking_no: str, *,
              now: datetime | None = None) -> dict[str, Any]:
    """Return one of the resident's reports with its plain-words timeline and answer."""
    opinion = _own(resident, tracking_no)
    return report_detail(opinion, now=now)


def report_detail(opinion: Opinion, *, now: datetime | None = None) -> dict[str, Any]:
    """Describe a report for its reporter, with whether its rating may still change."""
    photos = db.session.scalars(select(OpinionPhoto).where(OpinionPhoto.opinion_id == opinion.id)
                                .order_by(OpinionPhoto.position))
    timeline = []
    for event in opinion.events:
        label = RESIDENT_STEPS.get(event.action)
        if label is None:
            continue
        timeline.append({"at": local_text(event.at), "label": label,
                         "note": event.note if event.action in RESIDENT_NOTES else None})
    return {
        **_mine_summary(opinion, now or utcnow()),
        "text": opinion.text,
        "photos": [photo_urls(p) for p in photos],
        "timeline": timeline,
        "answer": opinion.answer,
        "answered_at": local_text(opinion.answered_at),
        "rating_name": RATINGS.get(opinion.rating or "") if opinion.rated_at else None,
        "rating_comment": opinion.rating_comment if opinion.rated_at else None,
        "entered_on_behalf": opinion.entered_by_id is not None,
    }


def rate_report(resident: Resident, tracking_no: str, rating: str, comment: str | None, *,
                now: datetime | None = None) -> dict[str, Any]:
    """Rate the answer to one's own report, or change the rating within 7 days (workflow)."""
    from server.dispatch import workflow

    now = now or utcnow()
    opinion = _own(resident, tracking_no)
    if opinion.state != "answered" and opinion.rated_at is None:
        raise Conflict("答复之后才能评价", code="not_answered")
    workflow.rate(opinion.id, resident, rating, comment, now=now)
    db.session.refresh(opinion)
    return report_detail(opinion, now=now)
