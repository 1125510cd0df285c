"""Request and response schemas of the meetings domain."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from server.common.text import SHANGHAI
from server.meetings.models import MEETING_STATUSES, PARTICIPANT_KINDS, POLL_KINDS


class ParticipantSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(PARTICIPANT_KINDS)))
    kind_name = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    organisation = fields.String(load_default="", validate=validate.Length(max=100))


class AgendaItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(load_default="")
    source = fields.String(dump_only=True)


class MeetingCreateSchema(Schema):
    site_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    description = fields.String(load_default="")
    location = fields.String(load_default="", validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(required=True, default_timezone=SHANGHAI)
    ends_at = fields.AwareDateTime(allow_none=True, default_timezone=SHANGHAI)
    online = fields.Boolean(load_default=False)
    presence_check = fields.Boolean(metadata={"description": "默认：现场活动开启，线上关闭"})
    quorum = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    participants = fields.List(fields.Nested(ParticipantSchema), load_default=list)
    agenda = fields.List(fields.Nested(AgendaItemSchema), load_default=list)


class MeetingUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=2, max=200))
    description = fields.String()
    location = fields.String(validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(default_timezone=SHANGHAI)
    ends_at = fields.AwareDateTime(allow_none=True, default_timezone=SHANGHAI)
    online = fields.Boolean()
    presence_check = fields.Boolean()
    quorum = fields.Integer(validate=validate.Range(min=0, max=100000))
    minutes = fields.String()
    participants = fields.List(fields.Nested(ParticipantSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))


class MeetingStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(list(MEETING_STATUSES)))


class MeetingListArgsSchema(Schema):
    site_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(list(MEETING_STATUSES)))
    starts_from = fields.Date(metadata={"description": "开始日期（北京时间）不早于"})
    starts_to = fields.Date(metadata={"description": "开始日期（北京时间）不晚于"})


class OptionSchema(Schema):
    id = fields.Integer()
    label = fields.String()


class PollCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="yesno", validate=validate.OneOf(list(POLL_KINDS)))
    options = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          load_default=list, metadata={"description": "yesno 时自动生成"})
    max_choices = fields.Integer(load_default=1)
    secret = fields.Boolean(load_default=True, metadata={"description": "无记名"})
    live_results = fields.Boolean(load_default=True,
                                  metadata={"description": "false：结束前不显示票数"})
    duration_seconds = fields.Integer(allow_none=True, validate=validate.Range(min=10, max=86400))


class PollSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    kind_name = fields.String()
    status = fields.String()
    max_choices = fields.Integer()
    secret = fields.Boolean()
    live_results = fields.Boolean()
    closes_at = fields.String(allow_none=True)
    options = fields.List(fields.Nested(OptionSchema))
    ballots = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    result = fields.Dict(allow_none=True)
    result_error = fields.String(allow_none=True)
    freeze_pending = fields.Boolean(metadata={
        "description": "已结束但结果尚未冻结（计票服务恢复后自动完成）"})
    notice = fields.String(allow_none=True)


class PaperCountsSchema(Schema):
    counts = fields.Dict(keys=fields.Integer(), values=fields.Integer(
        validate=validate.Range(min=0, max=100000)), required=True,
        metadata={"description": "选项 id → 纸质票/举手人数"})
    note = fields.String(load_default="", validate=validate.Length(max=200))


class VoteSchema(Schema):
    choices = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))
    idempotency_key = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=80),
                                    metadata={"description": "重试时带同一个值，得到第一次的答复"})


class VoteAnswerSchema(Schema):
    ballot_id = fields.String()
    poll_id = fields.Integer()
    replay = fields.Boolean()
    cast_at_ms = fields.Integer()
    choices = fields.List(fields.Integer(), metadata={
        "description": "记录在案的选择（同一重试键的重复提交得到第一次的选择）"})
    message = fields.String()


class CheckInSchema(Schema):
    presence = fields.String(load_default=None, allow_none=True,
                             metadata={"description": "大屏幕签到二维码里的 p 参数"})


class CheckInAnswerSchema(Schema):
    meeting_id = fields.Integer()
    checked_in_at = fields.String()
    channel = fields.String()
    message = fields.String()


class JoinCodeSchema(Schema):
    code = fields.String()
    url = fields.String()
    svg = fields.String()
    expires_in = fields.Float()
    window_seconds = fields.Integer()


class ProposalCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class ProposalSchema(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    text = fields.String()
    status = fields.String()
    decision_note = fields.String()
    agenda_item_id = fields.Integer(allow_none=True)
    poll_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ProposalDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "decline"]))
    target = fields.String(load_default="agenda", validate=validate.OneOf(["agenda", "poll"]))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class OutcomeCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    feedback = fields.String(load_default="")


class OutcomeFeedbackSchema(Schema):
    feedback = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class OutcomeSchema(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    text = fields.String()
    feedback = fields.String()
    feedback_at = fields.DateTime(allow_none=True)
    case = fields.Method("_case", allow_none=True, metadata={
        "description": "转办的案件：tracking_no、status（群众看到的状态）、opinion_id、state、"
                       "state_name；未转办为 null"})

    def _case(self, outcome: Any) -> dict[str, Any] | None:
        from server.meetings.followup import case_public

        return case_public(getattr(outcome, "case_opinion", None), staff=True)


class TopicCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    detail = fields.String(load_default="", validate=validate.Length(max=2000))


class TopicSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    detail = fields.String()
    status = fields.String()
    supporters = fields.Integer()
    meeting_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class TopicPickSchema(Schema):
    topic_id = fields.Integer(required=True)


class TopicFromOpinionSchema(Schema):
    opinion_id = fields.Integer(required=True)


class MeetingSchema(Schema):
    """A meeting as staff see it."""

    id = fields.Integer()
    code = fields.String()
    site_id = fields.Integer()
    site_name = fields.String(attribute="site.name")
    title = fields.String()
    description = fields.String()
    location = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime(allow_none=True)
    online = fields.Boolean()
    presence_check = fields.Boolean()
    quorum = fields.Integer()
    status = fields.String()
    minutes = fields.String()
    current_poll_id = fields.Integer(allow_none=True)
    participants = fields.List(fields.Nested(ParticipantSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    url = fields.String()


class SnapshotSchema(Schema):
    meeting = fields.Dict()
    attendance = fields.Dict()
    current_poll = fields.Dict(allow_none=True)
    polls = fields.List(fields.Dict())
    me = fields.Dict()


class NamedVoteSchema(Schema):
    resident_id = fields.Integer()
    choices = fields.List(fields.Integer())
    cast_at = fields.String()


class PublicMeetingSchema(Schema):
    """A meeting on a site's resident page: results, outcomes and feedback."""

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    description = fields.String()
    location = fields.String()
    starts_at = fields.String()
    ends_at = fields.String(allow_none=True)
    status = fields.String()
    status_name = fields.String()
    online = fields.Boolean()
    presence_check = fields.Boolean()
    site = fields.Dict()
    participants = fields.List(fields.Dict())
    agenda = fields.List(fields.Dict())
    outcomes = fields.List(fields.Dict())
    minutes = fields.String()
    polls = fields.List(fields.Dict())
    attendance = fields.Integer()
    when = fields.String(metadata={"description": "北京时间，如 11月30日（周日）14:30"})


class FollowSchema(Schema):
    site_code = fields.String()
    following = fields.Boolean()
    followers = fields.Integer()


class OutcomeCaseSchema(Schema):
    category_id = fields.Integer(load_default=None, allow_none=True,
                                 metadata={"description": "不填则为“其他”"})



# ---- the staff meetings page (/console/meetings) -------------------------------------------


class MeetingListItemSchema(MeetingSchema):
    """A meeting in the staff list, with its site's code and attendance so far."""

    site_code = fields.String(attribute="site.code")
    status_name = fields.String()
    attendance = fields.Integer()


class ChoiceSchema(Schema):
    value = fields.String()
    label = fields.String()


class ManagedSiteSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    unit_name = fields.String()


class MeetingOptionsSchema(Schema):
    sites = fields.List(fields.Nested(ManagedSiteSchema),
                        metadata={"description": "本人可组织协商活动的点位"})
    statuses = fields.List(fields.Nested(ChoiceSchema))
    participant_kinds = fields.List(fields.Nested(ChoiceSchema))


class SuspiciousCheckInSchema(Schema):
    device = fields.String(metadata={"description": "the device id's first characters"})
    checked_in_resident_id = fields.Integer(allow_none=True)
    refused_resident_ids = fields.List(fields.Integer())
