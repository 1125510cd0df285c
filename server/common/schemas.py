"""Schema pieces shared by every domain."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """The one error shape."""

    code = fields.String(required=True, metadata={"description": "stable machine code"})
    status = fields.Integer(required=True)
    message = fields.String(required=True, metadata={"description": "message for people (中文)"})
    errors = fields.Dict(metadata={"description": "field errors or details"})


class OkSchema(Schema):
    ok = fields.Boolean(required=True)


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=lambda v: v >= 1)
    per_page = fields.Integer(load_default=50, validate=lambda v: 1 <= v <= 500)
