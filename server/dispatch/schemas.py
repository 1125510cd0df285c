"""Request and response schemas of the dispatch domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import PageArgsSchema

NOTE = validate.Length(max=2000)
CASE_SORTS = ("newest", "oldest", "due")


class CaseListArgsSchema(PageArgsSchema):
    state = fields.String(metadata={"description": "one state or several, comma-separated"})
    category_id = fields.Integer()
    kind = fields.String()
    unit_id = fields.Integer(metadata={"description": "the unit and its subtree"})
    department_id = fields.Integer()
    member_user_id = fields.Integer()
    overdue = fields.Boolean()
    mine = fields.Boolean(metadata={"description": "only cases assigned to me / my department"})
    q = fields.String(validate=validate.Length(max=64))
    sort = fields.String(load_default="newest", validate=validate.OneOf(list(CASE_SORTS)),
                         metadata={"description": "newest, oldest or due (earliest deadline)"})


class ExportArgsSchema(CaseListArgsSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class CaseSummarySchema(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    state = fields.String()
    state_name = fields.String()
    kind = fields.String()
    kind_name = fields.String()
    category_id = fields.Integer(allow_none=True)
    category_name = fields.String(allow_none=True)
    text = fields.String()
    site_id = fields.Integer()
    unit_id = fields.Integer()
    created_at = fields.DateTime()
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    member_user_id = fields.Integer(allow_none=True)
    member_name = fields.String(allow_none=True)
    sign_due_at = fields.DateTime(allow_none=True)
    answer_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    redo_count = fields.Integer()
    return_count = fields.Integer()
    calendar_warning = fields.String(
        allow_none=True,
        metadata={"description": "set when a deadline was computed on plain weekends"})


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class EventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    action_name = fields.String()
    actor_kind = fields.String()
    actor_name = fields.String()
    role = fields.String(allow_none=True)
    role_name = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    to_state_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    data = fields.Dict()


class PhotoSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    thumb_url = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class SuggestionSchema(Schema):
    department_id = fields.Integer()
    department_name = fields.String()
    load = fields.Integer()


class ReplyTemplateSchema(Schema):
    id = fields.Integer(dump_only=True)
    category_id = fields.Integer(allow_none=True, load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=64))
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PendingExtensionSchema(Schema):
    id = fields.Integer()
    days = fields.Integer()
    reason = fields.String()


class CaseDetailSchema(CaseSummarySchema):
    site_name = fields.String(allow_none=True)
    unit_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked unless allowed"})
    phone_masked = fields.Boolean()
    contact_name = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    answer = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    rating = fields.String(allow_none=True)
    rating_name = fields.String(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    assisting_department_ids = fields.List(fields.Integer())
    assisting_department_names = fields.List(fields.String())
    extension_count = fields.Integer()
    pending_extension = fields.Nested(PendingExtensionSchema, allow_none=True)
    timeline = fields.List(fields.Nested(EventSchema))
    photos = fields.List(fields.Nested(PhotoSchema))
    actions = fields.List(fields.String(), metadata={"description": "what the caller may do now"})
    capacities = fields.List(fields.String())
    suggestion = fields.Nested(SuggestionSchema, allow_none=True)
    templates = fields.List(fields.Nested(ReplyTemplateSchema))


class NoteSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AnswerSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AssignSchema(Schema):
    department_id = fields.Integer(load_default=None, allow_none=True)
    member_user_id = fields.Integer(load_default=None, allow_none=True)
    assisting_department_ids = fields.List(fields.Integer(), load_default=list)
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)


class BulkAssignSchema(AssignSchema):
    ids = fields.List(fields.Integer(), required=True,
                      validate=validate.Length(min=1, max=200))


class BulkResultSchema(Schema):
    assigned = fields.List(fields.Integer())
    failed = fields.List(fields.Dict())


class ExtensionRequestSchema(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=30))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MergeSchema(Schema):
    into_id = fields.Integer(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)


class NamedSchema(Schema):
    id = fields.Raw()
    name = fields.String()
    load = fields.Integer()


class OptionsSchema(Schema):
    states = fields.List(fields.Nested(NamedSchema))
    kinds = fields.List(fields.Nested(NamedSchema))
    categories = fields.List(fields.Nested(NamedSchema))
    departments = fields.List(fields.Nested(NamedSchema))
    members = fields.List(fields.Nested(NamedSchema))
    units = fields.List(fields.Nested(NamedSchema))
    may_export_phones = fields.Boolean()
    calendar_warning = fields.String(allow_none=True)


class RuleSchema(Schema):
    kind = fields.String(allow_none=True, load_default=None)
    kind_name = fields.String(dump_only=True, allow_none=True)
    category_id = fields.Integer(allow_none=True, load_default=None)
    category_name = fields.String(dump_only=True, allow_none=True)
    sign_days = fields.Integer(required=True, validate=validate.Range(min=1, max=30))
    answer_days = fields.Integer(required=True, validate=validate.Range(min=1, max=120))
    custom = fields.Boolean(dump_only=True)


class CalendarDaySchema(Schema):
    day = fields.Date(required=True)
    is_workday = fields.Boolean(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=64))


class CalendarDaysSchema(Schema):
    days = fields.List(fields.Nested(CalendarDaySchema), required=True,
                       validate=validate.Length(min=1, max=400))


class CalendarYearSchema(Schema):
    year = fields.Integer()
    package_covers = fields.Boolean(metadata={"description": "chinese-calendar 已内置该年安排"})
    complete = fields.Boolean(metadata={"description": "工作人员已标记该年录入完整"})
    marked_at = fields.DateTime(allow_none=True)
    marked_by_name = fields.String(allow_none=True)
    warning = fields.String(allow_none=True)
    days = fields.List(fields.Nested(CalendarDaySchema))


class CalendarCompleteSchema(Schema):
    complete = fields.Boolean(required=True)


class RouteSchema(Schema):
    id = fields.Integer(dump_only=True)
    category_id = fields.Integer(allow_none=True, load_default=None)
    unit_id = fields.Integer(allow_none=True, load_default=None)
    department_id = fields.Integer(required=True)


class ExportLogSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    fmt = fields.String()
    filters = fields.Dict()
    row_count = fields.Integer()
    phones_masked = fields.Boolean()
    at = fields.DateTime()
