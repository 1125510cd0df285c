"""Schemas of the audit log API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.audit.models import ACTOR_KINDS
from server.common.schemas import PageArgsSchema
from server.common.text import SHANGHAI


class AuditSearchArgsSchema(PageArgsSchema):
    user_id = fields.Integer(metadata={"description": "staff user id"})
    username = fields.String(validate=validate.Length(max=64),
                             metadata={"description": "username (also the one tried at a "
                                                      "failed sign-in), case-insensitive"})
    resident_id = fields.Integer()
    actor_kind = fields.String(validate=validate.OneOf(list(ACTOR_KINDS)))
    action = fields.String(validate=validate.Length(max=24),
                           metadata={"description": "write, login, logout, token, export, "
                                                    "download, audit_search, view (a read "
                                                    "that showed personal data)"})
    method = fields.String(validate=validate.OneOf(
        ["GET", "POST", "PUT", "PATCH", "DELETE", "get", "post", "put", "patch", "delete"]))
    path = fields.String(validate=validate.Length(max=255),
                         metadata={"description": "part of the path or path template"})
    endpoint = fields.String(validate=validate.Length(max=100),
                             metadata={"description": "endpoint name, e.g. auth.login"})
    status = fields.Integer()
    outcome = fields.String(validate=validate.OneOf(["ok", "denied", "error"]))
    personal_data = fields.Boolean(metadata={"description": "only exports of personal data"})
    ip = fields.String(validate=validate.Length(max=45),
                       metadata={"description": "an address, or a prefix ending in . or :"})
    since = fields.AwareDateTime(default_timezone=SHANGHAI,
                                 metadata={"description": "from this time (inclusive)"})
    until = fields.AwareDateTime(default_timezone=SHANGHAI,
                                 metadata={"description": "before this time"})


class AuditExportArgsSchema(AuditSearchArgsSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    at_local = fields.String(metadata={"description": "Asia/Shanghai"})
    actor_kind = fields.String()
    actor_name = fields.String()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    action = fields.String()
    action_name = fields.String()
    method = fields.String()
    endpoint = fields.String(allow_none=True)
    path_template = fields.String(allow_none=True)
    path = fields.String()
    resource = fields.Dict(allow_none=True)
    status = fields.Integer()
    outcome = fields.String()
    outcome_name = fields.String()
    personal_data = fields.Boolean()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    summary = fields.Dict(allow_none=True, metadata={"description": "redacted request body"})
    duration_ms = fields.Integer(allow_none=True)
    description = fields.String(metadata={"description": "what was done, in Chinese"})
    summary_text = fields.String(metadata={"description": "the summary as 字段：值"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
