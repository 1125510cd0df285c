"""HTTP endpoints of the supervision domain."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.people.access import require_staff
from server.supervision import services
from server.supervision.schemas import (
    CloseSchema,
    CountsSchema,
    DepartmentHeadResultSchema,
    DepartmentHeadSchema,
    EscalateSchema,
    IssueOrderSchema,
    OrderArgsSchema,
    OrderDetailSchema,
    OrderListSchema,
    RespondSchema,
    SweepSchema,
    WarningArgsSchema,
    WarningListSchema,
)

blp = Blueprint("supervision", __name__, url_prefix="/api/v1", description="指导督查")


@blp.route("/supervision/warnings")
@blp.arguments(WarningArgsSchema, location="query")
@blp.response(200, WarningListSchema)
def list_warnings(args: dict[str, Any]) -> dict[str, Any]:
    """List the live overdue warnings in the caller's scope, red first, with counts."""
    return services.list_warnings(require_staff(), args)


@blp.route("/supervision/warnings/counts")
@blp.arguments(WarningArgsSchema, location="query")
@blp.response(200, CountsSchema)
def warning_counts(args: dict[str, Any]) -> dict[str, int]:
    """Count the live warnings per colour in the caller's scope."""
    return services.warning_counts(require_staff(), args)


@blp.route("/supervision/sweep", methods=["POST"])
@blp.response(200, SweepSchema)
def run_sweep() -> dict[str, Any]:
    """Run the overdue sweep now (admins and supervisors; it also runs every minute)."""
    require_staff("admin", "supervisor")
    from server.supervision.sweep import sweep

    return sweep().as_dict()


@blp.route("/supervision/orders")
@blp.arguments(OrderArgsSchema, location="query")
@blp.response(200, OrderListSchema)
def list_orders(args: dict[str, Any]) -> dict[str, Any]:
    """List the supervision orders the caller issued, receives or oversees."""
    return services.list_orders(require_staff(), args)


@blp.route("/supervision/orders", methods=["POST"])
@blp.arguments(IssueOrderSchema)
@blp.response(201, OrderDetailSchema)
def issue_order(body: dict[str, Any]) -> dict[str, Any]:
    """Issue a supervision order (督办) on a case, a department or a site."""
    return services.issue_order(require_staff(), body)


@blp.route("/supervision/orders/<int:order_id>")
@blp.response(200, OrderDetailSchema)
def get_order(order_id: int) -> dict[str, Any]:
    """Return an order with its timeline."""
    return services.get_order(require_staff(), order_id)


@blp.route("/supervision/orders/<int:order_id>/respond", methods=["POST"])
@blp.arguments(RespondSchema)
@blp.response(200, OrderDetailSchema)
def respond_order(body: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Respond to an order (the receiver)."""
    return services.respond_order(require_staff(), order_id, body["text"])


@blp.route("/supervision/orders/<int:order_id>/escalate", methods=["POST"])
@blp.arguments(EscalateSchema)
@blp.response(200, OrderDetailSchema)
def escalate_order(body: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Escalate an order, optionally with a new deadline."""
    return services.escalate_order(require_staff(), order_id, body)


@blp.route("/supervision/orders/<int:order_id>/close", methods=["POST"])
@blp.arguments(CloseSchema)
@blp.response(200, OrderDetailSchema)
def close_order(body: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Close an order."""
    return services.close_order(require_staff(), order_id, body.get("note"))


@blp.route("/supervision/departments/<int:department_id>/head", methods=["PUT"])
@blp.arguments(DepartmentHeadSchema)
@blp.response(200, DepartmentHeadResultSchema)
def set_department_head(body: dict[str, Any], department_id: int) -> dict[str, Any]:
    """Set the department's head, who also receives its red warnings (district admins)."""
    return services.set_department_head(require_staff(), department_id, body["head_user_id"])
