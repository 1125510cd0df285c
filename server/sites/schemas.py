"""Schemas for units, sites and departments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import PageArgsSchema
from server.sites.models import SITE_KINDS, UNIT_KINDS


class UnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(UNIT_KINDS)})
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    population = fields.Integer(allow_none=True)


class UnitArgsSchema(Schema):
    parent_id = fields.Integer(load_default=None)


class SiteSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "immutable public code used in the QR URL"})
    name = fields.String()
    kind = fields.String(metadata={"enum": list(SITE_KINDS)})
    kind_name = fields.Method("_kind_name")
    unit_id = fields.Integer()
    unit_path = fields.String()
    address = fields.String()
    contact_phone = fields.String()
    is_demo = fields.Boolean()
    active = fields.Boolean()
    replaced_by_code = fields.String(allow_none=True)
    url = fields.String()

    def _kind_name(self, obj: object) -> str:
        kind = obj["kind"] if isinstance(obj, dict) else getattr(obj, "kind", "")
        return SITE_KINDS.get(kind, kind)


class SitePageSchema(Schema):
    items = fields.List(fields.Nested(SiteSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SiteArgsSchema(PageArgsSchema):
    unit_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=64))
    kind = fields.String(load_default=None, validate=validate.OneOf(list(SITE_KINDS)))


class SiteCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    unit_id = fields.Integer(required=True)
    kind = fields.String(load_default="room", validate=validate.OneOf(list(SITE_KINDS)))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    contact_phone = fields.String(load_default="", validate=validate.Length(max=32))
    is_demo = fields.Boolean(load_default=False)


class SiteUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    kind = fields.String(validate=validate.OneOf(list(SITE_KINDS)))
    address = fields.String(validate=validate.Length(max=255))
    contact_phone = fields.String(validate=validate.Length(max=32))
    is_demo = fields.Boolean()
    active = fields.Boolean()
    replaced_by_code = fields.String(allow_none=True, validate=validate.Length(max=16))


class PublicSiteSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind_name = fields.String()
    unit_path = fields.String()
    address = fields.String()
    is_demo = fields.Boolean()
    active = fields.Boolean()


class DepartmentSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
