"""Pages (static HTML) of the supervision domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervision_pages", __name__)
