"""The embedded sweeper: on only for the one-machine default, sweeps repeatedly, stops."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.supervision.models import OverdueWarning
from server.supervision.sweeper import Sweeper, sweeper_wanted
from tests.dispatch.factories import make_opinion


def test_sweeper_runs_on_the_embedded_default_only(app: Flask, config_override: Any) -> None:
    config_override(SUPERVISION_SWEEPER="auto", REDIS_URL="",
                    SQLALCHEMY_DATABASE_URI="sqlite:///x.db")
    assert sweeper_wanted(app)
    config_override(REDIS_URL="redis://cache:6379/0")
    assert not sweeper_wanted(app)
    config_override(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/sl", REDIS_URL="")
    assert not sweeper_wanted(app)
    config_override(SUPERVISION_SWEEPER="on")
    assert sweeper_wanted(app)
    config_override(SUPERVISION_SWEEPER="off", SQLALCHEMY_DATABASE_URI="sqlite:///x.db")
    assert not sweeper_wanted(app)


def test_sweeper_thread_raises_once_and_stops(sv: Any, app: Flask) -> None:
    opinion = make_opinion(sv.d.site_a, kind="consult",
                           created_at=utcnow() - timedelta(days=30))
    workflow.assign(opinion.id, sv.dispatcher, department_id=sv.d.department.id)
    workflow.sign(opinion.id, sv.handler)
    sweeper = Sweeper(app, interval=0.1).start()
    try:
        deadline = time.monotonic() + 20
        while sweeper.runs < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stop()
    assert sweeper.runs >= 3 and not sweeper.thread.is_alive()
    db.session.rollback()
    levels = db.session.scalars(select(OverdueWarning.level)).all()
    assert levels == ["red"]
    assert db.session.scalar(select(func.count()).select_from(OverdueWarning)) == 1
