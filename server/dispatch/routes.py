"""HTTP endpoints of the dispatch domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("dispatch", __name__, url_prefix="/api/v1", description="指派调度")
