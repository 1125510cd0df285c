"""Tables of the meetings domain: meetings, attendance, polls, ballots, proposals, topics."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.extensions import db
from server.sites.models import Site

if TYPE_CHECKING:
    from server.intake.models import Opinion

MEETING_STATUSES = {
    "draft": "草稿",
    "published": "已发布",
    "in_session": "进行中",
    "closed": "已结束",
}
PARTICIPANT_KINDS = {
    "member": "政协委员",
    "cadre": "镇村干部",
    "department": "职能部门",
    "resident_rep": "群众代表",
    "party_rep": "党员代表",
    "expert": "专家",
}
POLL_KINDS = {"yesno": "赞成/反对/弃权", "single": "单选", "multiple": "多选"}
POLL_STATUSES = {"draft": "未开始", "open": "投票中", "closed": "已结束"}
YESNO_OPTIONS = ("赞成", "反对", "弃权")
PROPOSAL_STATUSES = {"pending": "待审核", "approved": "已采纳", "declined": "未采纳"}
TOPIC_STATUSES = {"open": "征集中", "picked": "已列入协商", "closed": "已关闭"}


class Meeting(db.Model):
    """A consultation meeting (协商议事活动) at a site."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    presence_check: Mapped[bool] = mapped_column(Boolean, default=True)
    quorum: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    minutes: Mapped[str] = mapped_column(Text, default="")
    current_poll_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    site: Mapped[Site] = relationship()
    participants: Mapped[list[MeetingParticipant]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingParticipant.id", lazy="selectin")
    agenda: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItem.position", lazy="selectin")
    outcomes: Mapped[list[Outcome]] = relationship(
        cascade="all, delete-orphan", order_by="Outcome.id", lazy="selectin")
    polls: Mapped[list[Poll]] = relationship(
        cascade="all, delete-orphan", order_by="Poll.id", lazy="selectin",
        back_populates="meeting")


class MeetingParticipant(db.Model):
    """An invited participant, by kind (委员, 镇村干部, 职能部门, 群众代表, 党员代表, 专家)."""

    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(100), default="")


class AgendaItem(db.Model):
    """One item of a meeting's agenda."""

    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="staff")  # staff|topic|floor


class Outcome(db.Model):
    """An agreement (协商成果) and the feedback given on it afterwards (建议都反馈)."""

    __tablename__ = "meeting_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The dispatch case that follows the agreement up (成果转办), once staff turned it into one.
    case_opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), unique=True)

    case_opinion: Mapped[Opinion | None] = relationship(lazy="selectin")


class Attendance(db.Model):
    """A resident checked in to a meeting; they may vote for the rest of it."""

    __tablename__ = "meeting_attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="onsite")  # onsite|online
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Poll(db.Model):
    """A vote (表决) in a meeting."""

    __tablename__ = "meeting_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="yesno")
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    live_results: Mapped[bool] = mapped_column(Boolean, default=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every check-in or paper count written to the database while Redis was
    # unreachable; Redis holds the generation it was last rebuilt at, and a difference means
    # "rebuild first" (meetings.rebuild). Ballots never go to the database first.
    db_generation: Mapped[int] = mapped_column(Integer, default=0)
    # When the poll's live state was last loaded into Redis, and when a rebuild found that
    # loaded state gone (a Redis without its append-only file lost its data): ballots it had
    # acknowledged but not yet drained may be lost, and the frozen result says so.
    tally_loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tally_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="polls")
    options: Mapped[list[PollOption]] = relationship(
        cascade="all, delete-orphan", order_by="PollOption.position", lazy="selectin")


class PollOption(db.Model):
    """One choice of a poll."""

    __tablename__ = "meeting_poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(100))


class Ballot(db.Model):
    """One resident's vote on one poll, counted once (ballot_uid written twice is one row)."""

    __tablename__ = "meeting_ballots"
    __table_args__ = (UniqueConstraint("poll_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_uid: Mapped[str] = mapped_column(String(40), unique=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_polls.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    choices: Mapped[str] = mapped_column(String(200))  # option ids, "3,5"
    idempotency_key: Mapped[str] = mapped_column(String(80), default="")
    # "redis"; "db" on rows from before ballots could only be acknowledged by Redis.
    via: Mapped[str] = mapped_column(String(8), default="redis")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaperCount(db.Model):
    """A paper or show-of-hands count entered by a moderator (channel "paper"); append-only.

    The latest entry for an option is the one that counts; earlier ones stay as the audit trail.
    """

    __tablename__ = "meeting_paper_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_polls.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("meeting_poll_options.id"))
    count: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16), default="paper")
    note: Mapped[str] = mapped_column(String(200), default="")
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Proposal(db.Model):
    """A proposal from the floor by a checked-in resident, moderated before it is shown."""

    __tablename__ = "meeting_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    poll_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Topic(db.Model):
    """A topic proposed by residents for a site's next consultations (议题征集)."""

    __tablename__ = "meeting_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TopicSupport(db.Model):
    """A resident supporting a topic; once each."""

    __tablename__ = "meeting_topic_supports"
    __table_args__ = (UniqueConstraint("topic_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_topics.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SiteFollow(db.Model):
    """A resident following a site: they hear about the meetings it publishes."""

    __tablename__ = "site_follows"
    __table_args__ = (UniqueConstraint("site_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
