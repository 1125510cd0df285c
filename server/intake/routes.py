"""HTTP endpoints of the intake domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("intake", __name__, url_prefix="/api/v1", description="情况收集")
