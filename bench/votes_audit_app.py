"""The real app plus a simulated audit hook: one XADD per resident request, after the response.

    gunicorn 'bench.votes_audit_app:create()' -k gevent

Another engineer is adding a global after-request hook that records resident requests in a
Redis stream; this measures what one extra Redis command per vote costs before it lands.
"""

from __future__ import annotations

import time

from flask import Flask, Response, request

from server import create_app
from server.extensions import get_redis

STREAM = "sl:bench:audit"


def create() -> Flask:
    """Build the application with the simulated audit hook."""
    app = create_app()

    @app.after_request
    def audit(response: Response) -> Response:
        if request.headers.get("Authorization", "").startswith("Bearer r."):
            get_redis().xadd(STREAM, {"m": request.method, "p": request.path,
                                      "s": response.status_code,
                                      "t": int(time.time() * 1000)},
                             maxlen=100_000, approximate=True)
        return response

    return app
