"""Schemas of the assessment domain's endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PeriodArgsSchema(Schema):
    """A period: explicit start/end (inclusive), or a year with a quarter or a month."""

    year = fields.Integer(validate=validate.Range(2000, 2100),
                          metadata={"description": "年份；默认今年"})
    quarter = fields.Integer(validate=validate.Range(1, 4), metadata={"description": "季度"})
    month = fields.Integer(validate=validate.Range(1, 12), metadata={"description": "月份"})
    start = fields.Date(metadata={"description": "开始日期（含），与年/季/月互斥"})
    end = fields.Date(metadata={"description": "结束日期（含）"})


class SiteArgsSchema(PeriodArgsSchema):
    demo_only = fields.Boolean(load_default=False, metadata={"description": "只看示范点"})


class YearArgsSchema(Schema):
    year = fields.Integer(validate=validate.Range(2000, 2100),
                          metadata={"description": "年份；默认今年"})


class ComponentSchema(Schema):
    key = fields.String()
    name = fields.String()
    rate = fields.Float(allow_none=True, metadata={"description": "0–1；无数据为 null（显示“—”）"})
    weight = fields.Float()
    share = fields.Float(allow_none=True, metadata={"description": "重新归一后的权重占比"})
    points = fields.Float(allow_none=True, metadata={"description": "该分项贡献的分数"})


class PenaltySchema(Schema):
    key = fields.String()
    name = fields.String()
    count = fields.Integer()
    points = fields.Float()


class ScoreItemSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit_name = fields.String()
    is_demo = fields.Boolean()
    rank = fields.Integer(allow_none=True)
    score = fields.Float(allow_none=True, metadata={"description": "0–100；无任何数据为 null"})
    base = fields.Float(allow_none=True)
    deducted = fields.Float()
    components = fields.List(fields.Nested(ComponentSchema))
    penalties = fields.List(fields.Nested(PenaltySchema))
    facts = fields.Dict(metadata={"description": "计算所用的原始计数"})


class ScoresSchema(Schema):
    period = fields.Dict()
    formula = fields.String()
    weights = fields.Dict()
    penalty_rules = fields.Dict()
    items = fields.List(fields.Nested(ScoreItemSchema))


class ShortfallSiteSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit_name = fields.String()
    held = fields.Integer()
    required = fields.Integer()
    short = fields.Integer()
    expected_to_date = fields.Integer()
    status = fields.String()
    status_name = fields.String()


class ShortfallSchema(Schema):
    year = fields.Integer()
    required = fields.Integer()
    expected_to_date = fields.Integer()
    as_of = fields.String()
    rule = fields.String()
    sites = fields.List(fields.Nested(ShortfallSiteSchema))


class SettingSchema(Schema):
    key = fields.String()
    value = fields.Float()
    default = fields.Float()
    kind = fields.String()
    name = fields.String()
    group = fields.String()
    min = fields.Float()
    max = fields.Float()


class SettingsSchema(Schema):
    formula = fields.String()
    settings = fields.List(fields.Nested(SettingSchema))
    components = fields.Dict()
    penalties = fields.Dict()


class SettingsUpdateSchema(Schema):
    values = fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False),
                         required=True, metadata={"description": "设置项 → 新数值"})


class ChecklistItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(validate=validate.Length(max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    sort_order = fields.Integer(load_default=None, allow_none=True)
    active = fields.Boolean(dump_only=True)


class ChecklistItemUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    description = fields.String(validate=validate.Length(max=1000))
    sort_order = fields.Integer()
    active = fields.Boolean()


class EvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "photo | document"})
    filename = fields.String()
    size = fields.Integer()
    note = fields.String(allow_none=True)
    uploaded_by = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()
    url = fields.String()
    can_withdraw = fields.Boolean(metadata={
        "description": "the caller may withdraw it (uploader or admin, item not approved)"})


class EvidenceUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class EvidenceFormSchema(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class SiteChecklistItemSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    description = fields.String()
    sort_order = fields.Integer()
    active = fields.Boolean()
    status = fields.String()
    status_name = fields.String()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema))


class SiteChecklistSchema(Schema):
    site = fields.Dict()
    items = fields.List(fields.Nested(SiteChecklistItemSchema))
    summary = fields.Dict()
    can_upload = fields.Boolean()
    can_review = fields.Boolean()


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class ChecklistStatusSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit_name = fields.String()
    items = fields.Integer()
    with_evidence = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    complete = fields.Boolean()
