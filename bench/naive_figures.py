"""The bench's baseline: the case figures computed by loading rows into Python."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.evaluation.dashboard import _empty_sums
from server.evaluation.definitions import ACCEPTED_STATES, DEADLINE_STATES, GOOD_RATINGS
from server.evaluation.periods import Period
from server.evaluation.tree import _load_unit
from server.extensions import db
from server.intake.models import OPEN_STATES, Opinion
from server.sites.models import Unit, path_within


def naive_figures(unit_id: int, period: Period, *, now: datetime | None = None
                  ) -> dict[str, Any]:
    """Compute the case figures by loading rows into Python (the bench's baseline only)."""
    from server.dispatch.models import Case

    now = now or utcnow()
    unit = _load_unit(unit_id)
    lo, hi = period.utc_bounds()
    unit_paths = {u.id: u.path for u in db.session.scalars(select(Unit))}
    rows = db.session.execute(
        select(Opinion, Case).outerjoin(Case, Case.opinion_id == Opinion.id)
        .where(Opinion.created_at >= lo, Opinion.created_at < hi)).all()
    sums = _empty_sums()
    for opinion, case_row in rows:
        if not path_within(unit_paths.get(opinion.unit_id, ""), unit.path):
            continue
        if opinion.state == "voided" or opinion.moderation == "refused":
            continue
        sums["collected"] += 1
        accepted = opinion.state in ACCEPTED_STATES
        resolved = opinion.state == "closed" or (
            opinion.state == "answered" and opinion.rating in GOOD_RATINGS)
        sums["accepted"] += accepted
        sums["resolved"] += accepted and resolved
        sums["rated"] += opinion.rating is not None
        sums["good"] += opinion.rating in GOOD_RATINGS
        if opinion.answered_at is not None:
            sums["answered"] += 1
            sums["answer_days"] += (opinion.answered_at - opinion.created_at).total_seconds() \
                / 86400
        due = case_row.answer_due_at if case_row is not None else None
        if due is not None and opinion.state in DEADLINE_STATES:
            sums["with_deadline"] += 1
            finished = now if opinion.state in OPEN_STATES else (opinion.answered_at or now)
            sums["overdue"] += due < finished
    db.session.expunge_all()
    return sums
