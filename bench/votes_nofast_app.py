"""The real app with the vote fast path turned off: every vote through Flask's request cycle.

    gunicorn 'bench.votes_nofast_app:create()' -k gevent

The real app answers a well-formed new ballot in a WSGI middleware before Flask
(server/meetings/fastpath.py); this variant sends every vote through the Flask view, hooks
(identity, CSRF, audit) and all, so `real` against `nofast` is what the fast path buys.
"""

from __future__ import annotations

from flask import Flask

from server import create_app


def create() -> Flask:
    """Build the application with VOTE_FAST_PATH off."""
    return create_app({"VOTE_FAST_PATH": False})
