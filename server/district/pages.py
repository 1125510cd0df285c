"""Pages of the district domain: the import page and the structure page."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("district_pages", __name__)


def _page(relative: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", relative, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/console/import")
def import_page() -> Response:
    """Open the page that checks and imports a district's workbook (数据导入)."""
    return _page("console/import.html")


@bp.route("/console/district")
def district_page() -> Response:
    """Open the page for units, sites, departments and the routing table (区县结构)."""
    return _page("console/district.html")
