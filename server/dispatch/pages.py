"""Pages (static HTML) of the dispatch domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dispatch_pages", __name__)
