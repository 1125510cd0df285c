"""Shangliang (有事好商量): the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from server.config import ROOT, finalize, load_config

# Each domain package has routes.py (an API blueprint `blp`); some also serve pages.
DOMAINS = ("people", "thinktank", "sites", "intake", "dispatch", "meetings", "evaluation",
           "supervision", "notify", "assessment", "audit", "district", "duty", "proposals",
           "review", "publicity", "privacy")
PAGE_DOMAINS = ("intake", "dispatch", "meetings", "evaluation", "supervision", "assessment",
                "people", "thinktank", "audit", "district", "duty", "review", "publicity")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an application; `config` overrides what the environment says."""
    cfg = finalize(load_config(config))
    app = Flask(
        __name__,
        instance_path=cfg["INSTANCE_PATH"],
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config.update(cfg)
    app.config.update(
        API_TITLE="Shangliang 有事好商量 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=cfg.get("MAX_CONTENT_LENGTH", 40 * 1024 * 1024),
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from server import models  # noqa: F401 - every table registered before migrations run
    from server.common.inputs import (
        BoundedIntConverter,
        install_input_guard,
        register_converter_docs,
    )
    from server.errors import register_error_handlers
    from server.extensions import api, db, limiter, migrate, redis_accessor
    from server.people.access import init_access
    from server.redis_urls import limits_storage

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    db.init_app(app)
    from server.common.pii import install_phone_hashes

    install_phone_hashes(db.Model)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    redis_accessor.init_app(app)
    storage_uri, storage_options = limits_storage(redis_accessor.url(app))
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri
    if storage_options:
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", storage_options)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sl:rl")
    limiter.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer",
                   "description": "staff token (sl_…) or resident token (r.…)"}
    )
    api.spec.components.security_scheme(
        "cookie", {"type": "apiKey", "in": "cookie", "name": "sl_session",
                   "description": "console session; writes also need X-CSRF-Token"}
    )
    register_converter_docs(api)
    init_access(app)

    import importlib

    from server.health import bp as health_bp
    from server.pages import bp as pages_bp

    for domain in DOMAINS:
        routes = importlib.import_module(f"server.{domain}.routes")
        api.register_blueprint(routes.blp)
        if domain in PAGE_DOMAINS:
            app.register_blueprint(importlib.import_module(f"server.{domain}.pages").bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(pages_bp)
    register_error_handlers(app)
    install_input_guard(app)  # after the audit hook, before identity, CSRF and limits

    from server.duty.hooks import subscribe as duty_follows_the_domains

    duty_follows_the_domains()

    from server.cli import register_cli
    from server.meetings.fastpath import install as install_vote_fast_path

    install_vote_fast_path(app)
    from server.common.headers import install_security_headers

    install_security_headers(app)  # outermost: the fast path's answers carry them too
    _init_ops(app)

    register_cli(app)
    return app


def _init_ops(app: Flask) -> None:
    """Readiness, metrics, request ids and JSON logs (the request-id layer goes outermost)."""
    from server.ops import metrics, middleware
    from server.ops.logs import configure_logging
    from server.ops.ready import watch_sigterm
    from server.ops.views import bp as ops_bp

    configure_logging(app)
    metrics.init_app(app)
    app.register_blueprint(ops_bp)
    middleware.install(app)
    watch_sigterm(app)


def _tune_sqlite(app: Flask) -> None:
    """Turn on WAL, FULL sync (accepted reports and ballots survive power loss) and FKs."""
    from sqlalchemy import event

    from server.extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
