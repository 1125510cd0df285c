"""Pages of the district domain: the import page and the structure page."""

from __future__ import annotations

from flask import Blueprint, Response

from server.common.pages import static_page

bp = Blueprint("district_pages", __name__)


@bp.route("/console/import")
def importstatic_page() -> Response:
    """Open the page that checks and imports a district's workbook (数据导入)."""
    return static_page("console/import.html")


@bp.route("/console/district")
def districtstatic_page() -> Response:
    """Open the page for units, sites, departments and the routing table (区县结构)."""
    return static_page("console/district.html")
