"""Request and response schemas for sign-in and accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class TokenRequestSchema(LoginSchema):
    name = fields.String(load_default="", validate=validate.Length(max=64))


class GrantSchema(Schema):
    role = fields.String(required=True)
    role_name = fields.String()
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    grants = fields.List(fields.Nested(GrantSchema))


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(metadata={"description": "send back as X-CSRF-Token on writes"})


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class WeChatLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class ResidentTokenSchema(Schema):
    token = fields.String(required=True)
    resident_id = fields.Integer(required=True)
    kind = fields.String(required=True)


class ResidentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
