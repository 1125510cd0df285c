"""Audit log API (district-wide admins and supervisors); the blueprint also installs the hook."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from server.audit import services
from server.audit.capture import audited, init_capture
from server.audit.schemas import AuditExportArgsSchema, AuditPageSchema, AuditSearchArgsSchema
from server.people.access import require_district_staff

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计日志")
# Registering the blueprint hooks every request of the app: auditing is central, not per view.
blp.record_once(init_capture)


@blp.route("/audit/events")
@audited("audit_search")
@blp.arguments(AuditSearchArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def search_events(args: dict[str, Any]) -> dict[str, Any]:
    """Search the audit log, newest first (admins and supervisors)."""
    require_district_staff(*services.VIEWER_ROLES)
    return services.search(args)


@blp.route("/audit/events/export")
@audited("export", personal_data=True)
@blp.arguments(AuditExportArgsSchema, location="query")
@blp.response(200, content_type="text/csv",
              description="CSV or XLSX of the matching events (newest first, at most 50000)")
def export_events(args: dict[str, Any]) -> Response:
    """Export the matching audit events as CSV or XLSX (itself audited)."""
    require_district_staff(*services.VIEWER_ROLES)
    fmt = args.pop("format", "csv")
    data, mimetype, filename = services.export_events(args, fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
