"""Request and response schemas of the notify domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class NotificationSchema(Schema):
    id = fields.Integer()
    event = fields.String()
    channel = fields.String()
    opinion_id = fields.Integer(allow_none=True)
    title = fields.String()
    body = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    link = fields.Function(
        lambda n: (n.payload or {}).get("link") if n.channel == "inbox" else None,
        metadata={"description": "站内链接，如协商活动页面 /m/{code}"})


class OutboxArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "sent", "failed"]))


class DeliveryCountsSchema(Schema):
    sent = fields.Integer()
    pending = fields.Integer()
    failed = fields.Integer()


class TemplateSchema(Schema):
    event = fields.String(dump_only=True)
    template_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    page = fields.String(load_default="", validate=validate.Length(max=128))
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          data_key="fields",
                          metadata={"description": "WeChat key (thing1 …) -> value name"})


class SubscribeResultsSchema(Schema):
    results = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.String(validate=validate.OneOf(["accept", "reject", "ban", "filter"])),
        required=True, validate=validate.Length(min=1, max=10),
        metadata={"description": "wx.requestSubscribeMessage 的结果：模板 id -> accept / reject / "
                                 "ban / filter（原样转交，不含 errMsg）"})


class SubscriptionSchema(Schema):
    event = fields.String(metadata={"description": "accepted | answered | meeting_published"})
    event_name = fields.String()
    template_id = fields.String()
    credits = fields.Integer(metadata={"description": "还能发送的消息条数（每次“允许”一条）"})
    last_result = fields.String(metadata={"description": "最近一次的选择；refused = 微信拒收"})
