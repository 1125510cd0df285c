"""Benchmark scale-out: votes/s on one app server, on two, and against a Redis Cluster;
event streams at 5,000 listeners across two workers beside 1,000.

    python bench/scale.py [--quick]

Reuses bench/votes.py (load generator, gunicorn launcher, data set-up, the event-stream
latency probe). One SQLite database, one embedded Redis; "two" is a second gunicorn (own
port, own persister) on the same database and Redis, the load split between both; "cluster"
is one gunicorn whose REDIS_URL is a 3-master Redis Cluster on loopback ports. The three
take turns in short rounds (each on a fresh poll), so a load change on this shared machine
hits them alike. Memory per listener: the workers' resident memory with N streams open,
minus without, divided by N. The last line is one JSON object with the figures.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.votes import (  # noqa: E402
    free_port,
    gunicorn,
    load,
    persister,
    phase,
    setup_real,
    sse_latency,
    stop,
    wait_up,
)


def vote_requests(data: dict[str, Any], poll_index: int, votes: int
                  ) -> list[tuple[str, bytes, str]]:
    """One new ballot per resident on one poll."""
    poll_id, options = data["polls"][poll_index]
    reqs = []
    for i, rid in enumerate(list(data["tokens"])[:votes]):
        body = json.dumps({"choices": [options[i % 2]], "idempotency_key": uuid.uuid4().hex})
        reqs.append((f"/api/v1/polls/{poll_id}/votes", body.encode(),
                     f"Authorization: Bearer {data['tokens'][rid]}\r\n"))
    return reqs


def split_load(ports: list[int], reqs: list[tuple[str, bytes, str]], conc: int
               ) -> dict[str, Any]:
    """Send the requests through several servers at once (a balancer alternating)."""
    shares = [reqs[i::len(ports)] for i in range(len(ports))]
    jobs = [gevent.spawn(load, port, share, max(1, conc // len(ports)))
            for port, share in zip(ports, shares, strict=True)]
    gevent.joinall(jobs)
    parts = [job.value for job in jobs]
    ok = sum(p["ok"] for p in parts)
    seconds = max(p["seconds"] for p in parts)
    return {"ok": ok, "failed": sum(p["failed"] for p in parts), "seconds": seconds,
            "votes_per_s": round(ok / seconds, 1)}


def worker_rss(master: Any) -> int:
    """Resident memory of a gunicorn master's workers, in bytes."""
    return sum(child.memory_info().rss for child in psutil.Process(master.pid).children())


def memory_per_listener(port: int, master: Any, code: str, listeners: int) -> float:
    """Open `listeners` event streams, wait for their snapshots, return bytes per stream."""
    before = worker_rss(master)
    socks: list[socket.socket] = []
    for _ in range(listeners):
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall(f"GET /api/v1/m/{code}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(sock)
    for sock in socks:
        sock.recv(4096)  # the snapshot
    time.sleep(0.5)
    after = worker_rss(master)
    for sock in socks:
        sock.close()
    return (after - before) / listeners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer votes (under 30 s)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    rounds, per_round, conc = (2, 300, 50) if args.quick else (4, 2000, 100)
    big, small, sse_votes = (600, 200, 5) if args.quick else (5000, 1000, 30)
    clock = [time.perf_counter()]

    from flask_migrate import upgrade

    from server import create_app
    from server.embedded_redis import EmbeddedRedis
    from tests.redis_servers import start_cluster

    tmp = Path(tempfile.mkdtemp(prefix="sl-bench-scale-"))
    own = EmbeddedRedis(tmp / "redis")
    own.start()
    cluster, cluster_url = start_cluster(tmp / "cluster")
    database = f"sqlite:///{tmp / 'app.db'}"
    config = {"INSTANCE_PATH": str(tmp / "inst"), "DATABASE_URL": database,
              "REDIS_URL": own.url, "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": False}
    base_env = dict(os.environ, DATABASE_URL=database, SECRET_KEY="bench-secret",
                    LOG_FORMAT="text", RATELIMIT_ENABLED="0")
    procs: list[Any] = []
    results: dict[str, Any] = {}
    try:
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
        data = setup_real(app, max(per_round, sse_votes), polls=3 + 3 * rounds)
        phase("set up", clock)
        ports = {"a": free_port(), "b": free_port(), "cluster": free_port()}
        masters = {}
        for name, url in (("a", own.url), ("b", own.url), ("cluster", cluster_url)):
            env = dict(base_env, REDIS_URL=url, SHANGLIANG_INSTANCE=str(tmp / name),
                       PROMETHEUS_MULTIPROC_DIR=str(tmp / name / "prom"))
            masters[name] = gunicorn("server:create_app()", env, ports[name])
            procs += [masters[name], persister(env)]
        for name, port in ports.items():
            wait_up(port, masters[name])
        phase("servers up", clock)
        poll = iter(range(3, 3 + 3 * rounds))
        for name in ("a", "cluster"):  # warm workers and script caches
            load(ports[name], vote_requests(data, 2, 50)[:50], 10)
        figures: dict[str, list[float]] = {"one": [], "two": [], "cluster": []}
        for r in range(rounds):
            order = ["one", "two", "cluster"]
            for name in order[r % 3:] + order[:r % 3]:
                reqs = vote_requests(data, next(poll), per_round)
                target = {"one": [ports["a"]], "two": [ports["a"], ports["b"]],
                          "cluster": [ports["cluster"]]}[name]
                figures[name].append(split_load(target, reqs, conc)["votes_per_s"])
        phase("votes", clock)
        for name, values in figures.items():
            results[f"votes_per_s_{name}"] = round(sum(values) / len(values), 1)
            results[f"rounds_{name}"] = values
        results["two_over_one"] = round(results["votes_per_s_two"]
                                        / results["votes_per_s_one"], 2)
        results["cluster_over_one"] = round(results["votes_per_s_cluster"]
                                            / results["votes_per_s_one"], 2)
        for poll_index, listeners in enumerate((small, big)):  # a fresh poll each
            stream = sse_latency(ports["a"], data, poll_index, listeners, sse_votes)
            stream["bytes_per_listener"] = round(memory_per_listener(
                ports["a"], masters["a"], data["meeting_code"], min(listeners, 1000)))
            results[f"sse_{listeners}"] = stream
            phase(f"{listeners} streams", clock)
        cpu = psutil.cpu_count() or 2
        # Near-linear would be ~2x; less means a shared resource binds. Redis (one thread)
        # is far from busy at these rates, so it is the cores.
        results["binds"] = (
            f"CPU: {cpu} cores shared by the load generator, both servers and Redis"
            if results["two_over_one"] < 1.8 else "nothing yet (near-linear)")
    finally:
        stop(*procs)  # before Redis, so no persister is left asking for it
        cluster.stop()
        own.stop()
    results["quick"] = args.quick
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
