"""HTTP endpoints of the duty domain (委员履职)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from server.duty import schemas as s
from server.duty import services
from server.duty.reports import XLSX_MIME, export_for
from server.people.access import require_staff

blp = Blueprint("duty", __name__, url_prefix="/api/v1", description="委员履职")


@blp.route("/duty/members")
@blp.arguments(s.DutyYearArgsSchema, location="query")
@blp.response(200, s.DutyScoresSchema)
def member_scores(args: dict[str, Any]) -> dict[str, Any]:
    """Rank the members of a year, with circle and sector totals and the formula."""
    return services.scores(require_staff(), args.get("year"), args.get("circle_id"),
                           args.get("sector_id"))


@blp.route("/duty/members/<int:member_id>")
@blp.arguments(s.DutyYearArgsSchema, location="query")
@blp.response(200, s.DutyRecordSchema)
def member_record(args: dict[str, Any], member_id: int) -> dict[str, Any]:
    """Return one member's duty record for a year: every event and the score."""
    return services.record_for(require_staff(), member_id, args.get("year"))


@blp.route("/duty/me")
@blp.arguments(s.DutyYearArgsSchema, location="query")
@blp.response(200, s.DutyRecordSchema)
def my_record(args: dict[str, Any]) -> dict[str, Any]:
    """Return the signed-in member's own duty record."""
    return services.my_record(require_staff(), args.get("year"))


@blp.route("/duty/shortfalls")
@blp.arguments(s.DutyYearArgsSchema, location="query")
@blp.response(200, s.DutyShortfallSchema)
def shortfalls(args: dict[str, Any]) -> dict[str, Any]:
    """List members whose activities at their attached sites fall short this year."""
    return services.shortfalls_for(require_staff(), args.get("year"))


@blp.route("/duty/settings")
@blp.response(200, s.DutySettingsSchema)
def get_settings() -> dict[str, Any]:
    """Return the duty score formula and its numbers."""
    require_staff()
    return services.settings_payload()


@blp.route("/duty/settings", methods=["PUT"])
@blp.arguments(s.DutySettingsUpdateSchema)
@blp.response(200, s.DutySettingsSchema)
def put_settings(body: dict[str, Any]) -> dict[str, Any]:
    """Change points, caps or the yearly requirement (admins only)."""
    return services.update_settings(require_staff("admin"), body["values"])


@blp.route("/meetings/<int:meeting_id>/roll", methods=["POST"])
@blp.arguments(s.DutyRollCallSchema)
@blp.response(200, s.DutyRecordedSchema)
def roll_call(body: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record a member present by the moderator's roll."""
    return services.roll_call(require_staff(), meeting_id, body["member_id"])


@blp.route("/duty/export")
@blp.arguments(s.DutyYearArgsSchema, location="query")
@blp.response(200, content_type=XLSX_MIME,
              description="XLSX: 委员履职, 界别汇总, 板块汇总, 计分公式")
def export(args: dict[str, Any]) -> Response:
    """Download the yearly 委员履职考核 workbook."""
    data, filename = export_for(require_staff(), args.get("year"))
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
