"""Response shapes of the publicity domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PublicityYearArgsSchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class PublicityFiguresSchema(Schema):
    activities = fields.Integer()
    collected = fields.Integer()
    solved = fields.Integer()
    period = fields.String()
    start = fields.String()
    end = fields.String()


class PublicityWhereSchema(Schema):
    decision = fields.String(allow_none=True)
    decision_name = fields.String()
    text = fields.String()


class PublicityPhotoSchema(Schema):
    id = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    url = fields.String()
    thumb_url = fields.String()


class PublicityOutcomeSchema(Schema):
    outcome_id = fields.Integer()
    meeting_title = fields.String()
    site_name = fields.String()
    date = fields.String()
    before = fields.String()
    after = fields.String()
    departments = fields.List(fields.String())
    photos = fields.List(fields.Nested(PublicityPhotoSchema))
    where = fields.Nested(PublicityWhereSchema)


class PublicityPageSchema(Schema):
    kind = fields.String()
    name = fields.String()
    code = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String()
    year = fields.Integer()
    figures = fields.Nested(PublicityFiguresSchema)
    outcomes = fields.List(fields.Nested(PublicityOutcomeSchema))
