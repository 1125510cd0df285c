"""Serve the static HTML pages people open (no build step; always revalidated)."""

from __future__ import annotations

from flask import Response, current_app, send_from_directory


def static_page(relative: str) -> Response:
    """Return a file under static/ as a page the browser revalidates on every visit."""
    response = send_from_directory(current_app.static_folder or "static", relative, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
