"""The processes `flask serve` runs: gunicorn and the persister, supervised and stopped together.

- The persister (`flask meetings persist`) is restarted with backoff whenever it dies; the
  workers drain meanwhile (they watch its heartbeat), so no ballot waits on it.
- SIGTERM or SIGINT (Ctrl+C) stops everything in order: gunicorn first, gracefully (requests
  in flight, votes included, are answered), then the persister (one last drain), then the
  caller stops the sweeper and the embedded Redis. A second signal kills what is left.
- Children run in their own sessions, so a terminal's Ctrl+C reaches only `serve`, which
  stops them in that order; and each is told by the kernel (prctl PR_SET_PDEATHSIG) to stop
  should `serve` die without a chance to stop them (SIGKILL, OOM killer). gunicorn's workers
  notice their master's death themselves within a second.
- PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: every
  child here, restarts included, is forked by the main thread (the supervising loop).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from server.config import ROOT

# Keep-alive of idle client connections, in seconds. gunicorn's default (2 s) closes a phone's
# idle connection while the phone may be sending its next request on it, and the phone sees
# "connection reset" (about one vote in 300 did). A server that waits longer than the client
# never races it: the client closes its idle connections first. Browsers keep them up to
# 300 s (Chrome, Android WebView and so WeChat's browser; Firefox 115 s, Safari less), so the
# server waits a little longer. The cost is one gevent greenlet and one socket per idle
# connection (a few per phone) within --worker-connections. Behind a reverse proxy the proxy's
# own timeout faces the phones; set it above 300 s too (nginx: keepalive_timeout 310s).
KEEPALIVE_SECONDS = 310
GRACEFUL_SECONDS = 10
WORKER_CONNECTIONS = 2000
# Persister restarts: 1 s after a crash, doubling to at most 30 s; a run of a minute resets it.
RESTART_FIRST, RESTART_MAX, RESTART_RESET_AFTER = 1.0, 30.0, 60.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """Return a preexec_fn that makes the child receive `sig` when this thread ends (Linux).

    Call it in the thread that starts the child, and keep that thread alive as long as the
    child should live (see the module docstring). None where prctl is unavailable.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl  # looked up now: the child between fork and exec only calls it
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def gunicorn_args(app_spec: str, host: str, port: int, workers: int) -> list[str]:
    """Return gunicorn's command line as `flask serve` runs it (also used by bench/votes.py)."""
    # gevent: big-screen event streams are long-lived; a thread per stream would run out.
    return [
        sys.executable, "-m", "gunicorn", app_spec,
        # The production hooks (an empty metrics folder at start, a dead worker's gauges
        # forgotten); the options below take precedence over that file's values.
        "-c", "python:server.ops.gunicorn_conf",
        "--bind", f"{host}:{port}", "--workers", str(workers),
        "--worker-class", "gevent", "--worker-connections", str(WORKER_CONNECTIONS),
        "--keep-alive", str(KEEPALIVE_SECONDS),
        "--timeout", "60", "--graceful-timeout", str(GRACEFUL_SECONDS),
        # Longest request line gunicorn takes: longer addresses up to it get the app's JSON 414.
        "--limit-request-line", "8190",
    ]


def persister_args() -> list[str]:
    """Return the persister's command line."""
    return [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist"]


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    restart: bool
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = RESTART_FIRST
    restart_at: float | None = None
    stop_timeout: float = 30.0


def say(text: str) -> None:
    """Tell the operator what the supervisor does (stderr, like gunicorn's own log)."""
    click.echo(f"[{time.strftime('%H:%M:%S')}] {text}", err=True)


class Supervisor:
    """Start children, restart the ones that should outlive crashes, stop all on a signal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[Child] = []
        self.signals: list[int] = []

    def add(self, child: Child) -> Child:
        """Register a child and start it."""
        self.children.append(child)
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        assert threading.current_thread() is threading.main_thread(), \
            "children must be forked by the main thread (PR_SET_PDEATHSIG)"
        child.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            child.argv, env=self.env, cwd=str(ROOT), start_new_session=True,
            preexec_fn=die_with_parent())  # noqa: PLW1509 - only prctl runs in the child
        child.started_at = time.monotonic()
        child.restart_at = None

    def run(self) -> int:
        """Supervise until a signal or gunicorn's exit; stop everything; return an exit code."""
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        code = 0
        try:
            while not self.signals:
                exited = self._check()
                if exited is not None:
                    code = exited
                    break
                time.sleep(POLL_SECONDS)
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.signals.append(signum)
        if len(self.signals) == 1:
            say(f"收到{signal.Signals(signum).name}，正在停止（处理中的请求会先完成；"
                "再按一次 Ctrl+C 立即停止）……")
        else:
            say("立即停止")
            for child in self.children:
                self._kill(child)

    def _check(self) -> int | None:
        """Restart children that died; return an exit code if serving must end."""
        now = time.monotonic()
        for child in self.children:
            proc = child.proc
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._start(child)
                    assert child.proc is not None
                    say(f"{child.name}已重新启动（pid {child.proc.pid}）")
                continue
            if proc is None or proc.poll() is None:
                continue
            if not child.restart:
                say(f"{child.name}已退出（退出码 {proc.returncode}），停止全部服务")
                return proc.returncode or 1
            if now - child.started_at >= RESTART_RESET_AFTER:
                child.delay = RESTART_FIRST
            say(f"{child.name}意外退出（pid {proc.pid}，退出码 {proc.returncode}），"
                f"{child.delay:g} 秒后重启")
            child.restart_at = now + child.delay
            child.delay = min(RESTART_MAX, child.delay * 2)
        return None

    def stop(self) -> None:
        """Stop the children one after another, in the order they were added."""
        for child in self.children:
            proc = child.proc
            child.restart_at = None
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                proc.wait(timeout=child.stop_timeout)
            except subprocess.TimeoutExpired:
                say(f"{child.name}未在 {child.stop_timeout:g} 秒内停止，强制结束")
                self._kill(child)
                proc.wait()

    @staticmethod
    def _kill(child: Child) -> None:
        if child.proc is not None and child.proc.poll() is None:
            try:
                os.killpg(child.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def run_services(host: str, port: int, workers: int, instance: str) -> int:
    """Run gunicorn and the persister until a signal; return the exit code for `serve`."""
    env = dict(os.environ, SHANGLIANG_INSTANCE=instance)
    supervisor = Supervisor(env)
    # gunicorn in its own process lets gevent patch the standard library before anything of
    # ours is imported; stopped first, so ballots accepted until the end are drained once
    # more by the persister on its way out.
    supervisor.add(Child("网页服务（gunicorn）", gunicorn_args("server:create_app()", host, port,
                                                          workers),
                         restart=False, stop_timeout=GRACEFUL_SECONDS + 10))
    # Ballots go from Redis to the database in their own process, not in the vote workers.
    supervisor.add(Child("表决持久化进程", persister_args(), restart=True))
    return supervisor.run()
