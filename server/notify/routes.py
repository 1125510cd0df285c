"""HTTP endpoints of the notify domain."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.common.schemas import OkSchema
from server.notify import services, subscriptions
from server.notify.schemas import (
    DeliveryCountsSchema,
    NotificationSchema,
    OutboxArgsSchema,
    SubscribeResultsSchema,
    SubscriptionSchema,
    TemplateSchema,
)
from server.people.access import current_identity, require_resident, require_staff

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="通知")


@blp.route("/notifications/mine")
@blp.response(200, NotificationSchema(many=True))
def resident_inbox() -> list[Any]:
    """Return the calling resident's messages about their reports."""
    return services.resident_inbox(require_resident())


@blp.route("/notify/subscriptions")
@blp.response(200, SubscriptionSchema(many=True))
def my_subscriptions() -> list[dict[str, Any]]:
    """Return the calling resident's subscribe-message templates and what is left of each."""
    return subscriptions.resident_subscriptions(require_resident())


@blp.route("/notify/subscriptions", methods=["POST"])
@blp.arguments(SubscribeResultsSchema)
@blp.response(200, SubscriptionSchema(many=True))
def record_subscriptions(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Record the resident's answer to wx.requestSubscribeMessage (mini-program residents)."""
    return subscriptions.record_consent(require_resident(), body["results"])


@blp.route("/notifications")
@blp.response(200, NotificationSchema(many=True))
def user_inbox() -> list[Any]:
    """Return the signed-in staff user's messages (new assignments, redo)."""
    return services.user_inbox(require_staff())


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, OkSchema)
def mark_read(notification_id: int) -> dict[str, bool]:
    """Mark one of the caller's messages read."""
    identity = current_identity()
    if identity.user is None:
        require_resident()
    services.mark_read(identity.user, identity.resident, notification_id)
    return {"ok": True}


@blp.route("/notify/outbox")
@blp.arguments(OutboxArgsSchema, location="query")
@blp.response(200, NotificationSchema(many=True))
def outbox(args: dict[str, Any]) -> list[Any]:
    """Return WeChat outbox rows; failures stay visible here (admins)."""
    require_staff("admin")
    return services.outbox(args.get("status"))


@blp.route("/notify/outbox/deliver", methods=["POST"])
@blp.response(200, DeliveryCountsSchema)
def deliver_due() -> dict[str, int]:
    """Deliver every message whose retry time has come (admins; also run by a timer)."""
    require_staff("admin")
    return services.deliver_due()


@blp.route("/notify/outbox/<int:notification_id>/retry", methods=["POST"])
@blp.response(200, NotificationSchema)
def retry(notification_id: int) -> Any:
    """Retry a failed message now (admins)."""
    require_staff("admin")
    return services.retry(notification_id)


@blp.route("/notify/templates/<string:event>", methods=["PUT"])
@blp.arguments(TemplateSchema)
@blp.response(200, TemplateSchema)
def set_template(body: dict[str, Any], event: str) -> dict[str, Any]:
    """Configure the WeChat subscribe template and field mapping of an event (admins)."""
    require_staff("admin")
    saved = services.set_template(event, body["template_id"], body["page"], body["fields_"])
    return {**saved, "fields_": saved["fields"]}
