"""The outermost WSGI layer: a request id for every request, and request metrics.

It sits outside the vote fast path (meetings.fastpath), so fast-path votes get an id and are
counted too. The route label is the Flask rule (`/api/v1/polls/{poll_id}/votes`), never the
raw path: raw paths would make one time series per poll and per opinion.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from server.audit.capture import VOTE_PATH_TEMPLATE, openapi_path
from server.meetings.fastpath import VOTE_PATH

# What a trusted proxy may hand us as a request id (nginx's $request_id is 32 hex digits).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEADER = "X-Request-Id"
UNMATCHED = "<unmatched>"
StartResponse = Callable[..., Any]


def request_id_for(environ: dict[str, Any], trust_header: bool) -> str:
    """Return the request's id: the proxy's X-Request-Id when trusted and sane, else a new one.

    Only a request that came through our own proxy may name its id: a client talking to the
    app directly could otherwise write whatever it likes into the audit log.
    """
    if trust_header:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        if given and REQUEST_ID.fullmatch(given):
            return given
    return uuid.uuid4().hex


class OpsMiddleware:
    """Assign the request id, answer it in a header, time and count the request."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        from server.ops import metrics

        self.metrics = metrics.get()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        trusted = int(self.app.config.get("AUDIT_TRUSTED_PROXIES") or 0) > 0
        request_id = request_id_for(environ, trusted)
        environ["sl.request_id"] = request_id
        seen: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(status)
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        try:
            return self.wsgi_app(environ, start)
        finally:
            self._observe(environ, seen[0][:3] if seen else "500",
                          time.perf_counter() - started)

    def _observe(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        method = environ.get("REQUEST_METHOD", "")
        route = environ.get("sl.route")
        if route is None:
            # Not routed by Flask: the vote fast path answered it, or nothing matched.
            path = environ.get("PATH_INFO", "")
            route = VOTE_PATH_TEMPLATE if VOTE_PATH.fullmatch(path) else UNMATCHED
        m = self.metrics
        m.requests.labels(method, route, status).inc()
        m.latency.labels(method, route).observe(seconds)
        if route == VOTE_PATH_TEMPLATE and method == "POST":
            m.votes.labels("accepted" if status.startswith("2") else "refused").inc()


def remember_route() -> None:
    """Note the matched Flask rule in the WSGI environ (a before-request hook)."""
    from flask import request

    rule = request.url_rule
    if rule is not None:
        request.environ["sl.route"] = openapi_path(rule.rule)


def install(app: Flask) -> None:
    """Wrap the app's WSGI callable (call after every other WSGI wrapper)."""
    app.before_request_funcs.setdefault(None, []).insert(0, remember_route)
    app.wsgi_app = OpsMiddleware(app, app.wsgi_app)  # type: ignore[method-assign]
