"""HTTP endpoints of the evaluation domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("evaluation", __name__, url_prefix="/api/v1", description="评价研判")
