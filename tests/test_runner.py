"""`flask serve` stops everything it started: on SIGTERM, on Ctrl+C, and when SIGKILLed.

Each run starts `serve` on a free port with its own instance folder (SQLite file, its own
embedded redis-server), never the machine's servers, and kills only what it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # One folder for the module: the first start seeds the demo district, the others reuse it.
    yield tmp_path_factory.mktemp("serve")


class Served:
    """A running `flask serve` and its log."""

    def __init__(self, instance: Path, port: int) -> None:
        self.port = port
        self.log = instance / f"serve-{port}.log"
        self.out = self.log.open("w")
        self.proc: subprocess.Popen[str] | None = None

    def output(self) -> str:
        return self.log.read_text()

    def close(self) -> None:
        """Kill whatever is left (only if the test failed) and release the log."""
        proc = self.proc
        if proc is not None:
            left = _family_safe(proc.pid)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            for child in left:
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    pass
            proc.wait(30)
        self.out.close()


@pytest.fixture
def served(instance: Path) -> Iterator[Served]:
    handle = Served(instance, free_port())
    yield handle
    handle.close()


def _start(served: Served, instance: Path) -> subprocess.Popen[str]:
    port = served.port
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(SHANGLIANG_INSTANCE=str(instance), SUPERVISION_SWEEPER="on")
    proc = served.proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "flask", "--app", "server", "serve", "--port", str(port),
         "--workers", "1"], env=env, cwd=str(ROOT), stdout=served.out,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited early: {served.output()[-2000:]}"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"serve did not answer in 120 s: {served.output()[-2000:]}")


def _family(pid: int) -> list[psutil.Process]:
    """serve's processes: gunicorn (master and workers), the persister, redis-server."""
    root = psutil.Process(pid)
    return root.children(recursive=True)


def _command(proc: psutil.Process) -> str:
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            return ""
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _persisters(pid: int) -> list[psutil.Process]:
    return [c for c in _family(pid) if "meetings persist" in _command(c)]


def _gone(procs: list[psutil.Process]) -> list[str]:
    alive = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{proc.pid} {' '.join(proc.cmdline())[:80]}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_serve_stops_every_child_it_started(instance: Path, served: Served,
                                            sig: signal.Signals):
    port = served.port
    proc = _start(served, instance)
    children = _family(proc.pid)
    names = " ".join(" ".join(c.cmdline()) for c in children)
    assert "gunicorn" in names and "meetings persist" in names and "redis-server" in names, \
        names
    os.kill(proc.pid, sig)
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and (proc.poll() is None or _gone(children)
                                           or not _port_free(port)):
        time.sleep(0.2)
    output = served.output()
    assert proc.poll() is not None, f"serve still running after {sig.name}"
    assert not _gone(children), f"left running after {sig.name}: {_gone(children)}\n" \
                                f"{output[-2000:]}"
    assert _port_free(port), f"port {port} still held after {sig.name}"
    if sig != signal.SIGKILL:
        assert proc.returncode == 0, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
        assert "表决持久化进程已停止" in output  # its last drain ran


def _family_safe(pid: int) -> list[psutil.Process]:
    try:
        return _family(pid)
    except psutil.NoSuchProcess:
        return []
