"""HTTP endpoints of the notify domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="通知")
