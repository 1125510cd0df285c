"""Decode uploaded images in a small bounded pool per process, off the request's thread.

Decoding a large photo takes a core for a second and hundreds of MB; four at once stalled
unrelated requests. Each process decodes at most INTAKE_DECODE_WORKERS images at a time in
real OS threads (Pillow releases the GIL while decoding; under gevent the hub's native thread
pool keeps the event loop serving others), and a caller waits at most
INTAKE_DECODE_WAIT_SECONDS for a free slot before getting a 503 to retry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flask import Flask, current_app

from server.errors import DomainError

T = TypeVar("T")


class DecoderBusy(DomainError):
    status, code, message = 503, "busy", "照片处理繁忙，请稍后重试"


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is pinned, but keep the pool usable
        return False
    return bool(monkey.is_module_patched("threading"))


def _state(app: Flask) -> dict[str, Any]:
    state = app.extensions.get("sl_decode_pool")
    if state is None:
        workers = int(app.config.get("INTAKE_DECODE_WORKERS", 2))
        if _gevent_patched():
            from gevent import get_hub

            run = _gevent_runner(get_hub().threadpool)
        else:
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")
            run = _executor_runner(executor)
        state = app.extensions.setdefault(
            "sl_decode_pool", {"slots": threading.BoundedSemaphore(workers), "run": run})
    return state


def _gevent_runner(pool: Any) -> Callable[..., Any]:
    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return pool.apply(fn, args, kwargs)

    return run


def _executor_runner(executor: ThreadPoolExecutor) -> Callable[..., Any]:
    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return executor.submit(fn, *args, **kwargs).result()

    return run


def decode_bounded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` in the process's decode pool once a slot is free (503 if none in time)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = _state(app)
    if not state["slots"].acquire(timeout=float(app.config.get("INTAKE_DECODE_WAIT_SECONDS",
                                                               20))):
        raise DecoderBusy()
    try:
        return state["run"](fn, *args, **kwargs)  # type: ignore[no-any-return]
    finally:
        state["slots"].release()
