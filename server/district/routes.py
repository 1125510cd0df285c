"""Endpoints of the district import: the template, the upload (dry run or for real)."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask_smorest import Blueprint

from server.audit.capture import audited
from server.district import services
from server.district.merge import merge_departments
from server.district.schemas import ImportArgsSchema, ImportFileSchema, ImportResultSchema
from server.district.workbook import template_bytes
from server.people.access import require_district_staff
from server.sites.schemas import DepartmentMergedSchema, DepartmentMergeSchema

blp = Blueprint("district", __name__, url_prefix="/api/v1", description="区县数据导入")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}


def _xlsx(data: bytes, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/district/import/template.xlsx")
@audited("download")
@blp.response(200, BINARY, content_type=XLSX, description="the empty workbook to fill in")
def template() -> Response:
    """Download the import template (instructions, headers and an example row per sheet)."""
    require_district_staff("admin")
    return _xlsx(template_bytes(), "区县数据导入模板.xlsx")


@blp.route("/district/import", methods=["POST"])
@blp.arguments(ImportArgsSchema, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportResultSchema)
def import_workbook(args: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    """Check a filled-in workbook (dry_run, the default) or import it: all rows or none.

    Problems come back as 422 `import_invalid` with `errors.problems`, one per sheet, row and
    column. New accounts' temporary passwords are in this answer only, and as an XLSX that
    can be downloaded once.
    """
    actor = require_district_staff("admin")
    result = services.import_workbook(files["file"].read(), actor, dry_run=args["dry_run"])
    token = None if args["dry_run"] else services.keep_credentials_once(result.credentials)
    return {"dry_run": args["dry_run"], **result.summary(),
            "credentials": [] if args["dry_run"] else [vars(c) for c in result.credentials],
            "credentials_url": f"/api/v1/district/import/credentials/{token}.xlsx"
            if token else None}


@blp.route("/district/import/credentials/<string:token>.xlsx")
@audited("download")
@blp.response(200, BINARY, content_type=XLSX, description="gone after the first download")
def credentials(token: str) -> Response:
    """Download the new accounts' temporary passwords, once."""
    require_district_staff("admin")
    return _xlsx(services.take_credentials(token), "新账号临时密码.xlsx")


@blp.route("/departments/<int:department_id>/merge", methods=["POST"])
@blp.arguments(DepartmentMergeSchema)
@blp.response(200, DepartmentMergedSchema)
def merge_department(body: dict[str, Any], department_id: int) -> dict[str, Any]:
    """Merge a department into another: open cases, routing and grants move; history stays."""
    return merge_departments(require_district_staff("admin"), department_id, body["into_id"])
