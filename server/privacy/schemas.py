"""What the privacy endpoints answer."""

from __future__ import annotations

from marshmallow import Schema, fields


class PrivacyExportSchema(Schema):
    resident = fields.Dict()
    consent = fields.Dict(allow_none=True)
    reports = fields.List(fields.Dict())
    ratings = fields.List(fields.Dict())
    supports = fields.List(fields.String())
    checkins = fields.List(fields.Dict())
    votes = fields.List(fields.Dict())


class PrivacyErasedSchema(Schema):
    reports = fields.Integer(metadata={"description": "reports kept as anonymous cases"})
    photos = fields.Integer()
    follows = fields.Integer()
