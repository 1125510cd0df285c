"""HTTP endpoints of the dispatch domain."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from server.audit.capture import audited
from server.common.schemas import OkSchema
from server.dispatch import services
from server.dispatch.schemas import (
    AnswerSchema,
    AssignSchema,
    BulkAssignSchema,
    BulkResultSchema,
    CalendarCompleteSchema,
    CalendarDaysSchema,
    CalendarYearSchema,
    CaseDetailSchema,
    CaseListArgsSchema,
    CaseListSchema,
    ExportArgsSchema,
    ExportLogSchema,
    ExtensionRequestSchema,
    MergeSchema,
    NoteSchema,
    OptionsSchema,
    ReasonSchema,
    ReplyTemplateSchema,
    RouteSchema,
    RuleSchema,
)
from server.people.access import require_staff

blp = Blueprint("dispatch", __name__, url_prefix="/api/v1", description="指派调度")


@blp.route("/cases")
@blp.arguments(CaseListArgsSchema, location="query")
@blp.response(200, CaseListSchema)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """List the cases in the caller's scope (inbox), filtered."""
    return services.list_cases(require_staff(), args)


@blp.route("/cases/export")
@audited("export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, content_type="text/csv",
              description="CSV or XLSX; phones masked unless the role may see them")
def export_cases(args: dict[str, Any]) -> Response:
    """Export the filtered list as CSV or XLSX (the export is logged)."""
    fmt = args.pop("format", "csv")
    data, mimetype, filename = services.export_cases(require_staff(), args, fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("/cases/<int:opinion_id>")
@blp.response(200, CaseDetailSchema)
def get_case(opinion_id: int) -> dict[str, Any]:
    """Return a case with its timeline, photos and the actions the caller may take."""
    return services.get_case(require_staff(), opinion_id)


def _action(action: str, schema: Any, summary: str) -> None:
    """Register POST /cases/<id>/<action> calling the workflow."""

    def view(body: dict[str, Any], opinion_id: int) -> dict[str, Any]:
        return services.act(require_staff(), opinion_id, action, body)

    view.__name__ = f"case_{action}"
    view.__doc__ = summary
    path = action.replace("_", "-")
    blp.route(f"/cases/<int:opinion_id>/{path}", methods=["POST"])(
        blp.arguments(schema)(blp.response(200, CaseDetailSchema)(view)))


for _name, _schema, _summary in (
    ("accept", NoteSchema, "Accept a received report (受理)."),
    ("decline", ReasonSchema, "Decline a report with a reason (不予受理)."),
    ("assign", AssignSchema, "Assign to a department (with assisting ones) or a member (派单)."),
    ("reassign", AssignSchema, "Reassign to another department or member (转派)."),
    ("return", ReasonSchema, "Return a wrongly assigned case to dispatch (退单)."),
    ("sign", NoteSchema, "Sign for an assigned case (签收)."),
    ("start", NoteSchema, "Start handling (办理中)."),
    ("answer", AnswerSchema, "Answer the resident (答复)."),
    ("request_extension", ExtensionRequestSchema, "Ask for more working days (延期申请)."),
    ("approve_extension", NoteSchema, "Approve the pending extension (同意延期)."),
    ("refuse_extension", NoteSchema, "Refuse the pending extension (驳回延期)."),
    ("merge", MergeSchema, "Merge into another case as a duplicate (合并)."),
    ("void", ReasonSchema, "Void a case with a reason; admins only (作废)."),
):
    _action(_name, _schema, _summary)


@blp.route("/cases/bulk-assign", methods=["POST"])
@blp.arguments(BulkAssignSchema)
@blp.response(200, BulkResultSchema)
def bulk_assign(body: dict[str, Any]) -> dict[str, Any]:
    """Assign several cases to the same department or member."""
    ids = body.pop("ids")
    return services.bulk_assign(require_staff(), ids, **body)


@blp.route("/dispatch/options")
@blp.response(200, OptionsSchema)
def options() -> dict[str, Any]:
    """Return the console's filter and form choices (with department loads)."""
    return services.options(require_staff())


@blp.route("/dispatch/deadline-rules")
@blp.response(200, RuleSchema(many=True))
def list_rules() -> list[dict[str, Any]]:
    """Return the working-day limits per kind and per category."""
    require_staff()
    return services.list_rules()


@blp.route("/dispatch/deadline-rules", methods=["PUT"])
@blp.arguments(RuleSchema)
@blp.response(200, RuleSchema(many=True))
def set_rule(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Set the limits of a kind or a category."""
    return services.set_rule(require_staff(), **body)


@blp.route("/dispatch/calendar/<int(min=1900, max=2200):year>")
@blp.response(200, CalendarYearSchema)
def calendar_year(year: int) -> dict[str, Any]:
    """Describe a year's calendar: entered days, package coverage, fallback warning."""
    require_staff()
    return services.calendar_year(year)


@blp.route("/dispatch/calendar", methods=["PUT"])
@blp.arguments(CalendarDaysSchema)
@blp.response(200, CalendarYearSchema(many=True))
def set_calendar(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Enter holidays and make-up working days (overriding the package)."""
    return services.set_calendar_days(require_staff(), body["days"])


@blp.route("/dispatch/calendar/<int:year>/complete", methods=["PUT"])
@blp.arguments(CalendarCompleteSchema)
@blp.response(200, CalendarYearSchema)
def mark_calendar_year(body: dict[str, Any], year: int) -> dict[str, Any]:
    """Mark a year's holidays and make-up days complete (ends its warning), or not."""
    return services.mark_calendar_year(require_staff(), year, body["complete"])


@blp.route("/dispatch/calendar/<string:day>", methods=["DELETE"])
@blp.response(200, OkSchema)
def delete_calendar_day(day: str) -> dict[str, bool]:
    """Remove one entered day."""
    from server.errors import ValidationFailed

    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise ValidationFailed(errors={"day": ["日期格式不正确"]}) from exc
    services.delete_calendar_day(require_staff(), parsed)
    return {"ok": True}


@blp.route("/dispatch/routes")
@blp.response(200, RouteSchema(many=True))
def list_routes() -> list[dict[str, Any]]:
    """Return the routing table (category × unit → department)."""
    require_staff()
    return services.list_routes()


@blp.route("/dispatch/routes", methods=["POST"])
@blp.arguments(RouteSchema)
@blp.response(200, RouteSchema)
def set_route(body: dict[str, Any]) -> dict[str, Any]:
    """Add or replace a routing rule."""
    return services.set_route(require_staff(), **body)


@blp.route("/dispatch/routes/<int:route_id>", methods=["DELETE"])
@blp.response(200, OkSchema)
def delete_route(route_id: int) -> dict[str, bool]:
    """Remove a routing rule."""
    services.delete_route(require_staff(), route_id)
    return {"ok": True}


@blp.route("/dispatch/reply-templates")
@blp.response(200, ReplyTemplateSchema(many=True))
def list_templates() -> list[dict[str, Any]]:
    """Return every reply template."""
    require_staff()
    return services.reply_templates(None)


@blp.route("/dispatch/reply-templates", methods=["POST"])
@blp.arguments(ReplyTemplateSchema)
@blp.response(201, ReplyTemplateSchema)
def add_template(body: dict[str, Any]) -> dict[str, Any]:
    """Add a reply template (per category or general)."""
    return services.add_reply_template(require_staff(), **body)


@blp.route("/dispatch/exports")
@blp.response(200, ExportLogSchema(many=True))
def export_log() -> list[Any]:
    """Return the export log (admins and supervisors)."""
    require_staff("admin", "supervisor")
    return services.export_log()
