"""Request and response schemas of the supervision domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import PageArgsSchema
from server.supervision.models import LEVELS, ORDER_STATUSES, STEPS, TARGET_KINDS

TEXT = validate.Length(max=2000)


class WarningArgsSchema(PageArgsSchema):
    level = fields.String(validate=validate.OneOf(list(LEVELS)))
    step = fields.String(validate=validate.OneOf(list(STEPS)))
    unit_id = fields.Integer(metadata={"description": "a sector (or any unit) and its subtree"})
    department_id = fields.Integer()


class CountsSchema(Schema):
    blue = fields.Integer()
    yellow = fields.Integer()
    red = fields.Integer()


class WarningSchema(Schema):
    id = fields.Integer()
    level = fields.String(metadata={"description": "blue | yellow | red"})
    level_name = fields.String()
    step = fields.String(metadata={"description": "sign | answer | order"})
    step_name = fields.String()
    target_kind = fields.String(metadata={"description": "case | order"})
    target_id = fields.Integer()
    opinion_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    text = fields.String()
    state_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "always masked"})
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    member_name = fields.String(allow_none=True)
    unit_name = fields.String(allow_none=True)
    site_name = fields.String(allow_none=True)
    window_start = fields.DateTime()
    due_at = fields.DateTime()
    raised_at = fields.DateTime()
    overdue = fields.Boolean()
    no_handler = fields.Boolean(metadata={
        "description": "the department has no handler account: its head or the dispatchers "
                       "were warned instead"})


class DepartmentRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class WarningListSchema(Schema):
    items = fields.List(fields.Nested(WarningSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    counts = fields.Nested(CountsSchema)
    departments_without_handlers = fields.List(fields.Nested(DepartmentRefSchema))


class OrderArgsSchema(PageArgsSchema):
    status = fields.String(metadata={"description": "one status or several, comma-separated"})
    target_kind = fields.String(validate=validate.OneOf(list(TARGET_KINDS)))


class IssueOrderSchema(Schema):
    target_kind = fields.String(required=True, validate=validate.OneOf(list(TARGET_KINDS)))
    target_id = fields.Integer(metadata={"description": "case (opinion) id, department id "
                                                        "or site id"})
    tracking_no = fields.String(validate=validate.Length(max=32),
                                metadata={"description": "a case by its tracking number"})
    site_code = fields.String(validate=validate.Length(max=16),
                              metadata={"description": "a site by its code"})
    demand = fields.String(required=True, validate=TEXT)
    due_days = fields.Integer(validate=validate.Range(min=1, max=60),
                              metadata={"description": "working days from now"})
    due_date = fields.Date(metadata={"description": "or a date (end of that day, Shanghai)"})


class RespondSchema(Schema):
    text = fields.String(required=True, validate=TEXT)


class EscalateSchema(Schema):
    note = fields.String(required=True, validate=TEXT)
    due_days = fields.Integer(validate=validate.Range(min=1, max=60))
    due_date = fields.Date()


class CloseSchema(Schema):
    note = fields.String(validate=TEXT)


class OrderEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    action_name = fields.String()
    actor_name = fields.String()
    note = fields.String(allow_none=True)
    data = fields.Dict()


class OrderSchema(Schema):
    id = fields.Integer()
    target_kind = fields.String()
    target_kind_name = fields.String()
    target_name = fields.String()
    opinion_id = fields.Integer(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    demand = fields.String()
    issued_by_name = fields.String(allow_none=True)
    issued_at = fields.DateTime()
    due_at = fields.DateTime()
    status = fields.String(metadata={"description": " | ".join(ORDER_STATUSES)})
    status_name = fields.String()
    escalations = fields.Integer()
    responded_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "its live warning colour"})
    actions = fields.List(fields.String())


class OrderDetailSchema(OrderSchema):
    timeline = fields.List(fields.Nested(OrderEventSchema))


class OrderListSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SweepSchema(Schema):
    now = fields.String()
    checked = fields.Integer()
    raised = fields.Dict(keys=fields.String(), values=fields.Integer())
    notified = fields.Integer()
    cleared = fields.Integer()


class DepartmentHeadSchema(Schema):
    head_user_id = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": "a staff user, or null to unset"})


class DepartmentHeadResultSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    head_user_id = fields.Integer(allow_none=True)
    head_name = fields.String(allow_none=True)
