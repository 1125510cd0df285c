"""Endpoints for the member register, the think tank, suggestions and invitations."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.extensions import limiter
from server.people.access import require_staff
from server.thinktank import invitations, registers, suggestions, vocabulary
from server.thinktank.registers import MANAGE_ROLES, READ_ROLES
from server.thinktank.schemas import (
    ExpertArgsSchema,
    ExpertPageSchema,
    ExpertSchema,
    ExpertUpdateSchema,
    ExpertWriteSchema,
    InvitationArgsSchema,
    InvitationCreateSchema,
    InvitationResponseSchema,
    InvitationSchema,
    MemberArgsSchema,
    MemberPageSchema,
    MemberSchema,
    MemberUpdateSchema,
    MemberWriteSchema,
    SpecialtySchema,
    SuggestArgsSchema,
    TextSuggestArgsSchema,
    ThinkTankSuggestionSchema,
)

blp = Blueprint("thinktank", __name__, url_prefix="/api/v1", description="委员与协商智库")


@blp.route("/experts/specialties")
@blp.response(200, SpecialtySchema(many=True))
def specialty_list() -> list[dict[str, str]]:
    """List the fixed specialty vocabulary of the think tank."""
    require_staff(*READ_ROLES)
    return [{"code": c, "name": n} for c, n in vocabulary.specialties().items()]


@blp.route("/experts")
@blp.arguments(ExpertArgsSchema, location="query")
@blp.response(200, ExpertPageSchema)
def list_experts(args: dict[str, Any]) -> dict[str, Any]:
    """Search the expert pool (phones masked)."""
    return registers.list_experts(require_staff(*READ_ROLES), args)


@blp.route("/experts", methods=["POST"])
@blp.arguments(ExpertWriteSchema)
@blp.response(201, ExpertSchema)
def create_expert(body: dict[str, Any]) -> dict[str, Any]:
    """Add an expert to the pool (admins)."""
    return registers.save_expert(require_staff(*MANAGE_ROLES), body)


@blp.route("/experts/<int:expert_id>")
@blp.response(200, ExpertSchema)
def get_expert(expert_id: int) -> dict[str, Any]:
    """Return one expert (phone shown to admins and staff covering the area)."""
    return registers.get_expert(require_staff(*READ_ROLES), expert_id)


@blp.route("/experts/<int:expert_id>", methods=["PATCH"])
@blp.arguments(ExpertUpdateSchema)
@blp.response(200, ExpertSchema)
def update_expert(body: dict[str, Any], expert_id: int) -> dict[str, Any]:
    """Change an expert's record (admins)."""
    return registers.save_expert(require_staff(*MANAGE_ROLES), body, expert_id)


@blp.route("/members")
@blp.arguments(MemberArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
def list_members(args: dict[str, Any]) -> dict[str, Any]:
    """Search the member register (phones masked)."""
    return registers.list_members(require_staff(*READ_ROLES), args)


@blp.route("/members", methods=["POST"])
@blp.arguments(MemberWriteSchema)
@blp.response(201, MemberSchema)
def create_member(body: dict[str, Any]) -> dict[str, Any]:
    """Add a member to the register with the sites they are attached to (admins)."""
    return registers.save_member(require_staff(*MANAGE_ROLES), body)


@blp.route("/members/<int:member_id>")
@blp.response(200, MemberSchema)
def get_member(member_id: int) -> dict[str, Any]:
    """Return one member (phone shown to admins and staff covering an attached site)."""
    return registers.get_member(require_staff(*READ_ROLES), member_id)


@blp.route("/members/<int:member_id>", methods=["PATCH"])
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
def update_member(body: dict[str, Any], member_id: int) -> dict[str, Any]:
    """Change a member's record; sites given replace the attached sites (admins)."""
    return registers.save_member(require_staff(*MANAGE_ROLES), body, member_id)


@blp.route("/opinions/<int:opinion_id>/suggestions")
@blp.arguments(SuggestArgsSchema, location="query")
@blp.response(200, ThinkTankSuggestionSchema)
def opinion_suggestions(args: dict[str, Any], opinion_id: int) -> dict[str, Any]:
    """Suggest experts and members for a case by its text and area."""
    return suggestions.suggest_for_opinion(require_staff(*READ_ROLES), opinion_id, args["limit"])


@blp.route("/meetings/<int:meeting_id>/suggestions")
@blp.arguments(SuggestArgsSchema, location="query")
@blp.response(200, ThinkTankSuggestionSchema)
def meeting_suggestions(args: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Suggest experts and members for a meeting by its topic, agenda and site."""
    return suggestions.suggest_for_meeting(require_staff(*READ_ROLES), meeting_id, args["limit"])


@blp.route("/thinktank/suggestions")
@blp.arguments(TextSuggestArgsSchema, location="query")
@blp.response(200, ThinkTankSuggestionSchema)
def text_suggestions(args: dict[str, Any]) -> dict[str, Any]:
    """Suggest experts and members for free text within an area (the console panel)."""
    return suggestions.suggest_for_text(require_staff(*READ_ROLES), args["text"],
                                     args["unit_id"], args["limit"])


@blp.route("/invitations")
@blp.arguments(InvitationArgsSchema, location="query")
@blp.response(200, InvitationSchema(many=True))
def list_invitations(args: dict[str, Any]) -> list[dict[str, Any]]:
    """List invitations of a case or meeting, or all within scope and the caller's own."""
    return invitations.list_invitations(require_staff(), args)


@blp.route("/invitations", methods=["POST"])
@blp.arguments(InvitationCreateSchema)
@blp.response(201, InvitationSchema)
def create_invitation(body: dict[str, Any]) -> dict[str, Any]:
    """Invite an expert or member to a case or meeting; a member's account is notified."""
    return invitations.create_invitation(require_staff(*READ_ROLES), body)


@blp.route("/invitations/<int:invitation_id>/respond", methods=["POST"])
@blp.arguments(InvitationResponseSchema)
@blp.response(200, InvitationSchema)
def respond(body: dict[str, Any], invitation_id: int) -> dict[str, Any]:
    """Accept or decline: the invited member, or staff recording a reply given by phone."""
    return invitations.respond(require_staff(), invitation_id, body["response"], body["note"])


@blp.route("/invitations/by-token/<string:token>")
@limiter.limit("60/minute")
@blp.response(200, InvitationSchema)
def invitation_by_token(token: str) -> dict[str, Any]:
    """Show an invitee without an account what their one-time link is for."""
    return invitations.invitation_for_token(token)


@blp.route("/invitations/by-token/<string:token>/respond", methods=["POST"])
@limiter.limit("20/minute")
@blp.arguments(InvitationResponseSchema)
@blp.response(200, InvitationSchema)
def respond_by_token(body: dict[str, Any], token: str) -> dict[str, Any]:
    """Accept or decline through the one-time link (no account needed)."""
    return invitations.respond_by_token(token, body["response"], body["note"])
