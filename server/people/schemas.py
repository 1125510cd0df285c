"""Request and response schemas for sign-in and accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import PageArgsSchema
from server.people.models import ROLES


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class TokenRequestSchema(LoginSchema):
    name = fields.String(load_default="", validate=validate.Length(max=64))


class GrantSchema(Schema):
    id = fields.Integer()
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
    must_change_password = fields.Boolean(
        metadata={"description": "signed in with a temporary password: only "
                                 "/auth/password, /auth/me and /auth/logout answer until changed"})


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


# ---- password and accounts ----------------------------------------------------------------


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(max=256),
                                     metadata={"description": "current or temporary password"})
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(max=256),
                                 metadata={"description": "10+ characters, not the username, "
                                                          "not a common password"})


class GrantRequestSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    unit_id = fields.Integer(load_default=None, allow_none=True)
    department_id = fields.Integer(load_default=None, allow_none=True)
    site_id = fields.Integer(load_default=None, allow_none=True)


class AccountSchema(UserSchema):
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
    active = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    password_changed_at = fields.DateTime(allow_none=True)
    manageable = fields.Boolean(metadata={"description": "every grant within your admin scope"})


class AccountPageSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AccountArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=64))
    active = fields.Boolean(load_default=None, allow_none=True)


USERNAME = validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$",
                           error="用户名只能用字母、数字和 _ . @ -，2 到 64 位")


class AccountCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    grants = fields.List(fields.Nested(GrantRequestSchema), required=True,
                         validate=validate.Length(min=1, max=20))


class AccountUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))


class TemporaryPasswordSchema(Schema):
    account = fields.Nested(AccountSchema)
    temporary_password = fields.String(
        metadata={"description": "shown once; must be changed at the next sign-in"})
    expires_at = fields.DateTime()
