"""Upgrades: a database built by an earlier release, holding data, migrated to head.

The earlier release is Alembic revision 0012 (before the evaluation indexes, the backfill of
the unit on 'rate' events, and the audit request id). Its rows are written with plain SQL
against the tables as 0012 made them; the code at head then reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from server import create_app
from tests.conftest import ROOT

EARLIER = "0012"
SCHEMA = "sl_upgrade_drill"  # PostgreSQL: a schema of our own in the test database
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def old_app(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Flask]:
    config: dict[str, Any] = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                              "REDIS_URL": redis_url, "SECRET_KEY": "upgrade-drill"}
    postgres = database_url.startswith("postgresql")
    if postgres:
        config["DATABASE_URL"] = database_url
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    else:
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(config)
    from server.extensions import db

    with app.app_context():
        if postgres:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        yield app
        db.session.remove()
        if postgres:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        db.engine.dispose()


def _insert(conn: Any, table: str, *rows: dict[str, Any]) -> None:
    conn.execute(insert(Table(table, MetaData(), autoload_with=conn)), list(rows))


def test_a_release_0012_database_with_data_upgrades_to_head_and_reads_right(old_app):
    from server.audit.models import AuditEvent
    from server.extensions import db
    from server.intake.models import Opinion, OpinionEvent
    from server.meetings.persister import db_counts
    from server.ops.ready import code_heads, database_heads

    upgrade(directory=str(ROOT / "migrations"), revision=EARLIER)
    assert database_heads() == {EARLIER}
    with db.engine.begin() as conn:
        _insert(conn, "units",
                {"id": 1, "code": "YD", "name": "盐都区", "kind": "district", "path": "/1/",
                 "depth": 0, "sort_order": 0},
                {"id": 2, "code": "YD01001", "name": "黄庄村", "kind": "village",
                 "parent_id": 1, "path": "/1/2/", "depth": 1, "sort_order": 0})
        _insert(conn, "sites", {"id": 1, "code": "S0001", "name": "黄庄村协商议事室",
                                "kind": "room", "unit_id": 2, "address": "黄庄村",
                                "contact_phone": "", "is_demo": False, "active": True,
                                "created_at": AT})
        _insert(conn, "residents", *[{"id": i, "kind": "wechat", "created_at": AT}
                                     for i in (1, 2, 3)])
        _insert(conn, "opinions", *[
            {"id": i, "tracking_no": f"YD2026030200{i}", "site_id": 1, "unit_id": 2,
             "kind": "suggestion", "text": f"第{i}条意见：村口路灯不亮", "anonymous": False,
             "state": "closed", "moderation": "ok", "support_count": 0, "resident_id": i,
             "created_at": AT, "updated_at": AT} for i in (1, 2)])
        _insert(conn, "opinion_events",
                {"id": 1, "opinion_id": 1, "at": AT, "action": "submit",
                 "actor_kind": "resident", "actor_resident_id": 1, "data": {}},
                {"id": 2, "opinion_id": 1, "at": AT, "action": "rate",
                 "actor_kind": "resident", "actor_resident_id": 1, "data": {"score": 5}},
                {"id": 3, "opinion_id": 2, "at": AT, "action": "rate",
                 "actor_kind": "resident", "actor_resident_id": 2, "data": {"score": 3}})
        _insert(conn, "meetings", {"id": 1, "code": "M0001", "site_id": 1, "title": "农路议事",
                                   "description": "", "location": "村部", "starts_at": AT,
                                   "online": False, "presence_check": False, "quorum": 0,
                                   "status": "closed", "minutes": "", "created_at": AT})
        _insert(conn, "meeting_polls", {"id": 1, "meeting_id": 1, "title": "是否修路",
                                        "kind": "yesno", "max_choices": 1, "secret": False,
                                        "live_results": True, "status": "closed",
                                        "db_generation": 1, "created_at": AT})
        _insert(conn, "meeting_poll_options",
                {"id": 1, "poll_id": 1, "position": 0, "label": "同意"},
                {"id": 2, "poll_id": 1, "position": 1, "label": "不同意"})
        _insert(conn, "meeting_ballots", *[
            {"id": i, "ballot_uid": f"b{i}", "poll_id": 1, "resident_id": i,
             "choices": "1" if i < 3 else "2", "idempotency_key": f"k{i}", "via": "redis",
             "cast_at": AT} for i in (1, 2, 3)])
        _insert(conn, "audit_events", {"id": 1, "at": AT, "actor_kind": "resident",
                                       "resident_id": 1, "action": "write", "method": "POST",
                                       "path": "/api/v1/polls/1/votes", "status": 200,
                                       "outcome": "ok", "personal_data": False})

    upgrade(directory=str(ROOT / "migrations"), revision="heads")
    assert database_heads() == code_heads()
    db.session.remove()
    # The rows are all there, read through today's models.
    assert [o.text for o in db.session.scalars(select(Opinion).order_by(Opinion.id))] == [
        "第1条意见：村口路灯不亮", "第2条意见：村口路灯不亮"]
    counts, ballots, paper = db_counts(1)
    assert (dict(counts), ballots, paper) == ({1: 2, 2: 1}, 3, {})
    # 0015 backfilled the unit of 'rate' events from their opinion; other events keep none.
    units = dict(db.session.execute(select(OpinionEvent.id, OpinionEvent.unit_id)).all())
    assert units == {1: None, 2: 2, 3: 2}
    [row] = db.session.scalars(select(AuditEvent))
    assert row.request_id is None and row.path == "/api/v1/polls/1/votes"
    if db.engine.dialect.name == "postgresql":
        # The audit log is still append-only after the upgrade.
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(update(AuditEvent.__table__).values(status=500))
