"""The platform: health, error shape, OpenAPI drift, migrations, demo data, restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import redis as redis_lib
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.cli import openapi_document
from server.embedded_redis import EmbeddedRedis
from tests.conftest import ROOT, run


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"]


def test_healthz_says_whether_redis_keeps_its_data(client, redis, tmp_path):
    from server.embedded_redis import redis_server_binary
    from server.health import redis_persistence
    from tests.conftest import free_port

    body = client.get("/healthz").get_json()
    expected = redis.config_get("appendonly")["appendonly"]
    assert body["redis"]["appendonly"] == expected
    assert ("warning" in body["redis"]) == (expected != "yes")
    # A Redis without its append-only file (our own, on a free port) gets a plain warning.
    port = free_port()
    proc = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                             "--appendonly", "no", "--save", "", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        other = redis_lib.Redis(port=port, decode_responses=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                other.ping()
                break
            except redis_lib.ConnectionError:
                assert time.monotonic() < deadline, "our redis-server did not start"
                time.sleep(0.05)
        report = redis_persistence(other)
        assert report["appendonly"] == "no" and "AOF" in report["warning"]
        other.close()
    finally:
        proc.kill()
        proc.wait()


def test_unknown_api_path_uses_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"code": "not_found", "status": 404,
                                   "message": "找不到该内容", "errors": {}}
    wrong_method = client.delete("/api/v1/auth/guest")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == "method_not_allowed"


def test_committed_openapi_matches_what_the_app_serves(client, app):
    served = client.get("/api/openapi.json").get_json()
    committed = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    assert served == openapi_document(app)
    assert committed == served, "openapi.json is stale: run `make openapi` and commit it"


def test_migrations_match_the_models(app, db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_demo_district_matches_the_article(app, db):
    from sqlalchemy import func, select

    from server.demo import seed_demo
    from server.people.models import User
    from server.sites.models import Circle, Department, Site, Unit

    accounts = seed_demo()

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    assert count(Unit, Unit.depth == 1) == 14
    assert count(Unit, Unit.kind.in_(["village", "community"])) == 250
    assert count(Unit, Unit.kind == "park") == 2 and count(Unit, Unit.kind == "hightech") == 1
    assert count(Circle) == 18
    assert count(Site, Site.kind == "room") == 250
    assert count(Site, Site.is_demo.is_(True)) == 10
    assert count(Department) >= 5
    roles = {a.role for a in accounts}
    assert roles == {"admin", "dispatcher", "moderator", "handler", "supervisor", "member"}
    assert count(User) == len(accounts)


def test_embedded_redis_keeps_data_across_restarts(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    import redis

    client = redis.Redis.from_url(server.start())
    client.set("ballot", "42")
    client.close()
    server.stop()
    assert (tmp_path / "redis").exists()
    again = EmbeddedRedis(tmp_path / "redis")
    client = redis.Redis.from_url(again.start())
    assert client.get("ballot") == b"42"
    client.close()
    again.stop()


RESTART_SCRIPT = textwrap.dedent("""
    import sys
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from server import create_app
    from server.extensions import db, get_redis, redis_accessor
    from server.sites.models import Site

    app = create_app()
    with app.app_context():
        upgrade(directory=sys.argv[2], revision="head")
        if sys.argv[1] == "write":
            from server.demo import seed_demo
            seed_demo()
            get_redis().set("sl:test:restart", "kept")
        sites = db.session.scalar(select(func.count()).select_from(Site))
        print(sites, get_redis().get("sl:test:restart"))
    redis_accessor.close(app)
""")


def test_restarting_the_app_keeps_its_data(tmp_path: Path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL"}}
    env["SHANGLIANG_INSTANCE"] = str(tmp_path / "instance")
    migrations = str(ROOT / "migrations")
    first = run([sys.executable, "-c", RESTART_SCRIPT, "write", migrations], env=env, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    second = run([sys.executable, "-c", RESTART_SCRIPT, "read", migrations], env=env, cwd=ROOT)
    assert second.returncode == 0, second.stderr
    assert first.stdout.split()[-2:] == second.stdout.split()[-2:] == ["265", "kept"]
    assert (tmp_path / "instance" / "shangliang.db").exists()
    assert (tmp_path / "instance" / "redis" / "appendonly.aof").exists()


def test_every_console_link_opens_a_page(client):
    """The console home links every staff page; each must exist and be Chinese HTML."""
    import re

    html = (ROOT / "static" / "console" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(/console/[a-z]+)"', html)
    assert len(links) >= 6
    for link in links:
        response = client.get(link)
        body = response.get_data(as_text=True)
        response.close()
        assert response.status_code == 200, link
        assert response.mimetype == "text/html" and "有事好商量" in body, link
