"""Intake settings and their defaults (read from the app config when set there)."""

from __future__ import annotations

from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    "INTAKE_TRACKING_PREFIX": "YD",
    "INTAKE_TEXT_MAX": 1500,
    "INTAKE_PHOTOS_MAX": 6,
    "INTAKE_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    # Checked from the header before any decoding (a 7000×7000 PNG is 47 KB on the wire).
    "INTAKE_PHOTO_MAX_PIXELS": 24_000_000,
    # (count, seconds) windows; a village hall shares one IP, so the IP limit is looser.
    "INTAKE_RATE_RESIDENT": [(5, 600), (20, 86400)],
    # One address can be a whole village hall behind one WiFi (300 people).
    "INTAKE_RATE_IP": [(300, 600)],
    "INTAKE_RATE_UPLOAD": [(40, 600), (120, 86400)],  # per resident or staff user
    "INTAKE_RATE_SUPPORT": [(30, 600)],
    "INTAKE_SIMILAR_LIMIT": 5,
    "INTAKE_SIMILAR_THRESHOLD": 0.3,
    "INTAKE_WECHAT_SEC_CHECK": True,
    "INTAKE_PHOTO_URL_SECONDS": 3600,
}


def setting(name: str) -> Any:
    """Return an intake setting from the app config, or its default."""
    return current_app.config.get(name, DEFAULTS[name])
