"""Schemas of the evaluation domain's endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PeriodArgsSchema(Schema):
    """A unit and a period of local dates, both ends inclusive (defaults: this month)."""

    unit_id = fields.Integer(metadata={"description": "行政单元；默认为本人管辖的最上级单元"})
    start = fields.Date(metadata={"description": "开始日期（含）"})
    end = fields.Date(metadata={"description": "结束日期（含）"})


class TopicArgsSchema(PeriodArgsSchema):
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


class ReportArgsSchema(PeriodArgsSchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "pdf"]))


class FiguresSchema(Schema):
    """The four highs (rates are 0–1, null when they have no meaning) and the counters."""

    unit = fields.Dict()
    awareness = fields.Float(allow_none=True, metadata={"description": "0–1, 6 decimals"})
    participation = fields.Float(allow_none=True, metadata={"description": "0–1, 6 decimals"})
    awareness_per_10k = fields.Float(allow_none=True, metadata={
        "description": "unique visitors per 10,000 residents (1 decimal, half up)"})
    participation_per_10k = fields.Float(allow_none=True, metadata={
        "description": "participants per 10,000 residents (1 decimal, half up)"})
    success = fields.Float(allow_none=True)
    satisfaction = fields.Float(allow_none=True)
    visitors = fields.Integer(allow_none=True)
    participants = fields.Integer()
    activities = fields.Integer(allow_none=True)
    collected = fields.Integer()
    accepted = fields.Integer()
    solved = fields.Integer()
    rated = fields.Integer()
    satisfied = fields.Integer()
    outcome_rated = fields.Integer()
    outcome_satisfied = fields.Integer()
    answered = fields.Integer()
    avg_answer_days = fields.Float(allow_none=True)
    overdue = fields.Integer()
    with_deadline = fields.Integer()
    overdue_share = fields.Float(allow_none=True)


class DashboardSchema(Schema):
    period = fields.Dict(metadata={"description": "start and end (both inclusive), label"})
    figures = fields.Nested(FiguresSchema)
    definitions = fields.Dict(metadata={"description": "每项指标的口径（名称、公式、说明）"})
    children = fields.List(fields.Nested(FiguresSchema))
    ranking = fields.List(fields.Nested(FiguresSchema))
    breadcrumbs = fields.List(fields.Dict())
    heat = fields.Dict(metadata={"description": "categories × units opinion counts"})
    trend = fields.List(fields.Dict(), metadata={"description": "per week: collected, solved"})


class UnitItemSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()


class HotTopicsSchema(Schema):
    unit = fields.Dict()
    weeks = fields.List(fields.String())
    keywords = fields.List(fields.Dict())
    topics = fields.List(fields.Dict())
    analysed = fields.Integer()
    total = fields.Integer()


class OutcomeRatingBodySchema(Schema):
    """A resident's rating of a meeting outcome (a change within 7 days replaces it)."""

    rating = fields.String(required=True,
                           validate=validate.OneOf(["satisfied", "basically", "unsatisfied"]),
                           metadata={"description": "satisfied 满意 / basically 基本满意 / "
                                                    "unsatisfied 不满意"})
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))


class OutcomeRatingSchema(Schema):
    outcome_id = fields.Integer()
    rating = fields.String(allow_none=True)
    rating_name = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)
    changeable_until = fields.DateTime(allow_none=True)
    changeable = fields.Boolean()
    may_rate = fields.Boolean(metadata={"description": "the caller checked in to a held meeting"})


class WallArgsSchema(Schema):
    unit_id = fields.Integer(metadata={"description": "行政单元；默认为本人管辖的最上级单元"})


class WallSchema(Schema):
    """What the command-centre wall shows (no personal data: excerpts with phones masked)."""

    unit = fields.Dict()
    at = fields.String(metadata={"description": "快照时间（北京时间）"})
    counters = fields.Dict(metadata={"description": "今日新增、本月收集/解决、办理中、超期、"
                                                    "进行中的协商与签到人数、成事率、满意率"})
    meetings = fields.List(fields.Dict(), metadata={"description": "正在进行的协商及签到人数"})
    reports = fields.List(fields.Dict(), metadata={"description": "最新反映（摘要，手机号打码）"})
    overdue_by_sector = fields.List(fields.Dict())
