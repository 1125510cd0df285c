"""Pages (static HTML) of the evaluation domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation_pages", __name__)
