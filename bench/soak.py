"""Soak: mixed traffic for a bounded time against the production server setup.

    python bench/soak.py [--quick] [--minutes N] [--users N]

The server is started exactly as `flask --app server serve` starts it (migrations, demo
data, `flask meetings persist` beside gunicorn with gevent workers), on a SQLite file and a
redis-server of its own, behind one trusted proxy (TRUSTED_PROXIES=1: each simulated phone
sends its own X-Forwarded-For, as the district's reverse proxy would). Rate limits stay on.

Traffic, from keep-alive connections (gevent greenlets):
  residents  report (text), upload a photo, read their reports, vote in an open poll
  staff      list and read cases, accept new ones, search the audit log
  streams    meeting event streams held open for the whole run (and read)
Every minute the moderator opens a fresh poll so votes keep being new ballots.

Figures: requests, server errors (5xx and dropped connections), 4xx by status, p50/p99 per
kind, the memory (RSS) of every server process sampled every few seconds, and its growth from
the end of the warm-up (first fifth of the run) to the end. The last line printed is one
JSON object. `--quick` runs 20 s.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import http.client  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BOUNDARY = "soakboundary7f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (random.randrange(256), 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(data: bytes) -> tuple[bytes, str]:
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + data + \
        f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


class Stats:
    def __init__(self) -> None:
        self.measuring = False  # off during the warm-up
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[int] = Counter()
        self.errors: list[str] = []

    def record(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        if not self.measuring and status != 0 and status < 500:
            return
        self.latency[kind].append(seconds)
        self.status[status] += 1
        if (status >= 500 or status == 0) and len(self.errors) < 20:
            self.errors.append(f"{kind} {status} {detail[:200]}")


class Client:
    """One keep-alive connection; reconnects after a failure."""

    def __init__(self, port: int, stats: Stats, ip: str) -> None:
        self.port, self.stats, self.ip = port, stats, ip
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, kind: str, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        sent = {"X-Forwarded-For": self.ip, **(headers or {})}
        if body is not None and "Content-Type" not in sent:
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection (gunicorn's keepalive):
                # the request never reached it, so send it again on a fresh connection.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.stats.record(kind, 0, time.perf_counter() - started, repr(exc))
            return 0, b""
        self.stats.record(kind, status, time.perf_counter() - started,
                          payload.decode("utf-8", "replace"))
        return status, payload


def setup(config: dict[str, Any], residents: int) -> dict[str, Any]:
    """Create residents, a meeting in session, a moderator and a staff token."""
    from sqlalchemy import insert, select

    from server import create_app
    from server.common.models import utcnow
    from server.extensions import db
    from server.meetings.models import Attendance, Meeting
    from server.people.models import Resident
    from server.people.services import create_user, issue_api_token, resident_token
    from server.sites.models import Site

    app = create_app(config)
    with app.app_context():
        site = db.session.scalar(select(Site).order_by(Site.id))
        admin = create_user("soak-admin", "soak-password-1", "压测管理员", [{"role": "admin"}])
        meeting = Meeting(code="SOAKMT", site_id=site.id, title="压力测试协商会",
                          starts_at=utcnow(), status="in_session", presence_check=False)
        db.session.add(meeting)
        db.session.commit()
        ids = db.session.execute(insert(Resident).returning(Resident.id),
                                 [{"kind": "guest", "created_at": utcnow()}
                                  for _ in range(residents)]).scalars().all()
        db.session.execute(insert(Attendance), [
            {"meeting_id": meeting.id, "resident_id": rid, "channel": "online",
             "checked_in_at": utcnow()} for rid in ids])
        db.session.commit()
        return {"app": app, "tokens": [resident_token(Resident(id=rid)) for rid in ids],
                "staff": issue_api_token(admin)[0], "meeting_id": meeting.id,
                "meeting_code": meeting.code, "site_code": site.code}


def processes(root: psutil.Process) -> dict[str, float]:
    """Return the RSS (MB) of the server's processes, by role."""
    out: dict[str, float] = {}
    for proc in [root, *root.children(recursive=True)]:
        try:
            cmd = " ".join(proc.cmdline())
            rss = proc.memory_info().rss / 1e6
        except psutil.Error:
            continue
        if "gunicorn" in cmd:
            name = "gunicorn-master" if proc.parent() and "gunicorn" not in " ".join(
                proc.parent().cmdline()) else f"gunicorn-worker-{proc.pid}"
        elif "persist" in cmd:
            name = "persister"
        elif proc.pid == root.pid:
            name = "flask-serve"
        else:
            continue
        out[name] = round(rss, 1)
    return out


def main() -> None:  # noqa: C901, PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 20-second run")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=60, help="concurrent resident loops")
    parser.add_argument("--streams", type=int, default=100)
    args = parser.parse_args()
    seconds = 20.0 if args.quick else args.minutes * 60
    users = min(args.users, 20) if args.quick else args.users
    streams = min(args.streams, 20) if args.quick else args.streams
    tmp = Path(tempfile.mkdtemp(prefix="sl-soak-"))
    from server.embedded_redis import EmbeddedRedis

    redis_server = EmbeddedRedis(tmp / "redis")
    redis_url = redis_server.start()
    database = f"sqlite:///{tmp / 'app.db'}"
    port = free_port()
    env = dict(os.environ, SHANGLIANG_INSTANCE=str(tmp / "inst"), DATABASE_URL=database,
               REDIS_URL=redis_url, SECRET_KEY="soak-secret", TRUSTED_PROXIES="1",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "flask", "--app", "server", "serve", "--port", str(port)],
        env=env, cwd=str(ROOT), start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=open(tmp / "server.log", "wb"))  # noqa: SIM115 - closed with the process
    stats = Stats()
    memory: list[tuple[float, dict[str, float]]] = []
    try:
        deadline = time.monotonic() + 300  # first start seeds the demo district
        while True:
            if server.poll() is not None:
                raise SystemExit(f"server exited: {(tmp / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start") from None
                time.sleep(0.5)
        deadline = time.monotonic() + 180  # each worker builds its app on first use
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server never answered /healthz")
            time.sleep(0.5)
        config = {"INSTANCE_PATH": str(tmp / "inst"), "DATABASE_URL": database,
                  "REDIS_URL": redis_url, "SECRET_KEY": "soak-secret"}
        data = setup(config, users * 2)
        staff = {"Authorization": f"Bearer {data['staff']}"}
        photo = multipart(small_jpeg())
        polls: list[tuple[int, list[int]]] = []
        warmup = 5.0 if args.quick else 30.0  # not measured: imports, pools, caches
        stop_at = time.monotonic() + warmup + seconds
        started = time.monotonic() + warmup

        def moderator() -> None:
            client = Client(port, stats, "10.9.0.1")
            while time.monotonic() < stop_at:
                status, payload = client.call(
                    "staff", "POST", f"/api/v1/meetings/{data['meeting_id']}/polls",
                    json.dumps({"title": f"表决 {len(polls) + 1}", "kind": "yesno"}).encode(),
                    staff)
                if status == 201:
                    poll = json.loads(payload)
                    client.call("staff", "POST", f"/api/v1/polls/{poll['id']}/open", b"{}",
                                staff)
                    if polls:
                        client.call("staff", "POST", f"/api/v1/polls/{polls[-1][0]}/close",
                                    b"{}", staff)
                    polls.append((poll["id"], [o["id"] for o in poll["options"]]))
                gevent.sleep(min(60.0, max(5.0, seconds / 10)))

        def resident(n: int) -> None:
            token = data["tokens"][n]
            client = Client(port, stats, f"10.{n // 250}.{n % 250}.7")
            auth = {"Authorization": f"Bearer {token}"}
            voted: set[int] = set()
            while time.monotonic() < stop_at:
                roll = random.random()
                if roll < 0.45 and polls and polls[-1][0] not in voted:
                    poll_id, options = polls[-1]
                    body = json.dumps({"choices": [random.choice(options)],
                                       "idempotency_key": uuid.uuid4().hex}).encode()
                    status, _ = client.call("vote", "POST", f"/api/v1/polls/{poll_id}/votes",
                                            body, auth)
                    if status == 200:
                        voted.add(poll_id)
                elif roll < 0.60:
                    body = json.dumps({"site_code": data["site_code"], "category_id": 1,
                                       "text": f"村口路灯坏了，第 {random.randrange(10**6)} 号"
                                               "，请尽快修理", "consent": True}).encode()
                    client.call("report", "POST", "/api/v1/intake/opinions", body, auth)
                elif roll < 0.70:
                    client.call("photo", "POST", "/api/v1/intake/photos", photo[0],
                                {**auth, "Content-Type": photo[1]})
                else:
                    client.call("read", "GET", "/api/v1/intake/my/opinions", None, auth)
                gevent.sleep(random.uniform(0.2, 1.0))

        def staff_loop(n: int) -> None:
            client = Client(port, stats, f"10.8.0.{n}")
            while time.monotonic() < stop_at:
                status, payload = client.call("staff", "GET", "/api/v1/cases?per_page=20",
                                              None, staff)
                items = json.loads(payload).get("items", []) if status == 200 else []
                for item in items[:3]:
                    client.call("staff", "GET", f"/api/v1/cases/{item['id']}", None, staff)
                    if item.get("state") == "received":
                        client.call("staff", "POST", f"/api/v1/cases/{item['id']}/accept",
                                    b"{}", staff)
                client.call("staff", "GET", "/api/v1/audit/events?per_page=20", None, staff)
                gevent.sleep(random.uniform(0.5, 1.5))

        def stream(n: int) -> None:
            started_at = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 90)
                conn.request("GET", f"/api/v1/m/{data['meeting_code']}/events",
                             headers={"X-Forwarded-For": f"10.7.{n // 250}.{n % 250}"})
                response = conn.getresponse()
                stats.record("stream-open", response.status, time.perf_counter() - started_at)
                while time.monotonic() < stop_at:
                    with gevent.Timeout(max(0.1, stop_at - time.monotonic()), False):
                        if not response.fp.readline():
                            break
                conn.close()
            except (OSError, http.client.HTTPException) as exc:
                stats.record("stream-open", 0, time.perf_counter() - started_at, repr(exc))

        def sample() -> None:
            root = psutil.Process(server.pid)
            gevent.sleep(max(0.0, started - time.monotonic()))
            while time.monotonic() < stop_at:
                memory.append((time.monotonic() - started, processes(root)))
                gevent.sleep(max(1.0, seconds / 60))
            memory.append((time.monotonic() - started, processes(root)))

        jobs = [gevent.spawn(moderator), gevent.spawn(sample)]
        gevent.sleep(1.0)
        jobs += [gevent.spawn(stream, n) for n in range(streams)]
        jobs += [gevent.spawn(resident, n) for n in range(users)]
        jobs += [gevent.spawn(staff_loop, n) for n in range(3)]
        gevent.sleep(max(0.0, started - time.monotonic()))
        stats.measuring = True
        gevent.joinall(jobs, timeout=seconds + warmup + 120)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        redis_server.stop()
        log = tmp / "server.log"
        server_log = log.read_text(errors="replace") if log.exists() else ""
        shutil.copy(log, Path(tempfile.gettempdir()) / "sl-soak-server.log") if log.exists() \
            else None
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(stats.status.values())
    server_errors = sum(n for status, n in stats.status.items() if status >= 500 or status == 0)
    warm_at = seconds / 5
    warm = next((m for t, m in memory if t >= warm_at), memory[0][1] if memory else {})
    last = memory[-1][1] if memory else {}
    growth = {name: round((last[name] - warm[name]) / warm[name] * 100, 1)
              for name in last if name in warm and warm[name]}
    kinds = {kind: {"n": len(lat), "p50_ms": round(pct(sorted(lat), 50) * 1000, 1),
                    "p99_ms": round(pct(sorted(lat), 99) * 1000, 1)}
             for kind, lat in stats.latency.items()}
    every = sorted(x for lat in stats.latency.values() for x in lat)
    result = {
        "seconds": round(seconds), "users": users, "streams": streams, "requests": total,
        "server_errors": server_errors,
        "error_rate": round(server_errors / total, 5) if total else None,
        "status": {str(k): v for k, v in sorted(stats.status.items())},
        "p50_ms": round(pct(every, 50) * 1000, 1), "p99_ms": round(pct(every, 99) * 1000, 1),
        "kinds": kinds, "rss_mb_after_warmup": warm, "rss_mb_end": last,
        "rss_growth_pct": growth,
        "max_rss_growth_pct": max(growth.values()) if growth else None,
        "first_errors": stats.errors,
        # The last line of each distinct traceback the server logged (the whole log is kept
        # as sl-soak-server.log in the temp folder).
        "server_exceptions": sorted({lines[-1][:200] for lines in _tracebacks(server_log)}),
    }
    print(json.dumps(result, ensure_ascii=False))


def _tracebacks(log: str) -> list[list[str]]:
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in log.splitlines():
        if line.startswith("Traceback"):
            current = []
            found.append(current)
        elif current is not None:
            if line.startswith(" ") or not line.strip():
                current.append(line)
            else:
                current.append(line)
                current = None
    return [lines for lines in found if lines]


if __name__ == "__main__":
    main()
