"""Request and response schemas for members, experts, suggestions and invitations."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from server.common.schemas import PageArgsSchema
from server.people.models import AVAILABILITY, INVITATION_STATUSES, MEMBER_LEVELS, SITE_ROLES

_PHONE = validate.Regexp(r"^[0-9+\- ]{5,20}$", error="电话号码格式不正确")


class ExpertArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=64))
    specialty = fields.String(load_default=None, validate=validate.Length(max=32))
    unit_id = fields.Integer(load_default=None)
    availability = fields.String(load_default=None, validate=validate.OneOf(list(AVAILABILITY)))


class ExpertWriteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    specialties = fields.List(fields.String(validate=validate.Length(max=32)), required=True,
                              validate=validate.Length(min=1, max=8))
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=16)),
                           load_default=list, validate=validate.Length(max=12))
    unit_id = fields.Integer(allow_none=True, load_default=None,
                             metadata={"description": "a town/sector, or empty for 全区"})
    title = fields.String(load_default="", validate=validate.Length(max=64))
    organisation = fields.String(load_default="", validate=validate.Length(max=128))
    availability = fields.String(load_default="available",
                                 validate=validate.OneOf(list(AVAILABILITY)))
    phone = fields.String(allow_none=True, load_default=None, validate=_PHONE)
    active = fields.Boolean(load_default=True)


class ExpertUpdateSchema(ExpertWriteSchema):
    """Every field optional: only the fields sent change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class ExpertSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    specialties = fields.List(fields.String())
    specialty_names = fields.List(fields.String())
    keywords = fields.List(fields.String())
    unit_id = fields.Integer(allow_none=True)
    area = fields.String()
    title = fields.String()
    organisation = fields.String()
    availability = fields.String()
    availability_name = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked in lists"})
    active = fields.Boolean()


class ExpertPageSchema(Schema):
    items = fields.List(fields.Nested(ExpertSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SpecialtySchema(Schema):
    code = fields.String()
    name = fields.String()


class MemberArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=64))
    circle_id = fields.Integer(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(list(MEMBER_LEVELS)))
    site_id = fields.Integer(load_default=None)


class MemberSiteWriteSchema(Schema):
    site_id = fields.Integer(required=True)
    role = fields.String(load_default="liaison", validate=validate.OneOf(list(SITE_ROLES)))


class MemberWriteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    circle_id = fields.Integer(allow_none=True, load_default=None)
    level = fields.String(load_default="district", validate=validate.OneOf(list(MEMBER_LEVELS)))
    user_id = fields.Integer(allow_none=True, load_default=None)
    unit_id = fields.Integer(allow_none=True, load_default=None)
    organisation = fields.String(load_default="", validate=validate.Length(max=128))
    phone = fields.String(allow_none=True, load_default=None, validate=_PHONE)
    active = fields.Boolean(load_default=True)
    sites = fields.List(fields.Nested(MemberSiteWriteSchema), load_default=list)


class MemberUpdateSchema(MemberWriteSchema):
    """Every field optional: only the fields sent change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class MemberSiteSchema(Schema):
    site_id = fields.Integer()
    site_name = fields.String()
    role = fields.String()
    role_name = fields.String()


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    circle_id = fields.Integer(allow_none=True)
    circle = fields.String(allow_none=True)
    level = fields.String()
    level_name = fields.String()
    user_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    area = fields.String(allow_none=True)
    organisation = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked in lists"})
    active = fields.Boolean()
    sites = fields.List(fields.Nested(MemberSiteSchema))


class MemberPageSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SuggestArgsSchema(Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class TextSuggestArgsSchema(SuggestArgsSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    unit_id = fields.Integer(load_default=None)


class RankedExpertSchema(ExpertSchema):
    score = fields.Float()
    reasons = fields.List(fields.String())
    reason = fields.String()
    invitation_status = fields.String(allow_none=True,
                                      metadata={"description": "已邀请 to this case/meeting"})


class RankedMemberSchema(MemberSchema):
    score = fields.Float()
    reasons = fields.List(fields.String())
    reason = fields.String()
    invitation_status = fields.String(allow_none=True,
                                      metadata={"description": "已邀请 to this case/meeting"})


class ThinkTankSuggestionSchema(Schema):
    keywords = fields.List(fields.String())
    specialties = fields.List(fields.Nested(SpecialtySchema))
    area = fields.String()
    unit_id = fields.Integer(allow_none=True)
    experts = fields.List(fields.Nested(RankedExpertSchema))
    members = fields.List(fields.Nested(RankedMemberSchema))


class InvitationCreateSchema(Schema):
    opinion_id = fields.Integer(load_default=None)
    meeting_id = fields.Integer(load_default=None)
    expert_id = fields.Integer(load_default=None)
    member_id = fields.Integer(load_default=None)
    message = fields.String(load_default="", validate=validate.Length(max=500))


class InvitationArgsSchema(Schema):
    opinion_id = fields.Integer(load_default=None)
    meeting_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None,
                           validate=validate.OneOf(list(INVITATION_STATUSES)))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class InvitationResponseSchema(Schema):
    response = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=500))


class InvitationTargetSchema(Schema):
    kind = fields.String()
    id = fields.Integer()
    label = fields.String()
    summary = fields.String(metadata={"description": "excerpt, phone numbers masked"})
    site_id = fields.Integer()
    starts_at = fields.String(allow_none=True, metadata={"description": "Asia/Shanghai"})


class InvitationSchema(Schema):
    id = fields.Integer()
    target = fields.Nested(InvitationTargetSchema)
    invitee_kind = fields.String()
    expert_id = fields.Integer(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    invitee_name = fields.String()
    invited_by = fields.String(allow_none=True)
    message = fields.String()
    status = fields.String()
    status_name = fields.String()
    response_note = fields.String(allow_none=True)
    responded_via = fields.String(allow_none=True)
    created_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True)
    respond_url = fields.String(allow_none=True,
                                metadata={"description": "one-time link, staff only"})
