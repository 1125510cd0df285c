"""The privacy notice a resident agrees to once, before their first report (PIPL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.errors import ValidationFailed
from server.extensions import db
from server.people.models import Resident

# Bump when the notice's wording changes in substance; the form shows NOTICE_TITLE.
NOTICE_VERSION = "2026-12"
NOTICE_TITLE = "个人信息保护告知"


class PrivacyConsent(db.Model):  # type: ignore[name-defined]
    """A resident agreed to the privacy notice (one row per resident, migration 0023)."""

    __tablename__ = "privacy_consents"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def require_consent(resident: Resident, data: dict[str, Any]) -> None:
    """Record the resident's consent, or refuse their first report without it (422)."""
    if db.session.get(PrivacyConsent, resident.id) is not None:
        return
    if data.get("consent") is not True:
        raise ValidationFailed(
            "首次提交前请阅读并同意《个人信息保护告知》",
            errors={"consent": ["请勾选同意个人信息保护告知"]}, code="consent_required")
    # Committed on its own: the tracking number is drawn on another connection next, and
    # the resident did agree even if this report is then refused.
    db.session.add(PrivacyConsent(resident_id=resident.id, version=NOTICE_VERSION))
    db.session.commit()
