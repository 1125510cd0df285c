"""Request and response shapes of the duty domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class DutyYearArgsSchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    circle_id = fields.Integer()
    sector_id = fields.Integer()


class DutyScoreItemSchema(Schema):
    kind = fields.String()
    name = fields.String()
    count = fields.Integer()
    points = fields.Float()
    cap = fields.Float()
    score = fields.Float()
    formula = fields.String()


class DutyEventSchema(Schema):
    kind = fields.String()
    kind_name = fields.String()
    title = fields.String()
    at_attached_site = fields.Boolean()
    at = fields.String()


class DutyMemberScoreSchema(Schema):
    rank = fields.Integer()
    member_id = fields.Integer()
    name = fields.String()
    circle = fields.String()
    sector = fields.String()
    phone = fields.String(allow_none=True)
    sites = fields.List(fields.String())
    items = fields.List(fields.Nested(DutyScoreItemSchema))
    score = fields.Float()
    site_activities = fields.Integer()
    required_site_activities = fields.Integer()
    shortfall = fields.Integer()


class DutyGroupSchema(Schema):
    name = fields.String()
    members = fields.Integer()
    average = fields.Float()
    events = fields.Integer()
    short = fields.Integer()


class DutyOptionSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class DutyOptionsSchema(Schema):
    circles = fields.List(fields.Nested(DutyOptionSchema))
    sectors = fields.List(fields.Nested(DutyOptionSchema))


class DutyScoresSchema(Schema):
    options = fields.Nested(DutyOptionsSchema)
    year = fields.Integer()
    formula = fields.String()
    items = fields.List(fields.Nested(DutyMemberScoreSchema))
    circles = fields.List(fields.Nested(DutyGroupSchema))
    sectors = fields.List(fields.Nested(DutyGroupSchema))


class DutyRecordSchema(DutyMemberScoreSchema):
    year = fields.Integer()
    formula = fields.String()
    events = fields.List(fields.Nested(DutyEventSchema))


class DutyShortfallItemSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    circle = fields.String()
    sector = fields.String()
    sites = fields.List(fields.String())
    site_activities = fields.Integer()
    required_site_activities = fields.Integer()
    shortfall = fields.Integer()


class DutyShortfallSchema(Schema):
    year = fields.Integer()
    items = fields.List(fields.Nested(DutyShortfallItemSchema))


class DutySettingSchema(Schema):
    key = fields.String()
    value = fields.Float()
    default = fields.Float()
    name = fields.String()
    min = fields.Float()
    max = fields.Float()


class DutySettingsSchema(Schema):
    formula = fields.String()
    settings = fields.List(fields.Nested(DutySettingSchema))


class DutySettingsUpdateSchema(Schema):
    values = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


class DutyRollCallSchema(Schema):
    member_id = fields.Integer(required=True)


class DutyRecordedSchema(Schema):
    recorded = fields.Boolean()
