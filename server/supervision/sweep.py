"""The overdue sweep: raise each warning once, notify in the same transaction, clear stale ones.

Safe to run every minute from several places at once (cron, the embedded sweeper): the
unique key (target, step, level, deadline) lets exactly one insert win; only the winner
writes the notifications, in the same transaction as its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from server.common.models import utcnow
from server.common.text import local_time
from server.dispatch.models import Case
from server.dispatch.workdays import load_calendar
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.ops.marks import record_sweep
from server.supervision import services
from server.supervision.levels import level_for
from server.supervision.models import (
    LEVEL_ORDER,
    LEVELS,
    STEPS,
    OrderEvent,
    OverdueWarning,
    SupervisionOrder,
)


@dataclass(frozen=True)
class Step:
    """One running deadline: a case's sign-for or answer step, or an order's response."""

    target_kind: str
    target_id: int
    step: str
    start: datetime
    due: datetime
    opinion_id: int | None = None
    order_id: int | None = None
    unit_id: int | None = None
    site_id: int | None = None
    department_id: int | None = None
    member_user_id: int | None = None

    @property
    def key(self) -> tuple[str, int, str, datetime]:
        return (self.target_kind, self.target_id, self.step, self.due)


@dataclass
class SweepResult:
    now: datetime
    dry_run: bool = False
    checked: int = 0
    raised: dict[str, int] = field(default_factory=lambda: {lvl: 0 for lvl in LEVEL_ORDER})
    notified: int = 0
    cleared: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain data."""
        return {"now": self.now.isoformat(), "dry_run": self.dry_run,
                "checked": self.checked, "raised": self.raised,
                "notified": self.notified, "cleared": self.cleared}


def running_steps() -> list[Step]:
    """Return every open deadline: cases being signed for or answered, waiting orders."""
    rows = db.session.execute(
        select(Opinion, Case).join(Case, Case.opinion_id == Opinion.id)
        .where(Opinion.state.in_(services.ANSWER_STATES))).all()
    ids = [opinion.id for opinion, _case in rows]
    # A redo restarts the answer window (the deadline is recomputed from then).
    redo_at = dict(db.session.execute(
        select(OpinionEvent.opinion_id, func.max(OpinionEvent.at))
        .where(OpinionEvent.action == "redo", OpinionEvent.opinion_id.in_(ids))
        .group_by(OpinionEvent.opinion_id)).all()) if ids else {}
    steps: list[Step] = []
    for opinion, case in rows:
        common = {"opinion_id": opinion.id, "unit_id": opinion.unit_id,
                  "site_id": opinion.site_id, "department_id": case.department_id,
                  "member_user_id": case.member_user_id}
        if opinion.state == "assigned" and case.sign_due_at is not None:
            steps.append(Step("case", opinion.id, "sign", case.assigned_at or case.received_at,
                              case.sign_due_at, **common))
        if case.answer_due_at is not None:
            start = max(filter(None, [case.received_at, redo_at.get(opinion.id)]))
            steps.append(Step("case", opinion.id, "answer", start, case.answer_due_at, **common))
    for order in db.session.scalars(select(SupervisionOrder).where(
            SupervisionOrder.status.in_(services.WAITING))):
        steps.append(Step("order", order.id, "order", order.due_set_at or order.issued_at,
                          order.due_at, opinion_id=order.opinion_id, order_id=order.id,
                          unit_id=order.unit_id, site_id=order.site_id,
                          department_id=order.department_id))
    return steps


def _insert_once(values: dict[str, Any]) -> int | None:
    """Insert the warning unless its key exists (ON CONFLICT DO NOTHING); return its id."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (insert(OverdueWarning).values(**values).on_conflict_do_nothing()
                 .returning(OverdueWarning.id))
    return db.session.execute(statement).scalar()


def _recipients(step: Step, level: str) -> list[int]:
    if step.target_kind == "order":
        order = db.session.get(SupervisionOrder, step.order_id)
        assert order is not None
        ids = services.order_receiver_ids(order)
        if level == "red":
            ids += services.head_ids(order.department_id) + [order.issued_by_id]
        return sorted(set(ids))
    case = db.session.get(Case, step.target_id)
    assert case is not None
    # A department with no handler account: its head, or the dispatchers, hear every colour.
    ids = services.case_handler_ids(case) or services.stand_in_ids(
        case.department_id, step.unit_id, step.site_id)
    if level == "red":
        ids += services.head_ids(case.department_id)
        ids += services.supervisor_ids(step.unit_id, step.site_id)
    return sorted(set(ids))


def _message(step: Step, level: str) -> tuple[str, str]:
    due = local_time(step.due).strftime("%Y年%m月%d日 %H:%M")
    state = {"red": "已超期", "yellow": "已滞后，即将超期", "blue": "临近期限"}[level]
    if step.target_kind == "order":
        order = db.session.get(SupervisionOrder, step.order_id)
        demand = order.demand[:100] if order else ""
        return (f"{LEVELS[level]}：督办#{step.order_id} 回复{state}",
                f"督办回复期限 {due}。督办要求：{demand}")
    opinion = db.session.get(Opinion, step.target_id)
    no = opinion.tracking_no if opinion else str(step.target_id)
    text = opinion.text[:100] if opinion else ""
    return (f"{LEVELS[level]}：{no} {STEPS[step.step]}{state}",
            f"{STEPS[step.step]}期限 {due}。{text}")


def _raise(step: Step, level: str, now: datetime) -> int | None:
    """Insert one warning and its messages; return the row id if this call raised it."""
    warning_id = _insert_once({
        "target_kind": step.target_kind, "target_id": step.target_id, "step": step.step,
        "level": level, "window_start": step.start, "due_at": step.due, "raised_at": now,
        "opinion_id": step.opinion_id, "order_id": step.order_id, "unit_id": step.unit_id,
        "site_id": step.site_id, "department_id": step.department_id,
        "member_user_id": step.member_user_id, "notified": 0,
    })
    if warning_id is None:
        return None
    title, body = _message(step, level)
    recipients = _recipients(step, level)
    count = services.inbox(recipients, f"warn_{level}", title, body,
                           opinion_id=step.opinion_id if step.target_kind == "case" else None,
                           payload={"warning_id": warning_id, "step": step.step,
                                    "order_id": step.order_id}, now=now)
    db.session.execute(update(OverdueWarning).where(OverdueWarning.id == warning_id)
                       .values(notified=count))
    # The lower colours of the same step and deadline are replaced by this one.
    lower = LEVEL_ORDER[:LEVEL_ORDER.index(level)]
    if lower:
        db.session.execute(update(OverdueWarning).where(
            OverdueWarning.target_kind == step.target_kind,
            OverdueWarning.target_id == step.target_id, OverdueWarning.step == step.step,
            OverdueWarning.due_at == step.due, OverdueWarning.level.in_(lower),
            OverdueWarning.cleared_at.is_(None)).values(cleared_at=now))
    if step.target_kind == "order":
        db.session.add(OrderEvent(order_id=step.target_id, action="warn", actor_user_id=None,
                                  note=title, data={"level": level, "warning_id": warning_id},
                                  at=now))
    return count


def _exists(step: Step, level: str) -> bool:
    return db.session.scalar(select(OverdueWarning.id).where(
        OverdueWarning.target_kind == step.target_kind,
        OverdueWarning.target_id == step.target_id, OverdueWarning.step == step.step,
        OverdueWarning.level == level, OverdueWarning.due_at == step.due)) is not None


def sweep(now: datetime | None = None, *, dry_run: bool = False) -> SweepResult:
    """Raise the warnings due at `now` (default: the clock) once each; clear stale ones.

    With `dry_run` nothing is written and nobody is notified: the result counts what a real
    sweep at `now` would raise and whom it would notify.
    """
    now = now or utcnow()
    result = SweepResult(now=now, dry_run=dry_run)
    calendar = load_calendar()
    rules = services.thresholds()
    steps = running_steps()
    db.session.rollback()  # end the read transaction: each warning commits on its own
    result.checked = len(steps)
    for step in steps:
        level = level_for(step.start, step.due, now, calendar, rules)
        if level is None:
            continue
        if dry_run:
            if not _exists(step, level):
                result.raised[level] += 1
                result.notified += len(_recipients(step, level))
            continue
        try:
            count = _raise(step, level, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if count is not None:
            result.raised[level] += 1
            result.notified += count
    if dry_run:
        db.session.rollback()
        return result
    result.cleared = _clear_stale({s.key for s in steps}, now)
    record_sweep()  # for the sl_sweep_last_run_timestamp_seconds metric
    return result


def _clear_stale(live: set[tuple[str, int, str, datetime]], now: datetime) -> int:
    """Mark cleared the warnings whose step finished or whose deadline moved."""
    stale = [w.id for w in db.session.scalars(select(OverdueWarning).where(
        OverdueWarning.cleared_at.is_(None)))
        if (w.target_kind, w.target_id, w.step, w.due_at) not in live]
    for start in range(0, len(stale), 500):
        db.session.execute(update(OverdueWarning).where(
            OverdueWarning.id.in_(stale[start:start + 500])).values(cleared_at=now))
    db.session.commit()
    return len(stale)
