"""Pages of the district domain: the import console page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("district_pages", __name__)


@bp.route("/console/import")
def import_page() -> Response:
    """Open the page that checks and imports a district's workbook (数据导入)."""
    response = send_from_directory(current_app.static_folder or "static",
                                   "console/import.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
