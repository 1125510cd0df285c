"""Request and response shapes of the proposals domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.proposals.models import RATINGS, STATUSES


class ProposalDraftSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(load_default="", validate=validate.Length(max=5000))
    measures = fields.String(load_default="", validate=validate.Length(max=5000))
    site_id = fields.Integer(required=True)
    lead_member_id = fields.Integer(allow_none=True)
    cosigner_ids = fields.List(fields.Integer(), load_default=list)


class ProposalDraftUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    reason = fields.String(validate=validate.Length(max=5000))
    measures = fields.String(validate=validate.Length(max=5000))
    lead_member_id = fields.Integer(allow_none=True)
    cosigner_ids = fields.List(fields.Integer())


class ProposalFileSchema(Schema):
    department_id = fields.Integer(required=True)
    assisting_department_ids = fields.List(fields.Integer(), load_default=list)
    category_id = fields.Integer(allow_none=True)


class ProposalMergeSchema(Schema):
    into_id = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ProposalAnswerSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ProposalRateSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(list(RATINGS)))
    comment = fields.String(allow_none=True, validate=validate.Length(max=500))


class ProposalListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))


class ProposalPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ProposalCosignerSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    confirmed = fields.Boolean()


class ProposalCaseSchema(Schema):
    opinion_id = fields.Integer()
    tracking_no = fields.String()
    state = fields.String()
    department_id = fields.Integer(allow_none=True)
    assisting_department_ids = fields.List(fields.Integer())
    answer_due_at = fields.String(allow_none=True)
    answer = fields.String(allow_none=True)


class ProposalStepSchema(Schema):
    action = fields.String()
    name = fields.String()
    note = fields.String()
    data = fields.Dict()
    at = fields.String()


class CppccProposalSchema(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    title = fields.String()
    reason = fields.String()
    measures = fields.String()
    status = fields.String()
    status_name = fields.String()
    lead_member = fields.Nested(ProposalPersonSchema, allow_none=True)
    cosigners = fields.List(fields.Nested(ProposalCosignerSchema))
    site_id = fields.Integer()
    outcome_id = fields.Integer(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    case = fields.Nested(ProposalCaseSchema, allow_none=True)
    rating = fields.String(allow_none=True)
    rating_name = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(ProposalStepSchema))
