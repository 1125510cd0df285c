"""Small text helpers for what people read."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****1234; short numbers keep only the last two digits."""
    if not phone:
        return phone
    digits = re.sub(r"\s", "", phone)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "**"


def local_time(value: datetime) -> datetime:
    """Convert a UTC time to Asia/Shanghai for display."""
    return value.astimezone(SHANGHAI)
