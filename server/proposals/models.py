"""Tables of the proposals domain: the proposal, its co-signers and its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.extensions import db
from server.people.models import Member

STATUSES = {"draft": "草稿", "submitted": "已提交", "filed": "已立案", "merged": "已并案",
            "answered": "已答复", "rated": "已评价"}
RATINGS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}


class Proposal(db.Model):
    """A CPPCC proposal: 案由, 理由, 办法, the lead member and co-signers."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(16), unique=True)  # given at filing
    title: Mapped[str] = mapped_column(String(200))  # 案由
    reason: Mapped[str] = mapped_column(Text, default="")  # 理由
    measures: Mapped[str] = mapped_column(Text, default="")  # 办法
    lead_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_outcomes.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    # The dispatch case that carries the handling (departments, deadline, answer).
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), unique=True)
    rating: Mapped[str | None] = mapped_column(String(16))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lead_member: Mapped[Member | None] = relationship(lazy="joined")
    signers: Mapped[list[ProposalSigner]] = relationship(
        cascade="all, delete-orphan", order_by="ProposalSigner.id", lazy="selectin")
    events: Mapped[list[ProposalEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ProposalEvent.id", lazy="selectin")


class ProposalSigner(db.Model):
    """A co-signing member (联名委员); confirmed once they agree."""

    __tablename__ = "proposal_signers"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id",
                                       name="uq_proposal_signers_proposal_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(lazy="joined")


class ProposalEvent(db.Model):
    """One step on a proposal's timeline; rows are only added."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    action: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
