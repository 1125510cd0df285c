"""Tables of the evaluation domain.

Evaluation reads opinions, cases, meetings and scan counters. It owns the residents' ratings
of meeting outcomes (协商成果), and adds the indexes its grouped queries need on tables of
other domains (migrations 0006, 0013): every figure filters one unit subtree
(unit_id IN …) and one period (created_at range).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.dispatch.models import Case
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent

# Declared here (not in intake) because only evaluation's queries need it.
# With the figure columns included (0014), a village's figures are index-only too, and the
# participation query finds a subtree's opinion ids without reading opinions.
FIGURE_COLUMNS = ("id", "category_id", "state", "moderation", "rating", "answered_at",
                  "resident_id")
OPINIONS_UNIT_CREATED = Index("ix_opinions_unit_id_created_at", Opinion.unit_id,
                              Opinion.created_at, postgresql_include=list(FIGURE_COLUMNS))
# The participation query looks up who rated ('rate' events) by time; with the resident, the
# unit and the opinion in the index it never reads the events themselves (0013), nor the
# opinions to find their unit (0015).
OPINION_EVENTS_ACTION_AT = Index("ix_opinion_events_action_at", OpinionEvent.action,
                                 OpinionEvent.at, OpinionEvent.actor_resident_id,
                                 OpinionEvent.unit_id, OpinionEvent.opinion_id)

# The case figures read only the period's cases, by received_at (0013); with the deadline
# and the opinion in the index (PostgreSQL INCLUDE, 0014) the cases themselves stay unread.
CASES_RECEIVED_AT = Index("ix_dispatch_cases_received_at", Case.received_at,
                          postgresql_include=["opinion_id", "answer_due_at"])
# Every column the case figures, the trend and the participation count read of a period's
# opinions: PostgreSQL answers them from the index alone (index-only scan) instead of
# visiting every row of the month in the table (0014). SQLite ignores INCLUDE.
OPINIONS_CREATED_FIGURES = Index(
    "ix_opinions_created_at_figures", Opinion.created_at,
    postgresql_include=["unit_id", *FIGURE_COLUMNS])
# Whose unit a rated opinion is, without reading the opinion (participation, 0014).
OPINIONS_ID_UNIT = Index("ix_opinions_id_unit_id", Opinion.id,
                         postgresql_include=["unit_id"])


class OutcomeRating(db.Model):
    """A resident's rating of a meeting outcome: one per resident per outcome.

    `rated_at` is the first rating (the 7-day window to change it starts there);
    `history` keeps every earlier rating, since a change overwrites `rating`.
    """

    __tablename__ = "evaluation_outcome_ratings"
    __table_args__ = (UniqueConstraint("outcome_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_outcomes.id", ondelete="CASCADE"), index=True)
    # Copied from the outcome's meeting and site so the figures need no join.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
