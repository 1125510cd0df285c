"""Pages (static HTML) of the meetings domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings_pages", __name__)
