"""HTTP endpoints of the meetings domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("meetings", __name__, url_prefix="/api/v1", description="码上协商")
