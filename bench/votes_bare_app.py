"""The stack's ceiling: a bare Flask endpoint running the same vote Lua script, nothing else.

    gunicorn 'bench.votes_bare_app:create()' -k gevent   (REDIS_URL in the environment)
"""

from __future__ import annotations

import os
import time

import redis
from flask import Flask, jsonify, request

from server.meetings import keys
from server.meetings.scripts import script


def create() -> Flask:
    """Build the bare app; the redis-py pool is sized to the worker's concurrency."""
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True,
                                  max_connections=int(os.environ.get("POOL", "1000")))
    vote_script = script(client, "vote")

    @app.post("/vote")
    def vote():  # type: ignore[no-untyped-def]
        body = request.get_json()
        poll, resident = int(body["poll"]), int(body["resident"])
        result = vote_script(keys=keys.poll_keys(poll), args=[
            resident, body["key"], str(body["choice"]), body["key"], int(time.time() * 1000),
            0, keys.events_channel(0), keys.POLL_TTL_SECONDS])
        if result[0] in ("ok", "dup"):
            return jsonify(ballot_id=result[1])
        return jsonify(code=result[1]), 409

    return app
