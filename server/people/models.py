"""Staff users with scoped role grants, API tokens, and residents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import UTCDateTime, utcnow
from server.common.pii import EncryptedString
from server.extensions import db
from server.sites.models import Circle, Department, Site, Unit

ROLES = {
    "admin": "系统管理员",
    "dispatcher": "调度员",
    "moderator": "主持人",
    "handler": "部门办理人",
    "supervisor": "督查员",
    "member": "政协委员",
}


class User(db.Model):
    """A staff account: district and town staff, moderators, handlers, members."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped to end every session and bearer token at once (disable, reset, new password).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A reset leaves a temporary password: sign in with it, then nothing but a new password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # SHA-256 of a random temporary password (~80 bits: a slow hash adds nothing there).
    temp_password_hash: Mapped[str | None] = mapped_column(String(64))
    temp_password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # True once the password passed the policy, which refuses the demo password: only
    # accounts still False need the (slow) demo-password check at a production start.
    password_vetted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grants: Mapped[list[Grant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        """Return the names of the roles granted to this user."""
        return {grant.role for grant in self.grants}


class Grant(db.Model):
    """One role held over one scope: a unit subtree, a department, or a site.

    A grant with no scope columns set covers the whole district.
    """

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship(lazy="joined")

    @property
    def district_wide(self) -> bool:
        """Tell whether the grant covers the whole district (no unit, department or site)."""
        return self.unit_id is None and self.site_id is None and self.department_id is None


class ApiToken(db.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The user's session_generation when issued; a later bump revokes the token.
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship()


class StaffSession(db.Model):
    """A console sign-in: the cookie names it, so logout and revocation end it server-side."""

    __tablename__ = "staff_sessions"

    # SHA-256 of the random session id the signed cookie carries.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class Resident(db.Model):
    """A member of the public: signed in through WeChat, or a browser's guest device."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("appid", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # wechat | guest
    appid: Mapped[str | None] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128))
    # Encrypted at rest, found by its keyed hash (common.pii; migration 0020).
    phone: Mapped[str | None] = mapped_column(EncryptedString(128))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# ---- members and the think tank (委员下沉, 协商智库) -------------------------------------------

MEMBER_LEVELS = {"district": "区政协委员", "city": "市政协委员", "province": "省政协委员",
                 "national": "全国政协委员"}
SITE_ROLES = {"liaison": "挂钩委员", "studio": "工作室委员", "contact": "联系委员"}
AVAILABILITY = {"available": "可邀请", "busy": "较忙", "unavailable": "暂不可邀请"}
INVITATION_STATUSES = {"pending": "待回复", "accepted": "已接受", "declined": "已婉拒",
                       "cancelled": "已撤回"}


class Member(db.Model):
    """A CPPCC committee member (政协委员) in the register, attached to sites."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), default="district")
    # A member with a staff account can be assigned cases and answer invitations signed in.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(128), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circle: Mapped[Circle | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    sites: Mapped[list[MemberSite]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )


class MemberSite(db.Model):
    """A member attached to a site (挂钩点位) in some role."""

    __tablename__ = "member_sites"
    __table_args__ = (UniqueConstraint("member_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="liaison")

    member: Mapped[Member] = relationship(back_populates="sites")
    site: Mapped[Site] = relationship(lazy="joined")


class Expert(db.Model):
    """A think-tank expert (智库专家): fields of knowledge, home area, availability."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    # Delimited "|agriculture|roads|" so a LIKE prefilters 1,450 rows cheaply.
    specialties: Mapped[str] = mapped_column(String(255), default="|")
    keywords: Mapped[str] = mapped_column(String(255), default="|")
    # A town (板块) or the district itself (全区).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(64), default="")
    organisation: Mapped[str] = mapped_column(String(128), default="")
    availability: Mapped[str] = mapped_column(String(16), default="available", index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Invitation(db.Model):
    """An expert or member invited to help with a case or to attend a meeting."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    response_note: Mapped[str | None] = mapped_column(Text)
    responded_via: Mapped[str | None] = mapped_column(String(16))  # link | account
    # The response link names this nonce; it is cleared once used, so a link works once.
    token_nonce: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    expert: Mapped[Expert | None] = relationship(lazy="joined")
    member: Mapped[Member | None] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship()
