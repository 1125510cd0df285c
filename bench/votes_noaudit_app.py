"""The real app with its audit hook taken out: shows what auditing costs the vote path.

    gunicorn 'bench.votes_noaudit_app:create()' -k gevent

The real app (server:create_app) audits every write request (server/audit/capture.py); the
bench's `real` figures include that. This variant removes the hook's before- and after-request
functions, so `real` against `noaudit` is the audit trail's price per vote.
"""

from __future__ import annotations

from flask import Flask

from server import create_app
from server.audit import capture


def create() -> Flask:
    """Build the application without the audit hook."""
    app = create_app()
    app.before_request_funcs[None].remove(capture._begin)
    app.after_request_funcs[None].remove(capture._finish)
    return app
