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
    sort_order = fields.Integer()
    active = fields.Boolean()


class UnitArgsSchema(Schema):
    parent_id = fields.Integer(load_default=None)
    include_retired = fields.Boolean(load_default=False)


class UnitCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    parent_id = fields.Integer(load_default=None, allow_none=True)
    population = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=0))
    sort_order = fields.Integer(load_default=0)


class UnitUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    kind = fields.String(validate=validate.OneOf(list(UNIT_KINDS)))
    parent_id = fields.Integer(allow_none=True, metadata={"description": "move the unit"})
    population = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    sort_order = fields.Integer()


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
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    population = fields.Integer(allow_none=True)

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
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    population = fields.Integer(allow_none=True, validate=validate.Range(min=0))


class SiteUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    kind = fields.String(validate=validate.OneOf(list(SITE_KINDS)))
    address = fields.String(validate=validate.Length(max=255))
    contact_phone = fields.String(validate=validate.Length(max=32))
    is_demo = fields.Boolean()
    active = fields.Boolean()
    replaced_by_code = fields.String(allow_none=True, validate=validate.Length(max=16))
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    population = fields.Integer(allow_none=True, validate=validate.Range(min=0))


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
    head_user_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    merged_into_id = fields.Integer(allow_none=True)


class DepartmentCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    unit_id = fields.Integer(load_default=None, allow_none=True)


class DepartmentUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    head_user_id = fields.Integer(allow_none=True, metadata={"description": "负责人（红色预警）"})


class DepartmentMergeSchema(Schema):
    into_id = fields.Integer(required=True)


class DepartmentMergedSchema(Schema):
    id = fields.Integer()
    merged_into_id = fields.Integer()
    open_cases_moved = fields.Integer()
    grants_moved = fields.Integer()


class PosterArgsSchema(Schema):
    size = fields.String(load_default="A4", validate=validate.OneOf(["A4", "A3", "A5"]),
                         metadata={"description": "A4/A3 wall poster, A5 folded table tent"})
    bleed = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=10),
                         metadata={"description": "bleed in mm for print shops (PDF only)"})
    crop_marks = fields.Boolean(load_default=False,
                                metadata={"description": "crop marks outside the bleed (PDF)"})


class PosterPngArgsSchema(Schema):
    size = fields.String(load_default="A4", validate=validate.OneOf(["A4", "A3", "A5"]))
    dpi = fields.Integer(load_default=150, validate=validate.Range(min=30, max=300))


class QrPngArgsSchema(Schema):
    px = fields.Integer(load_default=1200, validate=validate.Range(min=64, max=4000),
                        metadata={"description": "side of the square PNG in pixels"})


class ScanArgsSchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class ScanDaySchema(Schema):
    date = fields.String(metadata={"description": "day in Asia/Shanghai, YYYY-MM-DD"})
    visitors = fields.Integer(metadata={"description": "unique devices that day (estimate)"})
    scans = fields.Integer()


class ScanStatsSchema(Schema):
    site_id = fields.Integer()
    code = fields.String()
    days = fields.List(fields.Nested(ScanDaySchema), metadata={"description": "newest first"})
    total_scans = fields.Integer()
    unique_visitors = fields.Integer(
        metadata={"description": "devices over the whole period, each counted once (estimate)"})
