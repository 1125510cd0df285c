"""Structured logs: one JSON object per line, carrying the request id of the request."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context, request

HANDLER_NAME = "sl-json"


def current_request_id() -> str | None:
    """Return the id of the request being served, if any."""
    if not has_request_context():
        return None
    return request.environ.get("sl.request_id")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line (time, level, logger, message, request id, error)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Send the root logger's records to stderr as JSON lines (the default outside tests)."""
    chosen = app.config.get("LOG_FORMAT") or ("text" if app.config.get("TESTING") else "json")
    if chosen != "json":
        return
    root = logging.getLogger()
    if any(getattr(h, "name", None) == HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.name = HANDLER_NAME
    handler.setFormatter(JsonFormatter())
    # Flask's own default handler would print the same records a second time as text.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
