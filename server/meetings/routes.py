"""HTTP endpoints of the meetings domain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError as MarshmallowValidationError

from qr.codes import meeting_url
from server.audit.capture import client_ip, recorded_by_ballot_stream
from server.errors import DomainError, ValidationFailed, translate_field_errors
from server.extensions import limiter
from server.meetings import (
    checkin_guard,
    follows,
    followup,
    lifecycle,
    listing,
    lookup,
    polls,
    presence,
    proposals,
    sse,
    tally,
    topics,
    views,
    voting,
)
from server.meetings.fastpath import answer_text, ballot_audit, vote_shortcut
from server.meetings.models import Meeting
from server.meetings.persister import ensure_background_drain
from server.meetings.schemas import (
    CheckInAnswerSchema,
    CheckInSchema,
    FollowSchema,
    JoinCodeSchema,
    MeetingCreateSchema,
    MeetingListArgsSchema,
    MeetingListItemSchema,
    MeetingOptionsSchema,
    MeetingSchema,
    MeetingStatusSchema,
    MeetingUpdateSchema,
    NamedVoteSchema,
    OutcomeCaseSchema,
    OutcomeCreateSchema,
    OutcomeFeedbackSchema,
    OutcomeSchema,
    PaperCountsSchema,
    PollCreateSchema,
    PollSchema,
    ProposalCreateSchema,
    ProposalDecisionSchema,
    ProposalSchema,
    PublicMeetingSchema,
    SnapshotSchema,
    SuspiciousCheckInSchema,
    TopicCreateSchema,
    TopicFromOpinionSchema,
    TopicPickSchema,
    TopicSchema,
    VoteAnswerSchema,
    VoteSchema,
)
from server.people.access import current_identity, require_resident, require_staff

blp = Blueprint("meetings", __name__, url_prefix="/api/v1", description="码上协商")

STAFF = lookup.MODERATOR_ROLES


def _staff_meeting(meeting: Meeting) -> Meeting:
    # The response schema reads `url` like a column; it is derived, not stored.
    meeting.url = meeting_url(current_app.config["PUBLIC_BASE_URL"], meeting.code)  # type: ignore[attr-defined]
    return meeting


def _per_caller() -> str:
    # A village hall shares one WiFi address; limit each phone (its identity), not the hall.
    from server.common.limits import caller_key

    return caller_key()


def _resident_id() -> int:
    return require_resident().id


# ---- staff: meetings -------------------------------------------------------------------


@blp.route("/meetings", methods=["POST"])
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingSchema)
def create_meeting(body: dict[str, Any]) -> Meeting:
    """Create a draft consultation meeting at a site."""
    return _staff_meeting(lifecycle.create_meeting(require_staff(*STAFF), body))


@blp.route("/meetings")
@blp.arguments(MeetingListArgsSchema, location="query")
@blp.response(200, MeetingListItemSchema(many=True))
def list_meetings(args: dict[str, Any]) -> list[Meeting]:
    """List meetings at sites in the caller's scope (by site, status, start date)."""
    meetings = listing.search_meetings(require_staff(*STAFF), **args)
    return [_staff_meeting(m) for m in meetings]


@blp.route("/meetings/<int:meeting_id>")
@blp.response(200, MeetingSchema)
def get_meeting(meeting_id: int) -> Meeting:
    """Return a meeting for its moderator."""
    return _staff_meeting(lookup.moderated_meeting(require_staff(*STAFF), meeting_id))


@blp.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@blp.arguments(MeetingUpdateSchema)
@blp.response(200, MeetingSchema)
def update_meeting(body: dict[str, Any], meeting_id: int) -> Meeting:
    """Edit a meeting: details, participants, agenda, minutes."""
    return _staff_meeting(lifecycle.update_meeting(require_staff(*STAFF), meeting_id, body))


@blp.route("/meetings/<int:meeting_id>/status", methods=["POST"])
@blp.arguments(MeetingStatusSchema)
@blp.response(200, MeetingSchema)
def set_status(body: dict[str, Any], meeting_id: int) -> Meeting:
    """Publish, start or close a meeting."""
    meeting = lifecycle.set_meeting_status(require_staff(*STAFF), meeting_id, body["status"])
    return _staff_meeting(meeting)


@blp.route("/meetings/<int:meeting_id>/snapshot")
@blp.response(200, SnapshotSchema)
def staff_snapshot(meeting_id: int) -> dict[str, Any]:
    """Return the live state for the moderator (hidden counts included)."""
    meeting = lookup.moderated_meeting(require_staff(*STAFF), meeting_id)
    return views.snapshot(meeting, staff=True)


@blp.route("/meetings/<int:meeting_id>/join-code")
@blp.response(200, JoinCodeSchema)
def join_code(meeting_id: int) -> dict[str, Any]:
    """Return the big screen's join QR, which changes every 30 seconds."""
    return presence.join_code(require_staff(*STAFF), meeting_id)


@blp.route("/meetings/<int:meeting_id>/outcomes", methods=["POST"])
@blp.arguments(OutcomeCreateSchema)
@blp.response(201, OutcomeSchema)
def add_outcome(body: dict[str, Any], meeting_id: int) -> Any:
    """Record an outcome (协商成果) of the meeting."""
    return lifecycle.add_outcome(require_staff(*STAFF), meeting_id, body["text"],
                                body["feedback"])


@blp.route("/meeting-outcomes/<int:outcome_id>/feedback", methods=["POST"])
@blp.arguments(OutcomeFeedbackSchema)
@blp.response(200, OutcomeSchema)
def outcome_feedback(body: dict[str, Any], outcome_id: int) -> Any:
    """Record the feedback given on an outcome (建议都反馈)."""
    return lifecycle.give_feedback(require_staff(*STAFF), outcome_id, body["feedback"])


@blp.route("/meetings/<int:meeting_id>/topics", methods=["POST"])
@blp.arguments(TopicPickSchema)
@blp.response(200, MeetingSchema)
def pick_topic(body: dict[str, Any], meeting_id: int) -> Meeting:
    """Put a collected topic on the meeting's agenda."""
    return _staff_meeting(topics.pick_topic(require_staff(*STAFF), meeting_id,
                                              body["topic_id"]))


@blp.route("/meeting-topics/from-opinion", methods=["POST"])
@blp.arguments(TopicFromOpinionSchema)
@blp.response(201, TopicSchema)
def topic_from_opinion(body: dict[str, Any]) -> Any:
    """Promote a resident's report to a topic of its site."""
    return topics.topic_from_opinion(require_staff(*STAFF), body["opinion_id"])


# ---- staff: polls and proposals --------------------------------------------------------


@blp.route("/meetings/<int:meeting_id>/polls", methods=["POST"])
@blp.arguments(PollCreateSchema)
@blp.response(201, PollSchema)
def create_poll(body: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Add a poll to a meeting."""
    poll = polls.create_poll(require_staff(*STAFF), meeting_id, body)
    return tally.poll_public(poll, staff=True)


@blp.route("/polls/<int:poll_id>/open", methods=["POST"])
@blp.response(200, PollSchema)
def open_poll(poll_id: int) -> dict[str, Any]:
    """Open a poll for voting."""
    return tally.poll_public(polls.open_poll(require_staff(*STAFF), poll_id), staff=True)


@blp.route("/polls/<int:poll_id>/close", methods=["POST"])
@blp.response(200, PollSchema)
def close_poll(poll_id: int) -> dict[str, Any]:
    """Close a poll: drain, freeze the result and check it against the stored ballots."""
    return tally.poll_public(polls.close_poll(require_staff(*STAFF), poll_id), staff=True)


@blp.route("/polls/<int:poll_id>/paper", methods=["POST"])
@blp.arguments(PaperCountsSchema)
@blp.response(200, PollSchema)
def paper_counts(body: dict[str, Any], poll_id: int) -> dict[str, Any]:
    """Enter paper or show-of-hands counts (channel "paper", audited)."""
    poll = polls.enter_paper_counts(require_staff(*STAFF), poll_id, body["counts"],
                                       body["note"])
    return tally.poll_public(poll, staff=True)


@blp.route("/polls/<int:poll_id>/named-votes")
@blp.response(200, NamedVoteSchema(many=True))
def named_votes(poll_id: int) -> list[dict[str, Any]]:
    """List who voted what on a named poll."""
    return polls.named_votes(require_staff(*STAFF), poll_id)


@blp.route("/meetings/<int:meeting_id>/proposals")
@blp.response(200, ProposalSchema(many=True))
def list_proposals(meeting_id: int) -> Any:
    """List proposals from the floor for moderation."""
    return proposals.list_proposals(require_staff(*STAFF), meeting_id)


@blp.route("/meeting-proposals/<int:proposal_id>/decision", methods=["POST"])
@blp.arguments(ProposalDecisionSchema)
@blp.response(200, ProposalSchema)
def decide_proposal(body: dict[str, Any], proposal_id: int) -> Any:
    """Approve a proposal onto the agenda or a ballot, or decline it."""
    return proposals.decide_proposal(require_staff(*STAFF), proposal_id, body["decision"],
                                    body["target"], body["note"])


# ---- residents ---------------------------------------------------------------------------


@blp.route("/m/<string:code>")
@blp.response(200, SnapshotSchema)
def resident_view(code: str) -> dict[str, Any]:
    """Return a meeting as the phone page shows it, with the caller's check-in and votes."""
    identity = current_identity()
    resident_id = identity.resident.id if identity.resident is not None else None
    return views.resident_view(code, resident_id)


@blp.route("/m/<string:code>/checkin", methods=["POST"])
@blp.arguments(CheckInSchema)
@blp.response(200, CheckInAnswerSchema)
def check_in(body: dict[str, Any], code: str) -> dict[str, Any]:
    """Check in to a meeting (on-site meetings need the big screen's current code)."""
    attendance = presence.check_in(code, _resident_id(), body.get("presence"))
    return {"meeting_id": attendance.meeting_id,
            "checked_in_at": attendance.checked_in_at.isoformat(),
            "channel": attendance.channel, "message": "签到成功"}


def _doc_only(decorator: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply a flask-smorest decorator for the OpenAPI document only, not at run time."""

    def apply(view: Any) -> Any:
        view._apidoc = decorator(view)._apidoc
        return view

    return apply


_VOTE_SCHEMA = VoteSchema()


def _vote_body() -> tuple[dict[str, Any], bool | None]:
    """Parse a vote body: the common well-formed case by hand, anything else by VoteSchema.

    The hot path of a live poll; webargs builds a schema and walks marshmallow per request,
    which cost more than the Redis script. Only bodies VoteSchema would accept unchanged
    take the short cut, so answers and error messages stay the schema's. Also tells whether
    the body held an `idempotency_key` (None: not the short cut).
    """
    data = request.get_json(silent=True)
    shortcut = vote_shortcut(data)
    if shortcut is not None:
        choices, key, key_in_body = shortcut
        return {"choices": choices, "idempotency_key": key}, key_in_body
    if data is None and request.is_json and request.get_data():
        raise DomainError(status=400, errors={"json": ["请求内容不是有效的 JSON"]})
    try:
        return _VOTE_SCHEMA.load({} if data is None else data), None
    except MarshmallowValidationError as exc:
        raise ValidationFailed(errors=translate_field_errors(exc.messages)) from exc


@blp.route("/polls/<int:poll_id>/votes", methods=["POST"])
@limiter.unlimited
@blp.response(200, VoteAnswerSchema)
@_doc_only(blp.arguments(VoteSchema))
def vote(poll_id: int) -> Response:
    """Cast a ballot; a retry with the same idempotency key returns the first answer.

    503 `vote_pending` (with Retry-After): the ballot was not counted because the tally
    service is recovering; send it again with the same idempotency key.
    """
    # No rate limit on purpose: each resident counts once per poll (the script refuses a
    # second ballot, retries are idempotent), a big meeting votes from one address, and a
    # forged token costs one signature check. Authenticated by the resident bearer token
    # only, so no cookie session or CSRF check applies (see people.access).
    # A well-formed new ballot is usually answered before Flask by meetings.fastpath with
    # the same service; this view answers the rest (retries, refusals, other bodies).
    body, key_in_body = _vote_body()
    key = body.get("idempotency_key") or request.headers.get("Idempotency-Key")
    # Only bodies the short cut parsed: their audit summary can be rebuilt from the ballot.
    audit = None if key_in_body is None else ballot_audit(
        body["choices"], key_in_body, request.headers.get("User-Agent", ""), client_ip(),
        request.environ.get("sl.request_id"))
    answer = voting.cast_vote(poll_id, views.resident_id_from_token(), body["choices"],
                                key, audit=audit)
    if answer.via == "redis":
        ensure_background_drain()
        if audit is not None and not answer.replay:
            # A new ballot went onto the poll's stream with its audit facts: the persister
            # writes this request's audit row with the ballot (see meetings.persister).
            recorded_by_ballot_stream()
    # Built by hand (same bytes as VoteAnswerSchema + jsonify): this runs once per vote.
    return Response(answer_text(answer.ballot_uid, poll_id, answer.replay, answer.cast_at_ms,
                                answer.choices), mimetype="application/json")


@blp.route("/m/<string:code>/proposals", methods=["POST"])
@limiter.limit("10/minute", key_func=_per_caller)
@blp.arguments(ProposalCreateSchema)
@blp.response(201, ProposalSchema)
def submit_proposal(body: dict[str, Any], code: str) -> Any:
    """Submit a proposal from the floor (shown after the moderator approves it)."""
    return proposals.submit_proposal(code, _resident_id(), body["text"])


@blp.route("/m/<string:code>/events")
@blp.doc(responses={200: {"description": "text/event-stream: snapshot, tally, poll, "
                                          "attendance, meeting, resync"}})
def events(code: str) -> Response:
    """Stream the meeting's live events (Server-Sent Events)."""
    meeting = lookup.meeting_by_code(code)
    hub = sse.get_hub(current_app._get_current_object())  # type: ignore[attr-defined]
    listener = hub.subscribe(meeting.id)
    # The snapshot is taken after subscribing, so nothing published in between is missed.
    first = json.dumps(views.snapshot(meeting), ensure_ascii=False, default=str)
    from server.extensions import db

    db.session.remove()
    body = sse.stream(hub, listener, f"event: snapshot\ndata: {first}\n\n")
    return Response(body, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@blp.route("/sites/<string:code>/topics", methods=["POST"])
@limiter.limit("10/minute", key_func=_per_caller)
@blp.arguments(TopicCreateSchema)
@blp.response(201, TopicSchema)
def propose_topic(body: dict[str, Any], code: str) -> Any:
    """Propose a topic for a site's next consultations (议题征集)."""
    return topics.propose_topic(code, _resident_id(), body["title"], body["detail"])


@blp.route("/public/sites/<string:code>/topics")
@blp.response(200, TopicSchema(many=True))
def list_topics(code: str) -> Any:
    """List a site's collected topics, most supported first."""
    return topics.list_topics(code)


@blp.route("/meeting-topics/<int:topic_id>/support", methods=["POST"])
@blp.response(200, TopicSchema)
def support_topic(topic_id: int) -> Any:
    """Support a topic (once per resident)."""
    return topics.support_topic(topic_id, _resident_id())


@blp.route("/public/sites/<string:code>/meetings")
@blp.response(200, PublicMeetingSchema(many=True))
def site_meetings(code: str) -> list[dict[str, Any]]:
    """Return a site's recent meetings with frozen results, outcomes and feedback."""
    return views.site_meetings_public(code)


# ---- follow-ups: site follows, outcome → case ------------------------------------------


@blp.route("/sites/<string:code>/follow")
@blp.response(200, FollowSchema)
def follow_state(code: str) -> dict[str, Any]:
    """Return whether the calling resident follows the site (关注点位)."""
    return follows.follow_state(code, _resident_id())


@blp.route("/sites/<string:code>/follow", methods=["PUT"])
@blp.response(200, FollowSchema)
def follow_site(code: str) -> dict[str, Any]:
    """Follow a site: hear about the meetings it publishes (inbox and WeChat)."""
    return follows.set_follow(code, _resident_id(), True)


@blp.route("/sites/<string:code>/follow", methods=["DELETE"])
@blp.response(200, FollowSchema)
def unfollow_site(code: str) -> dict[str, Any]:
    """Stop following a site."""
    return follows.set_follow(code, _resident_id(), False)


@blp.route("/meeting-outcomes/<int:outcome_id>/case", methods=["POST"])
@blp.arguments(OutcomeCaseSchema)
@blp.response(201, OutcomeSchema)
@blp.alt_response(200, schema=OutcomeSchema, description="已转办过：返回原来的案件")
def outcome_to_case(body: dict[str, Any], outcome_id: int) -> Any:
    """Turn an outcome into a dispatch case (成果转办); doing it again returns the same case."""
    outcome, created = followup.outcome_to_case(require_staff(*STAFF), outcome_id,
                                                body.get("category_id"))
    return outcome, 201 if created else 200


# ---- the staff meetings page: what the 新建协商活动 form may offer ---------------------------


@blp.route("/meeting-options")
@blp.response(200, MeetingOptionsSchema)
def meeting_options() -> dict[str, Any]:
    """Return the sites the caller may organise meetings at, statuses and participant kinds."""
    return listing.meeting_options(require_staff(*STAFF))


@blp.route("/meetings/<int:meeting_id>/checkins/suspicious")
@blp.response(200, SuspiciousCheckInSchema(many=True))
def suspicious_check_ins(meeting_id: int) -> list[dict[str, Any]]:
    """List devices that several residents tried to check in from (ballot stuffing)."""
    return checkin_guard.suspicious(
        lookup.moderated_meeting(require_staff(*STAFF), meeting_id))


@blp.route("/meetings/<int:meeting_id>/checkins/<int:resident_id>", methods=["DELETE"])
@blp.response(204)
def void_check_in(meeting_id: int, resident_id: int) -> None:
    """Void a resident's check-in: from now on they cannot vote in this meeting."""
    checkin_guard.void_check_in(
        lookup.moderated_meeting(require_staff(*STAFF), meeting_id), resident_id)
