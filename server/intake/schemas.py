"""Schemas of the intake API (the H5 page and a WeChat mini-program share them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.intake.models import KINDS, RATINGS, SENSITIVE_LEVELS

TEXT_MAX = 1500
PHOTOS_MAX = 6
PHONE = validate.Regexp(r"^$|^[0-9+\- ]{5,20}$", error="电话号码格式不正确")


class IntakeCategorySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    default_kind = fields.String(metadata={"enum": list(KINDS)})
    sort_order = fields.Integer()
    active = fields.Boolean()


class IntakeCategoryCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    default_kind = fields.String(load_default="suggestion", validate=validate.OneOf(list(KINDS)))
    sort_order = fields.Integer(load_default=100)
    active = fields.Boolean(load_default=True)


class IntakeCategoryUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=32))
    default_kind = fields.String(validate=validate.OneOf(list(KINDS)))
    sort_order = fields.Integer()
    active = fields.Boolean()


class IntakePublicCategorySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class IntakePublicSummarySchema(Schema):
    tracking_no = fields.String()
    category = fields.String()
    excerpt = fields.String(metadata={"description": "short text, phone numbers masked"})
    status = fields.String(metadata={"description": "status in plain words (已收到 …)"})
    support_count = fields.Integer()
    created_at = fields.String(metadata={"description": "Asia/Shanghai, YYYY-MM-DD HH:MM"})


class IntakeRecentAnswerSchema(IntakePublicSummarySchema):
    answer = fields.String()
    answered_at = fields.String()


class IntakeOverviewSiteSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind_name = fields.String()
    village = fields.String()
    unit_path = fields.String()
    address = fields.String()
    active = fields.Boolean()


class IntakeOverviewSchema(Schema):
    site = fields.Nested(IntakeOverviewSiteSchema)
    categories = fields.List(fields.Nested(IntakePublicCategorySchema))
    stats = fields.Dict(keys=fields.String(), values=fields.Integer())
    recent_answers = fields.List(fields.Nested(IntakeRecentAnswerSchema))
    limits = fields.Dict(keys=fields.String(), values=fields.Integer())


class IntakeSimilarQuerySchema(Schema):
    site_code = fields.String(required=True, validate=validate.Length(min=1, max=16))
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    category_id = fields.Integer(load_default=None)


class IntakeSimilarSchema(IntakePublicSummarySchema):
    score = fields.Float()
    mine = fields.Boolean()
    supported = fields.Boolean(metadata={"description": "this resident already said 我也遇到了"})


class IntakePhotoSchema(Schema):
    id = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    url = fields.String(metadata={"description": "signed URL valid for an hour"})
    thumb_url = fields.String()


class IntakePhotoUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class IntakePhotoArgsSchema(Schema):
    variant = fields.String(load_default="full", validate=validate.OneOf(["full", "thumb"]))
    sig = fields.String(load_default=None)


class IntakeReportSchema(Schema):
    site_code = fields.String(required=True, validate=validate.Length(min=1, max=16))
    category_id = fields.Integer(required=True)
    text = fields.String(required=True, validate=validate.Length(
        min=1, max=TEXT_MAX, error="问题描述应在 1 到 1500 字之间"))
    photo_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(
        max=PHOTOS_MAX, error="最多只能上传 6 张照片"))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    anonymous = fields.Boolean(load_default=False,
                               metadata={"description": "hide the reporter from staff"})
    consent = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "agreed to the privacy notice; required on a resident's first report"})


class IntakeStaffReportSchema(Schema):
    site_id = fields.Integer(required=True)
    category_id = fields.Integer(required=True)
    text = fields.String(required=True, validate=validate.Length(
        min=1, max=TEXT_MAX, error="问题描述应在 1 到 1500 字之间"))
    photo_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(
        max=PHOTOS_MAX, error="最多只能上传 6 张照片"))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    contact_name = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=32))


class IntakeReceiptSchema(Schema):
    tracking_no = fields.String(metadata={"description": "public tracking number YD20261128-0042"})
    status = fields.String()
    held = fields.Boolean(metadata={"description": "held for staff moderation"})
    replayed = fields.Boolean(metadata={"description": "same Idempotency-Key seen before"})
    created_at = fields.String()
    message = fields.String()


class IntakeMineSchema(IntakePublicSummarySchema):
    relation = fields.String(dump_default="own", metadata={
        "description": "own; followed (said 我也遇到了); lookup (found by number + phone)"})
    state = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked 138****1234"})
    anonymous = fields.Boolean()
    has_answer = fields.Boolean()
    can_rate = fields.Boolean(metadata={
        "description": "可以评价：已答复未评价，或首次评价后 7 天内可修改"})
    rating = fields.String(allow_none=True, metadata={"enum": list(RATINGS)})
    rated_at = fields.String(allow_none=True, metadata={
        "description": "首次评价时间（北京时间 YYYY-MM-DD HH:MM）"})
    rating_changeable_until = fields.String(allow_none=True, metadata={
        "description": "此时间之前可修改评价（北京时间 YYYY-MM-DD HH:MM）；未评价为 null"})
    rating_fixed = fields.Boolean(metadata={"description": "已评价且不能再修改（评价已确定）"})


class IntakeTimelineStepSchema(Schema):
    at = fields.String()
    label = fields.String()
    note = fields.String(allow_none=True)


class IntakeLookupSchema(Schema):
    tracking_no = fields.String(required=True, validate=validate.Length(min=4, max=32))
    phone_last4 = fields.String(required=True, validate=validate.Length(equal=4))


class IntakeMineDetailSchema(IntakeMineSchema):
    text = fields.String()
    photos = fields.List(fields.Nested(IntakePhotoSchema))
    timeline = fields.List(fields.Nested(IntakeTimelineStepSchema))
    answer = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)
    rating_name = fields.String(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    entered_on_behalf = fields.Boolean()


class IntakeRatingSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(
        list(RATINGS), error="请选择：满意、基本满意或不满意"))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))


class IntakeSupportSchema(Schema):
    tracking_no = fields.String()
    support_count = fields.Integer()
    supported = fields.Boolean()


class IntakeStaffOpinionSchema(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    site_id = fields.Integer()
    category = fields.String(allow_none=True)
    text = fields.String()
    state = fields.String()
    moderation = fields.String(metadata={"enum": ["ok", "held", "refused"]})
    anonymous = fields.Boolean()
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
    contact_name = fields.String(allow_none=True, metadata={"description": "masked"})
    entered_on_behalf = fields.Boolean()
    entered_by = fields.String(allow_none=True)
    support_count = fields.Integer()
    created_at = fields.DateTime()


class IntakeModerationSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["release", "refuse"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class IntakeSensitiveWordSchema(Schema):
    id = fields.Integer(dump_only=True)
    word = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.String(load_default="review", validate=validate.OneOf(list(SENSITIVE_LEVELS)),
                          metadata={"description": "block: refuse; review: hold for staff"})
