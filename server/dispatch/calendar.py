"""Calendar changes staff make: marking a year complete, and recomputing open deadlines.

When the holidays or make-up working days change, every open deadline keeps its number of
working days but is counted again on the new calendar; each case whose deadline moved gets
a timeline entry. The supervision sweep then warns on the new deadline (warnings are keyed
by deadline, so the old one's warnings are cleared as stale).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.common.models import utcnow
from server.common.text import local_time
from server.dispatch.models import CalendarYear, Case
from server.dispatch.workdays import Calendar, add_working_days, working_days_between
from server.extensions import db
from server.intake.models import OPEN_STATES, Opinion, OpinionEvent
from server.people.models import User


def mark_year(user: User, year: int, complete: bool) -> None:
    """Mark a year's holidays and make-up days as completely entered, or take it back."""
    row = db.session.get(CalendarYear, year)
    if complete and row is None:
        db.session.add(CalendarYear(year=year, marked_by_id=user.id, marked_at=utcnow()))
    elif not complete and row is not None:
        db.session.delete(row)
    db.session.flush()


def _text(value: datetime) -> str:
    return f"{local_time(value):%Y-%m-%d}"


def _recount(start: datetime, due: datetime, old: Calendar, new: Calendar) -> datetime:
    """Count the deadline's working days on the old calendar; count them again on the new."""
    days = working_days_between(start, due, old)
    return add_working_days(start, days, new) if days > 0 else due


def recompute_open_deadlines(user: User | None, old: Calendar, new: Calendar) -> int:
    """Recount every open case's deadlines on the new calendar; return how many moved.

    The caller commits. Answer deadlines run from receipt or the last redo (extensions are
    working days too, so they are recounted with the rest); sign-for deadlines from the
    assignment, while the case waits to be signed for.
    """
    rows = db.session.execute(
        select(Opinion, Case).join(Case, Case.opinion_id == Opinion.id)
        .where(Opinion.state.in_(tuple(OPEN_STATES)))).all()
    ids = [o.id for o, _c in rows]
    redo_at: dict[int, datetime] = dict(db.session.execute(  # type: ignore[arg-type]
        select(OpinionEvent.opinion_id, func.max(OpinionEvent.at))
        .where(OpinionEvent.action == "redo", OpinionEvent.opinion_id.in_(ids))
        .group_by(OpinionEvent.opinion_id)).all()) if ids else {}
    moved = 0
    from server.dispatch import workflow

    for opinion, case in rows:
        cal = new.fresh()
        changes: dict[str, Any] = {}
        if case.answer_due_at is not None:
            start = max(filter(None, [case.received_at, redo_at.get(opinion.id)]))
            due = _recount(start, case.answer_due_at, old, cal)
            if due != case.answer_due_at:
                changes["answer_due_at"] = (case.answer_due_at, due)
                case.answer_due_at = due
        if opinion.state == "assigned" and case.sign_due_at is not None and case.assigned_at:
            due = _recount(case.assigned_at, case.sign_due_at, old, cal)
            if due != case.sign_due_at:
                changes["sign_due_at"] = (case.sign_due_at, due)
                case.sign_due_at = due
        case.calendar_warning = cal.warning()
        if not changes:
            continue
        moved += 1
        labels = {"answer_due_at": "答复期限", "sign_due_at": "签收期限"}
        note = "节假日设置变更，" + "；".join(
            f"{labels[k]}由 {_text(a)} 调整为 {_text(b)}" for k, (a, b) in changes.items())
        workflow.record_note(opinion.id, "deadline_recomputed", user=user,
                             role="admin" if user and "admin" in user.roles else "dispatcher",
                             note=note, data={k: {"old": a.isoformat(), "new": b.isoformat()}
                                              for k, (a, b) in changes.items()})
    return moved
