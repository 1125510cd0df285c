"""Pages (static HTML) of the intake domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("intake_pages", __name__)
