"""HTTP endpoints of the publicity domain (协商成果公示), open to everyone."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.publicity import schemas as s
from server.publicity import services

blp = Blueprint("publicity", __name__, url_prefix="/api/v1", description="协商成果")


@blp.route("/public/sites/<string:code>/outcomes")
@blp.arguments(s.PublicityYearArgsSchema, location="query")
@blp.response(200, s.PublicityPageSchema)
def site_outcomes(args: dict[str, Any], code: str) -> dict[str, Any]:
    """Return a site's outcomes of a year, where each went, and the year's figures."""
    return services.site_page(code, args.get("year"))


@blp.route("/public/units/<string:code>/outcomes")
@blp.arguments(s.PublicityYearArgsSchema, location="query")
@blp.response(200, s.PublicityPageSchema)
def unit_outcomes(args: dict[str, Any], code: str) -> dict[str, Any]:
    """Return a town's or the district's outcomes of a year and the year's figures."""
    return services.unit_page(code, args.get("year"))
