"""HTTP endpoints of the assessment domain (考评)."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file
from flask_smorest import Blueprint

from server.assessment import checklist, services
from server.assessment import schemas as s
from server.assessment.reports import XLSX_MIME, export_for
from server.people.access import require_staff

blp = Blueprint("assessment", __name__, url_prefix="/api/v1", description="考评")
VIEW = services.VIEW_ROLES


@blp.route("/assessment/departments")
@blp.arguments(s.PeriodArgsSchema, location="query")
@blp.response(200, s.ScoresSchema)
def department_scores(args: dict[str, Any]) -> dict[str, Any]:
    """Rank the departments of the period, with the formula and weights beside each score."""
    return services.department_scores_for(require_staff(*VIEW), args)


@blp.route("/assessment/sites")
@blp.arguments(s.SiteArgsSchema, location="query")
@blp.response(200, s.ScoresSchema)
def site_scores(args: dict[str, Any]) -> dict[str, Any]:
    """Rank the sites of the period (activities, answers, ratings), with the formula."""
    return services.site_scores_for(require_staff(*VIEW), args)


@blp.route("/assessment/demo-sites/shortfall")
@blp.arguments(s.YearArgsSchema, location="query")
@blp.response(200, s.ShortfallSchema)
def demo_shortfall(args: dict[str, Any]) -> dict[str, Any]:
    """List demonstration sites with activities held this year against the yearly target."""
    return services.demo_shortfall_for(require_staff(*VIEW), args)


@blp.route("/assessment/settings")
@blp.response(200, s.SettingsSchema)
def get_settings() -> dict[str, Any]:
    """Return the formula, its weights, penalties and activity targets."""
    require_staff(*VIEW)
    return services.settings_payload()


@blp.route("/assessment/settings", methods=["PUT"])
@blp.arguments(s.SettingsUpdateSchema)
@blp.response(200, s.SettingsSchema)
def put_settings(body: dict[str, Any]) -> dict[str, Any]:
    """Change weights, penalties or targets (admins only)."""
    return services.update_settings(require_staff("admin"), body["values"])


@blp.route("/assessment/export")
@blp.arguments(s.PeriodArgsSchema, location="query")
@blp.response(200, content_type=XLSX_MIME,
              description="XLSX: 部门得分, 点位得分, 示范点活动, 计分公式")
def export(args: dict[str, Any]) -> Response:
    """Download the assessment workbook of the period."""
    data, filename = export_for(require_staff(*VIEW), args)
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@blp.route("/assessment/checklist/items")
@blp.response(200, s.ChecklistItemSchema(many=True))
def checklist_items() -> list[Any]:
    """List the items of the demonstration-site standard."""
    require_staff(*VIEW)
    return [checklist.item_payload(i) for i in checklist.list_items()]


@blp.route("/assessment/checklist/items", methods=["POST"])
@blp.arguments(s.ChecklistItemSchema)
@blp.response(201, s.ChecklistItemSchema)
def create_checklist_item(body: dict[str, Any]) -> dict[str, Any]:
    """Add an item to the standard (admins only)."""
    return checklist.item_payload(checklist.create_item(require_staff("admin"), body))


@blp.route("/assessment/checklist/items/<int:item_id>", methods=["PATCH"])
@blp.arguments(s.ChecklistItemUpdateSchema)
@blp.response(200, s.ChecklistItemSchema)
def update_checklist_item(body: dict[str, Any], item_id: int) -> dict[str, Any]:
    """Rename, reorder or retire an item (admins only)."""
    return checklist.item_payload(checklist.update_item(require_staff("admin"), item_id, body))


@blp.route("/assessment/checklist/sites")
@blp.response(200, s.ChecklistStatusSchema(many=True))
def checklist_status() -> list[dict[str, Any]]:
    """Show, per demo site in scope, items with evidence and items signed off."""
    return checklist.checklist_status(require_staff(*checklist.SITE_ROLES))


@blp.route("/assessment/checklist/sites/<int:site_id>")
@blp.response(200, s.SiteChecklistSchema)
def site_checklist(site_id: int) -> dict[str, Any]:
    """Return a demo site's checklist with evidence and sign-offs."""
    return checklist.site_checklist(require_staff(*checklist.SITE_ROLES), site_id)


@blp.route("/assessment/checklist/sites/<int:site_id>/items/<int:item_id>/evidence",
           methods=["POST"])
@blp.arguments(s.EvidenceUploadSchema, location="files")
@blp.arguments(s.EvidenceFormSchema, location="form")
@blp.response(201, s.EvidenceSchema)
def upload_evidence(files: dict[str, Any], form: dict[str, Any], site_id: int,
                    item_id: int) -> dict[str, Any]:
    """Upload a photo (cleaned, re-encoded) or a PDF as evidence for one item."""
    user = require_staff(*checklist.UPLOAD_ROLES)
    upload = files["file"]
    raw = upload.stream.read(checklist.upload_limit() + 1)
    return checklist.add_evidence(user, site_id, item_id, raw, upload.filename or "",
                                  form.get("note"))


@blp.route("/assessment/checklist/sites/<int:site_id>/items/<int:item_id>/review",
           methods=["POST"])
@blp.arguments(s.ReviewSchema)
@blp.response(200, s.SiteChecklistSchema)
def review(body: dict[str, Any], site_id: int, item_id: int) -> dict[str, Any]:
    """Sign an item off or send it back, recording the reviewer and the time."""
    return checklist.review_item(require_staff(*checklist.REVIEW_ROLES), site_id, item_id,
                                 body["decision"], body.get("note"))


@blp.route("/assessment/evidence/<int:evidence_id>", methods=["DELETE"])
@blp.response(200, s.SiteChecklistSchema)
def withdraw_evidence(evidence_id: int) -> dict[str, Any]:
    """Withdraw evidence uploaded by mistake (its uploader or an admin; not once approved)."""
    return checklist.withdraw_evidence(require_staff(*checklist.UPLOAD_ROLES), evidence_id)


@blp.route("/assessment/evidence/<int:evidence_id>")
@blp.response(200, content_type="application/octet-stream",
              description="the photo (image/jpeg) or PDF")
def evidence(evidence_id: int) -> Response:
    """Send one piece of evidence to staff whose scope covers its site."""
    path, mimetype, filename = checklist.evidence_file(require_staff(*checklist.SITE_ROLES),
                                                       evidence_id)
    response = send_file(path, mimetype=mimetype, max_age=3600, conditional=True,
                         as_attachment=mimetype == "application/pdf", download_name=filename)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
