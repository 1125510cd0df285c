"""Pages (static HTML) of the notify domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notify_pages", __name__)
