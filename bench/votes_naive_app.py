"""The naive alternative: insert a row per vote, then count the rows (SQLite, same pragmas).

    gunicorn 'bench.votes_naive_app:create()' -k gevent   (NAIVE_DB in the environment)
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, jsonify, request


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create() -> Flask:
    """Build the naive app."""
    app = Flask(__name__)
    path = os.environ["NAIVE_DB"]
    _connect(path).execute("CREATE TABLE IF NOT EXISTS votes (id INTEGER PRIMARY KEY, "
                           "voter INTEGER, choice INTEGER)")

    @app.post("/vote")
    def vote():  # type: ignore[no-untyped-def]
        body = request.get_json()
        conn = _connect(path)
        try:
            conn.execute("INSERT INTO votes (voter, choice) VALUES (?, ?)",
                         (int(body["resident"]), int(body["choice"])))
            count = conn.execute("SELECT COUNT(*) FROM votes WHERE choice = ?",
                                 (int(body["choice"]),)).fetchone()[0]
        finally:
            conn.close()
        return jsonify(count=count)

    return app
