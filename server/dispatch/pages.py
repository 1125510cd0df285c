"""Pages (static HTML) of the dispatch domain, and the Open311 endpoints."""

from __future__ import annotations

from flask import Blueprint

from server.dispatch.open311 import bp as open311_bp

bp = Blueprint("dispatch_pages", __name__)
# Open311 GeoReport v2 lives at /open311/v2/… beside the pages (not under /api/v1).
bp.register_blueprint(open311_bp)
