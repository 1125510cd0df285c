"""Invitations to experts and members: create, list, answer in the console or once by link."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from server.common.models import utcnow
from server.common.text import local_time
from server.duty import hooks as duty
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.people.access import ensure_site_access
from server.people.models import (
    INVITATION_STATUSES,
    Expert,
    Invitation,
    Member,
    User,
)
from server.sites.models import Site
from server.thinktank.registers import READ_ROLES, load_expert, load_member
from server.thinktank.suggestions import meeting_in_scope, opinion_in_scope

TOKEN_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation-token")


def invitation_token(invitation: Invitation) -> str | None:
    """Sign the one-time response link token of a pending invitation."""
    if invitation.token_nonce is None:
        return None
    return str(_serializer().dumps({"i": invitation.id, "n": invitation.token_nonce}))


def respond_url(invitation: Invitation) -> str | None:
    """Return the link an invitee opens to answer without an account."""
    token = invitation_token(invitation)
    if token is None:
        return None
    return f"{current_app.config['PUBLIC_BASE_URL']}/invite/{token}"


def _target(invitation: Invitation) -> dict[str, Any]:
    from server.intake.models import Opinion
    from server.intake.textmatch import excerpt
    from server.meetings.models import Meeting

    if invitation.opinion_id is not None:
        opinion = db.session.get(Opinion, invitation.opinion_id)
        assert opinion is not None
        return {"kind": "opinion", "id": opinion.id, "label": f"诉求 {opinion.tracking_no}",
                "summary": excerpt(opinion.text, 120), "site_id": opinion.site_id,
                "starts_at": None}
    meeting = db.session.get(Meeting, invitation.meeting_id)
    assert meeting is not None
    return {"kind": "meeting", "id": meeting.id, "label": f"协商活动：{meeting.title}",
            "summary": excerpt(meeting.description, 120), "site_id": meeting.site_id,
            "starts_at": local_time(meeting.starts_at).strftime("%Y-%m-%d %H:%M")}


def invitation_payload(invitation: Invitation, *, staff: bool = True) -> dict[str, Any]:
    """Describe an invitation; the response link only for staff and while pending."""
    invitee = invitation.expert or invitation.member
    assert invitee is not None
    return {
        "id": invitation.id,
        "target": _target(invitation),
        "invitee_kind": "expert" if invitation.expert_id else "member",
        "expert_id": invitation.expert_id,
        "member_id": invitation.member_id,
        "invitee_name": invitee.name,
        "invited_by": invitation.invited_by.display_name if invitation.invited_by else None,
        "message": invitation.message,
        "status": invitation.status,
        "status_name": INVITATION_STATUSES.get(invitation.status, invitation.status),
        "response_note": invitation.response_note,
        "responded_via": invitation.responded_via,
        "created_at": invitation.created_at,
        "responded_at": invitation.responded_at,
        "respond_url": respond_url(invitation) if staff else None,
    }


def create_invitation(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Invite an expert or a member to a case or a meeting; notify a member's account."""
    from server.notify.models import Notification

    if (data.get("opinion_id") is None) == (data.get("meeting_id") is None):
        raise ValidationFailed(errors={"opinion_id": ["须指定一个诉求或一个协商活动"]})
    if (data.get("expert_id") is None) == (data.get("member_id") is None):
        raise ValidationFailed(errors={"expert_id": ["须指定一位专家或一位委员"]})
    if data.get("opinion_id") is not None:
        opinion_in_scope(user, data["opinion_id"])
    else:
        meeting_in_scope(user, data["meeting_id"])
    if data.get("expert_id") is not None:
        invitee: Expert | Member = load_expert(data["expert_id"])
        if invitee.availability == "unavailable" or not invitee.active:
            raise Conflict("该专家暂不可邀请", code="expert_unavailable")
    else:
        invitee = load_member(data["member_id"])
        if not invitee.active:
            raise Conflict("该委员已不在册", code="member_inactive")
    duplicate = db.session.scalar(select(Invitation.id).where(
        Invitation.opinion_id.is_(None) if data.get("opinion_id") is None
        else Invitation.opinion_id == data["opinion_id"],
        Invitation.meeting_id.is_(None) if data.get("meeting_id") is None
        else Invitation.meeting_id == data["meeting_id"],
        Invitation.expert_id == data["expert_id"] if data.get("expert_id") is not None
        else Invitation.member_id == data["member_id"],
        Invitation.status.in_(["pending", "accepted"])))
    if duplicate is not None:
        raise Conflict("已邀请过此人，请等待回复", code="already_invited")
    invitation = Invitation(
        opinion_id=data.get("opinion_id"), meeting_id=data.get("meeting_id"),
        expert_id=data.get("expert_id"), member_id=data.get("member_id"),
        invited_by_id=user.id, message=data.get("message", ""), status="pending",
        token_nonce=secrets.token_hex(8),
    )
    db.session.add(invitation)
    db.session.flush()
    if isinstance(invitee, Member) and invitee.user_id is not None:
        label = _target(invitation)["label"]
        db.session.add(Notification(
            event="invited", channel="inbox", user_id=invitee.user_id,
            opinion_id=invitation.opinion_id, title=f"邀请您参与{label}"[:64],
            body=invitation.message, payload={"invitation_id": invitation.id},
            status="sent", sent_at=utcnow(), attempts=0))
    db.session.commit()
    return invitation_payload(invitation)


def list_invitations(user: User, args: dict[str, Any]) -> list[dict[str, Any]]:
    """List invitations: of a case or meeting in scope, else all in scope plus the caller's."""
    from server.intake.models import Opinion
    from server.meetings.models import Meeting
    from server.people.access import site_scope_filter

    query = select(Invitation).order_by(Invitation.id.desc()).limit(args.get("limit", 200))
    if args.get("opinion_id"):
        opinion_in_scope(user, args["opinion_id"])
        query = query.where(Invitation.opinion_id == args["opinion_id"])
    elif args.get("meeting_id"):
        meeting_in_scope(user, args["meeting_id"])
        query = query.where(Invitation.meeting_id == args["meeting_id"])
    else:
        site_id = func.coalesce(Opinion.site_id, Meeting.site_id)
        mine = Invitation.member_id.in_(select(Member.id).where(Member.user_id == user.id))
        query = (query.outerjoin(Opinion, Invitation.opinion_id == Opinion.id)
                 .outerjoin(Meeting, Invitation.meeting_id == Meeting.id)
                 .outerjoin(Site, Site.id == site_id)
                 .where(or_(site_scope_filter(user, READ_ROLES), mine)))
    if args.get("status"):
        query = query.where(Invitation.status == args["status"])
    return [invitation_payload(i) for i in db.session.scalars(query)]


def _answer(invitation: Invitation, response: str, note: str | None, via: str) -> None:
    from server.notify.models import Notification

    if invitation.status != "pending":
        raise Conflict("该邀请已回复", code="invitation_answered")
    invitation.status = "accepted" if response == "accept" else "declined"
    invitation.response_note = note or None
    invitation.responded_via = via
    invitation.responded_at = utcnow()
    invitation.token_nonce = None  # the link has been used
    invitee = invitation.expert or invitation.member
    assert invitee is not None
    if invitation.status == "accepted" and invitation.meeting_id is not None:
        _add_participant(invitation, invitee)
    if invitation.invited_by_id is not None:
        db.session.add(Notification(
            event="invite_reply", channel="inbox", user_id=invitation.invited_by_id,
            opinion_id=invitation.opinion_id,
            title=f"{invitee.name}{INVITATION_STATUSES[invitation.status]}邀请"[:64],
            body=note or "", payload={"invitation_id": invitation.id},
            status="sent", sent_at=utcnow(), attempts=0))
    db.session.commit()
    duty.invitation_answered(invitation)


def _add_participant(invitation: Invitation, invitee: Expert | Member) -> None:
    # An accepted meeting invitation puts the person on the meeting's participant list.
    from server.meetings.models import MeetingParticipant

    kind = "expert" if invitation.expert_id else "member"
    listed = db.session.scalar(select(MeetingParticipant.id).where(
        MeetingParticipant.meeting_id == invitation.meeting_id,
        MeetingParticipant.kind == kind, MeetingParticipant.name == invitee.name))
    if listed is None:
        organisation = invitee.organisation if isinstance(invitee, Expert) else (
            invitee.circle.name if invitee.circle else invitee.organisation)
        db.session.add(MeetingParticipant(meeting_id=invitation.meeting_id, kind=kind,
                                          name=invitee.name, organisation=organisation[:100]))


def respond(user: User, invitation_id: int, response: str, note: str | None
            ) -> dict[str, Any]:
    """Answer an invitation signed in: the invited member, or staff recording a phone reply."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("找不到该邀请", code="invitation_not_found")
    if invitation.member is not None and invitation.member.user_id == user.id:
        via = "account"
    elif set(READ_ROLES) & user.roles:
        site = db.session.get(Site, _target(invitation)["site_id"])
        assert site is not None
        ensure_site_access(user, site, READ_ROLES)
        via = "staff"
    else:
        raise Forbidden("只能回复发给您本人的邀请", code="not_invitee")
    _answer(invitation, response, note, via)
    return invitation_payload(invitation)


def _by_token(token: str) -> Invitation:
    max_age = current_app.config.get("INVITATION_TOKEN_DAYS", TOKEN_DAYS) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise NotFound("邀请链接无效或已过期", code="invalid_invitation_link") from None
    invitation = db.session.get(Invitation, int(data.get("i", 0)))
    if invitation is None:
        raise NotFound("邀请链接无效或已过期", code="invalid_invitation_link")
    if invitation.token_nonce != data.get("n"):
        raise Conflict("该邀请已回复，链接已失效", code="invitation_answered",
                       errors={"status": invitation.status})
    return invitation


def invitation_for_token(token: str) -> dict[str, Any]:
    """Show an invitee (no account) what the link invites them to."""
    return invitation_payload(_by_token(token), staff=False)


def respond_by_token(token: str, response: str, note: str | None) -> dict[str, Any]:
    """Answer an invitation through its one-time link."""
    invitation = _by_token(token)
    _answer(invitation, response, note, "link")
    return invitation_payload(invitation, staff=False)
