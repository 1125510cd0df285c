"""Readiness for load balancers: may this instance take traffic now?

Unlike /healthz (is the process alive, are its servers there), /readyz also says no while
the database schema is behind the code (a deploy that has not migrated yet) and while the
instance is draining: an operator (or the unit's stop) touches READY_DRAIN_FILE, or the
worker received SIGTERM, and the balancer stops sending before connections are refused.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.config import ROOT
from server.extensions import db


def drain_file(app: Flask) -> Path:
    """Return the file whose presence takes the instance out of rotation."""
    return Path(app.config.get("READY_DRAIN_FILE")
                or Path(app.config["INSTANCE_PATH"]) / "draining")


def code_heads() -> set[str]:
    """Return the migration heads this code expects (read once per process)."""
    cached: set[str] | None = getattr(code_heads, "_heads", None)
    if cached is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(ROOT / "migrations"))
        cached = set(ScriptDirectory.from_config(config).get_heads())
        code_heads._heads = cached  # type: ignore[attr-defined]
    return cached


def database_heads() -> set[str]:
    """Return the revisions the database is stamped with."""
    return set(db.session.scalars(text("SELECT version_num FROM alembic_version")))


def shutting_down(app: Flask) -> bool:
    """Tell whether this process was asked to stop."""
    return app.extensions.get("sl_shutting_down", threading.Event()).is_set()


def mark_shutting_down(app: Flask) -> None:
    """Say no to readiness from now on in this process."""
    app.extensions.setdefault("sl_shutting_down", threading.Event()).set()


def watch_sigterm(app: Flask) -> None:
    """Chain a SIGTERM handler that marks the process as stopping (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return  # default action: the process is gone anyway; nothing to answer

    def on_term(signum: int, frame: Any) -> None:
        mark_shutting_down(app)
        previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def check_ready() -> dict[str, Any]:
    """Probe database, Redis, migrations and the stop flags; `ready` is their conjunction."""
    from server.health import check_health

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    report = check_health()
    report.pop("status", None)
    if report["database"]["ok"]:
        try:
            found, wanted = database_heads(), code_heads()
            report["migrations"] = {"ok": found == wanted, "database": sorted(found),
                                    "code": sorted(wanted)}
        except SQLAlchemyError as exc:
            db.session.rollback()
            report["migrations"] = {"ok": False, "error": type(exc).__name__}
    else:
        report["migrations"] = {"ok": False, "error": "database unavailable"}
    stopping = shutting_down(app) or drain_file(app).exists()
    report["accepting"] = {"ok": not stopping}
    report["ready"] = all(part["ok"] for part in report.values())
    return report
