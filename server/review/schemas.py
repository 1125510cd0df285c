"""Request and response shapes of the review domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.review.models import DECISIONS


class ReviewDecisionInSchema(Schema):
    outcome_id = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    title = fields.String(validate=validate.Length(max=200))
    category_id = fields.Integer(allow_none=True)


class ReviewSessionInSchema(Schema):
    held_on = fields.Date(required=True)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    attendees = fields.List(fields.String(validate=validate.Length(min=1, max=32)),
                            required=True, validate=validate.Length(min=1, max=60))
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    decisions = fields.List(fields.Nested(ReviewDecisionInSchema), required=True)


class ReviewDecisionOutSchema(Schema):
    outcome_id = fields.Integer()
    decision = fields.String()
    decision_name = fields.String()
    note = fields.String()
    data = fields.Dict()


class ReviewSessionSchema(Schema):
    id = fields.Integer()
    held_on = fields.String()
    title = fields.String()
    attendees = fields.List(fields.String())
    note = fields.String()
    decisions = fields.List(fields.Nested(ReviewDecisionOutSchema))


class ReviewQueueItemSchema(Schema):
    outcome_id = fields.Integer()
    text = fields.String()
    meeting_id = fields.Integer()
    meeting_title = fields.String()
    site_id = fields.Integer()
    site_name = fields.String()
    site_code = fields.String()
    closed_at = fields.String(allow_none=True)
    status = fields.String()
    resubmitted = fields.Boolean()
    note = fields.String()


class ReviewResubmitSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReviewWhereSchema(Schema):
    decision = fields.String(allow_none=True)
    decision_name = fields.String()
    text = fields.String()


class ReviewStepSchema(Schema):
    at = fields.String()
    source = fields.String()
    name = fields.String()
    note = fields.String()
    data = fields.Dict()


class ReviewTimelineSchema(Schema):
    outcome_id = fields.Integer()
    text = fields.String()
    meeting_id = fields.Integer()
    meeting_title = fields.String()
    status = fields.String()
    status_name = fields.String()
    where = fields.Nested(ReviewWhereSchema)
    steps = fields.List(fields.Nested(ReviewStepSchema))


class ReviewResubmittedSchema(Schema):
    outcome_id = fields.Integer()
    status = fields.String()
