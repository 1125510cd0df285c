"""HTTP endpoints of the proposals domain (提案)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.people.access import require_staff
from server.proposals import schemas as s
from server.proposals import services

blp = Blueprint("proposals", __name__, url_prefix="/api/v1", description="提案")


@blp.route("/proposals")
@blp.arguments(s.ProposalListArgsSchema, location="query")
@blp.response(200, s.CppccProposalSchema(many=True))
def list_proposals(args: dict[str, Any]) -> list[dict[str, Any]]:
    """List proposals (staff: all; a member: those they lead or co-sign)."""
    user = require_staff()
    return [services.payload(p) for p in services.list_for(user, args.get("status"))]


@blp.route("/proposals", methods=["POST"])
@blp.arguments(s.ProposalDraftSchema)
@blp.response(201, s.CppccProposalSchema)
def create(body: dict[str, Any]) -> dict[str, Any]:
    """Start a proposal draft."""
    return services.payload(services.create_draft(require_staff(), body))


@blp.route("/proposals/<int:proposal_id>")
@blp.response(200, s.CppccProposalSchema)
def show(proposal_id: int) -> dict[str, Any]:
    """Return a proposal with its members, case, deadline and timeline."""
    require_staff()
    return services.payload(services.get(proposal_id))


@blp.route("/proposals/<int:proposal_id>", methods=["PATCH"])
@blp.arguments(s.ProposalDraftUpdateSchema)
@blp.response(200, s.CppccProposalSchema)
def update(body: dict[str, Any], proposal_id: int) -> dict[str, Any]:
    """Edit a draft (co-signers confirm again)."""
    return services.payload(services.update_draft(require_staff(), proposal_id, body))


@blp.route("/proposals/<int:proposal_id>/cosign", methods=["POST"])
@blp.response(200, s.CppccProposalSchema)
def cosign(proposal_id: int) -> dict[str, Any]:
    """Confirm the signed-in member's co-signature."""
    return services.payload(services.confirm(require_staff(), proposal_id))


@blp.route("/proposals/<int:proposal_id>/submit", methods=["POST"])
@blp.response(200, s.CppccProposalSchema)
def submit(proposal_id: int) -> dict[str, Any]:
    """Submit a complete draft."""
    return services.payload(services.submit(require_staff(), proposal_id))


@blp.route("/proposals/<int:proposal_id>/file", methods=["POST"])
@blp.arguments(s.ProposalFileSchema)
@blp.response(200, s.CppccProposalSchema)
def file(body: dict[str, Any], proposal_id: int) -> dict[str, Any]:
    """File the proposal and assign it to the lead and co-handling departments."""
    return services.payload(services.file(
        require_staff(), proposal_id, body["department_id"],
        body["assisting_department_ids"], body.get("category_id")))


@blp.route("/proposals/<int:proposal_id>/merge", methods=["POST"])
@blp.arguments(s.ProposalMergeSchema)
@blp.response(200, s.CppccProposalSchema)
def merge(body: dict[str, Any], proposal_id: int) -> dict[str, Any]:
    """Merge the proposal into another one (并案)."""
    return services.payload(services.merge(require_staff(), proposal_id, body["into_id"],
                                           body["note"]))


@blp.route("/proposals/<int:proposal_id>/answer", methods=["POST"])
@blp.arguments(s.ProposalAnswerSchema)
@blp.response(200, s.CppccProposalSchema)
def answer(body: dict[str, Any], proposal_id: int) -> dict[str, Any]:
    """Answer the proposal (the lead handling department, through its case)."""
    return services.payload(services.answer(require_staff(), proposal_id, body["text"]))


@blp.route("/proposals/<int:proposal_id>/rating", methods=["POST"])
@blp.arguments(s.ProposalRateSchema)
@blp.response(200, s.CppccProposalSchema)
def rate(body: dict[str, Any], proposal_id: int) -> dict[str, Any]:
    """Rate the answer as the lead member: 满意 / 基本满意 / 不满意."""
    return services.payload(services.rate(require_staff(), proposal_id, body["rating"],
                                          body.get("comment")))
