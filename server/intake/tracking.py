"""Public tracking numbers: one counter per Asia/Shanghai day, like YD20261128-0042."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from server.common.models import utcnow
from server.common.text import SHANGHAI
from server.errors import Conflict
from server.extensions import db
from server.intake.models import TrackingCounter
from server.intake.settings import setting


def allocate_tracking_no(now: datetime | None = None) -> str:
    """Draw the next tracking number of the Asia/Shanghai day, like YD20261128-0042."""
    day = (now or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")
    # Its own short transaction: the counter row is locked only while it is bumped.
    for _attempt in range(5):
        try:
            with db.engine.begin() as conn:
                value = conn.execute(
                    update(TrackingCounter).where(TrackingCounter.day == day)
                    .values(last=TrackingCounter.last + 1).returning(TrackingCounter.last)
                ).scalar()
                if value is None:
                    conn.execute(insert(TrackingCounter).values(day=day, last=1))
                    value = 1
            return f"{setting('INTAKE_TRACKING_PREFIX')}{day}-{int(value):04d}"
        except IntegrityError:
            continue  # another request created the day's row first; bump it instead
    raise Conflict("系统繁忙，请稍后再试", code="tracking_busy")
