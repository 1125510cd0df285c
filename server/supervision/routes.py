"""HTTP endpoints of the supervision domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("supervision", __name__, url_prefix="/api/v1", description="指导督查")
