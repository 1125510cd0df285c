"""A resident's own data: download it, or erase it (个人信息查阅、删除)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.audit.capture import audited
from server.people.access import require_resident
from server.privacy import schemas, services

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="个人信息保护")


@blp.route("/privacy/my-data")
@audited("privacy_export", personal_data=True)
@blp.response(200, schemas.PrivacyExportSchema)
def export_my_data() -> dict[str, Any]:
    """Download everything stored about the calling resident (JSON)."""
    return services.export_data(require_resident())


@blp.route("/privacy/my-data", methods=["DELETE"])
@audited("privacy_erase")
@blp.response(200, schemas.PrivacyErasedSchema)
def erase_my_data() -> dict[str, int]:
    """Erase the calling resident's personal data; their reports stay as anonymous cases."""
    return services.erase_data(require_resident())
