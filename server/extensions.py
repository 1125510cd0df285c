"""Unbound extension singletons; create_app binds them to an application."""

from __future__ import annotations

import threading
from functools import partial, wraps
from typing import Any

import redis
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from server.embedded_redis import EmbeddedRedis
from server.redis_urls import make_client

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class ShangliangApi(Api):
    """flask-smorest's Api documenting our one error shape."""

    from server.common.schemas import ErrorSchema as ERROR_SCHEMA  # noqa: N811


api = ShangliangApi()


class ShangliangLimiter(Limiter):
    """Flask-Limiter that does no per-request work at all for views marked `unlimited`."""

    def unlimited(self, view: Any) -> Any:
        """Exempt a view from every limit and skip the limiter's per-request hooks for it.

        Even for an exempt view Flask-Limiter resolves the caller and the limits on every
        request, which costs more than a live vote's Redis script; use this only where a
        limit is pointless (say why at the view).
        """
        view = self.exempt(view)
        view._sl_unlimited = True
        return view

    def init_app(self, app: Flask) -> None:
        """Bind to an app; its after-request and teardown hooks also skip unlimited views."""
        super().init_app(app)
        inject = getattr(Limiter, "_Limiter__inject_headers", None)
        after = app.after_request_funcs.get(None, [])
        for i, hook in enumerate(after):
            if isinstance(hook, partial) and hook.func is inject and hook.args == (self,):
                after[i] = _unless_unlimited(_keeping_retry_after(hook),
                                             default=lambda response: response)
        release = getattr(self, "_Limiter__release_context", None)
        teardown = app.teardown_request_funcs.get(None, [])
        for i, hook in enumerate(teardown):
            if release is not None and hook == release:
                teardown[i] = _unless_unlimited(hook, default=lambda _exc=None: None)

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if in_middleware and _unlimited_view():
            return
        super()._check_request_limit(callable_name, in_middleware)


def _unlimited_view() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_sl_unlimited", False))


def _keeping_retry_after(hook: Any) -> Any:
    """Keep a Retry-After our error handler set (it matches the body's errors.retry_after).

    Flask-Limiter rewrites the header after the handler as int(reset - now), which can say
    one second less than the body, or 0.
    """

    @wraps(hook)
    def wrapper(response: Any) -> Any:
        ours = response.headers.get("Retry-After") if response.status_code >= 400 else None
        response = hook(response)
        if ours is not None:
            response.headers["Retry-After"] = ours
        return response

    return wrapper


def _unless_unlimited(hook: Any, default: Any) -> Any:
    @wraps(hook)
    def wrapper(arg: Any = None) -> Any:
        return default(arg) if _unlimited_view() else hook(arg)

    return wrapper


def _client_address() -> str:
    from server.common.limits import client_address

    return client_address()


# Keyed on the caller's real address (the trusted-proxy setting), not the proxy's.
limiter = ShangliangLimiter(key_func=_client_address, default_limits=[],
                            headers_enabled=True)


class RedisAccessor:
    """Hand out one redis-py client per app; start the embedded server if REDIS_URL is unset."""

    def init_app(self, app: Flask) -> None:
        app.extensions["sl_redis"] = {"client": None, "embedded": None, "lock": threading.Lock()}

    def url(self, app: Flask) -> str:
        """Return the Redis URL for the app, starting the embedded server if needed."""
        state = app.extensions["sl_redis"]
        configured: str = app.config.get("REDIS_URL") or ""
        if configured:
            return configured
        with state["lock"]:
            if state["embedded"] is None:
                server = EmbeddedRedis(app.config["INSTANCE_PATH"] + "/redis")
                server.start()
                state["embedded"] = server
            return state["embedded"].url

    def client(self, app: Flask) -> redis.Redis:
        """Return the app's client, built on first use."""
        state = app.extensions["sl_redis"]
        client = state["client"]
        if client is None:
            url = self.url(app)
            with state["lock"]:
                if state["client"] is None:
                    state["client"] = make_client(
                        url,
                        decode_responses=True,
                        socket_timeout=app.config.get("REDIS_SOCKET_TIMEOUT", 2.0),
                        socket_connect_timeout=app.config.get("REDIS_CONNECT_TIMEOUT", 1.0),
                        health_check_interval=30,
                        max_connections=app.config.get("REDIS_MAX_CONNECTIONS", 1000),
                    )
                client = state["client"]
        return client

    def close(self, app: Flask) -> None:
        """Close the client and stop an embedded server this app started."""
        state = app.extensions.get("sl_redis") or {}
        if state.get("client") is not None:
            state["client"].close()
            state["client"] = None
        if state.get("embedded") is not None:
            state["embedded"].stop()
            state["embedded"] = None


redis_accessor = RedisAccessor()


def get_redis(app: Any = None) -> redis.Redis:
    """Return the Redis client of the current (or given) app."""
    return redis_accessor.client(app or current_app._get_current_object())
