"""Fault tests: Redis SIGKILLed mid-poll, and the app process SIGKILLed mid-poll.

Both use their OWN redis-server (a temp folder, unix socket), never the machine's Redis.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask_migrate import upgrade

from server.embedded_redis import EmbeddedRedis
from server.extensions import db, redis_accessor
from server.meetings import keys, services
from server.meetings.models import Attendance, Ballot, Poll
from server.people.models import Resident, User
from server.people.services import issue_api_token, resident_token
from tests.conftest import ROOT, free_port
from tests.factories import make_district
from tests.meetings.factories import make_meeting, make_moderator, second_app

pytestmark = pytest.mark.slow


def _setup_poll(voters: int) -> tuple[int, int, int, dict[int, str], list[int]]:
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = services.create_poll(mod, meeting.id, {"title": "是否同意建设充电桩",
                                                   "kind": "yesno"})
    residents = [Resident(kind="guest") for _ in range(voters)]
    db.session.add_all(residents)
    db.session.flush()
    db.session.add_all(Attendance(meeting_id=meeting.id, resident_id=r.id) for r in residents)
    db.session.commit()
    tokens = {r.id: resident_token(r) for r in residents}
    return mod.id, meeting.id, poll.id, tokens, [o.id for o in poll.options]


class Voters:
    """Threads that vote once each, retrying with the same key until they get an answer."""

    def __init__(self, send: Any, tokens: dict[int, str], options: list[int]) -> None:
        self.send = send
        self.todo: queue.Queue[int] = queue.Queue()
        for rid in tokens:
            self.todo.put(rid)
        self.tokens = tokens
        self.options = options
        self.accepted: dict[int, set[str]] = defaultdict(set)
        self.choice: dict[int, int] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def accepted_count(self) -> int:
        with self.lock:
            return len(self.accepted)

    def run(self, threads: int, pace: float) -> list[threading.Thread]:
        workers = [threading.Thread(target=self._work, args=(pace,), daemon=True)
                   for _ in range(threads)]
        for w in workers:
            w.start()
        return workers

    def _work(self, pace: float) -> None:
        while True:
            try:
                rid = self.todo.get_nowait()
            except queue.Empty:
                return
            key = uuid.uuid4().hex
            choice = self.options[rid % len(self.options)]
            sends = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status, body = self.send(rid, self.tokens[rid], choice, key)
                if status == 200:
                    with self.lock:
                        self.accepted[rid].add(body["ballot_id"])
                        self.choice[rid] = choice
                    sends += 1
                    if sends == 2:  # a retry of an answered vote must repeat the answer
                        break
                    continue
                if status in (409, 403, 422):
                    with self.lock:
                        self.errors.append(f"{rid}: {status} {body}")
                    break
                time.sleep(0.05)  # 5xx or no answer: retry with the same key
            time.sleep(pace)


def _check(voters: Voters, poll: Poll) -> None:
    assert not voters.errors, voters.errors[:5]
    assert all(len(ids) == 1 for ids in voters.accepted.values()), "one ballot id per resident"
    stored = {b.resident_id: b for b in db.session.query(Ballot).filter_by(poll_id=poll.id)}
    # Every vote that got a 2xx answer is in the frozen result, and nothing twice.
    assert set(stored) == set(voters.accepted)
    for rid, ids in voters.accepted.items():
        assert stored[rid].ballot_uid in ids
        assert stored[rid].choices == str(voters.choice[rid])
    assert poll.result_error is None, poll.result_error
    assert poll.result["ballots"] == len(voters.accepted) == len(stored)
    for option in poll.result["options"]:
        assert option["online"] == sum(1 for c in voters.choice.values() if c == option["id"])


def test_redis_sigkilled_mid_poll_loses_no_accepted_vote(app, tmp_path: Path):
    own = EmbeddedRedis(tmp_path / "redis")
    own.start()
    with second_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY",
                                                   "PUBLIC_BASE_URL")},
                     "TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"),
                     "REDIS_URL": own.url, "REDIS_SOCKET_TIMEOUT": 0.5,
                     "REDIS_CONNECT_TIMEOUT": 0.5}) as app2:
        _redis_kill_scenario(app2, own, tmp_path)


def _redis_kill_scenario(app2: Any, own: EmbeddedRedis, tmp_path: Path) -> None:
    voters_n = 150
    try:
        mod_id, _meeting_id, poll_id, tokens, options = _setup_poll(voters_n)
        with app2.app_context():
            services.open_poll(db.session.get(User, mod_id), poll_id)
        client = app2.test_client()

        def send(rid: int, token: str, choice: int, key: str) -> tuple[int, Any]:
            r = client.post(f"/api/v1/polls/{poll_id}/votes",
                            json={"choices": [choice], "idempotency_key": key},
                            headers={"Authorization": f"Bearer {token}"})
            return r.status_code, r.get_json()

        voters = Voters(send, tokens, options)
        workers = voters.run(threads=6, pace=0.01)
        while voters.accepted_count() < voters_n // 3:
            time.sleep(0.01)
        assert own.process is not None
        own.process.send_signal(signal.SIGKILL)
        own.process.wait()
        killed_at = voters.accepted_count()
        while voters.accepted_count() < killed_at + voters_n // 4:
            time.sleep(0.01)  # these go through the database
        restarted = EmbeddedRedis(tmp_path / "redis")
        restarted.start()
        own = restarted
        for w in workers:
            w.join(90)
        with app2.app_context():
            via = dict(db.session.query(Ballot.via, db.func.count()).group_by(Ballot.via).all())
            assert via.get("db", 0) >= voters_n // 4  # the database really took votes
            poll = services.close_poll(db.session.get(User, mod_id), poll_id)
            _check(voters, poll)
            # Redis was rebuilt from the database: its tally agrees with the frozen result.
            tally = redis_accessor.client(app2).hgetall(keys.poll_tally(poll_id))
            assert int(tally["ballots"]) == voters_n
    finally:
        redis_accessor.close(app2)
        own.stop()


def _serve(env: dict[str, str], port: int, drain: float) -> subprocess.Popen[bytes]:
    app_spec = f"server:create_app({{'MEETINGS_DRAIN_INTERVAL': {drain}}})"
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", app_spec, "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "gevent", "--worker-connections", "200",
         "--log-level", "warning"],
        env=env, cwd=str(ROOT), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("app did not start")


def test_app_sigkilled_mid_poll_loses_no_accepted_vote(tmp_path: Path):
    own = EmbeddedRedis(tmp_path / "redis")
    own.start()
    database = f"sqlite:///{tmp_path / 'app.db'}"
    config = {"TESTING": False, "INSTANCE_PATH": str(tmp_path / "inst"),
              "DATABASE_URL": database, "REDIS_URL": own.url, "SECRET_KEY": "fault-secret"}
    with second_app(config) as app3:
        _app_kill_scenario(app3, own, config, tmp_path)


def _app_kill_scenario(app3: Any, own: EmbeddedRedis, config: dict[str, Any],
                       tmp_path: Path) -> None:
    database = config["DATABASE_URL"]
    voters_n = 120
    env = dict(os.environ, SHANGLIANG_INSTANCE=config["INSTANCE_PATH"], DATABASE_URL=database,
               REDIS_URL=own.url, SECRET_KEY="fault-secret", RATELIMIT_ENABLED="0")
    port = free_port()
    server = None
    try:
        with app3.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            mod_id, _meeting_id, poll_id, tokens, options = _setup_poll(voters_n)
            staff_token, _ = issue_api_token(db.session.get(User, mod_id))
        # The first app never drains in the background, so the kill leaves ballots that
        # exist only in the Redis stream.
        server = _serve(env, port, drain=600)
        base = f"http://127.0.0.1:{port}"
        staff = {"Authorization": f"Bearer {staff_token}"}
        assert requests.post(f"{base}/api/v1/polls/{poll_id}/open", headers=staff,
                             timeout=10).status_code == 200
        voters = Voters(_http_sender(base, poll_id), tokens, options)
        workers = voters.run(threads=6, pace=0.01)
        while voters.accepted_count() < voters_n // 2:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        with app3.app_context():
            in_db = db.session.query(Ballot).count()
            in_stream = redis_accessor.client(app3).xlen(keys.poll_stream(poll_id))
        assert in_db == 0 and in_stream >= voters_n // 2  # accepted ballots only in Redis
        time.sleep(0.5)  # voters keep retrying against a dead server meanwhile
        server = _serve(env, port, drain=0.2)
        for w in workers:
            w.join(90)
        r = requests.post(f"{base}/api/v1/polls/{poll_id}/close", headers=staff, timeout=30)
        assert r.status_code == 200, r.text
        with app3.app_context():
            _check(voters, db.session.get(Poll, poll_id))
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        redis_accessor.close(app3)
        with app3.app_context():
            db.engine.dispose()
        own.stop()


def test_persister_sigkilled_mid_poll_workers_take_over(tmp_path: Path):
    own = EmbeddedRedis(tmp_path / "redis")
    own.start()
    database = f"sqlite:///{tmp_path / 'app.db'}"
    config = {"TESTING": False, "INSTANCE_PATH": str(tmp_path / "inst"),
              "DATABASE_URL": database, "REDIS_URL": own.url, "SECRET_KEY": "fault-secret"}
    with second_app(config) as app4:
        _persister_kill_scenario(app4, own, config)


def _persister_kill_scenario(app4: Any, own: EmbeddedRedis, config: dict[str, Any]) -> None:
    voters_n = 120
    env = dict(os.environ, SHANGLIANG_INSTANCE=config["INSTANCE_PATH"],
               DATABASE_URL=config["DATABASE_URL"], REDIS_URL=own.url,
               SECRET_KEY="fault-secret", RATELIMIT_ENABLED="0")
    port = free_port()
    server = persist = None
    try:
        with app4.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            mod_id, _meeting_id, poll_id, tokens, options = _setup_poll(voters_n)
            staff_token, _ = issue_api_token(db.session.get(User, mod_id))
        persist = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist",
             "--interval", "0.2"], env=env, cwd=str(ROOT), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = _serve(env, port, drain=0.2)
        base = f"http://127.0.0.1:{port}"
        staff = {"Authorization": f"Bearer {staff_token}"}
        assert requests.post(f"{base}/api/v1/polls/{poll_id}/open", headers=staff,
                             timeout=10).status_code == 200
        client = redis_accessor.client(app4)
        deadline = time.monotonic() + 30
        while client.get(keys.persister_heartbeat()) != str(persist.pid):
            assert time.monotonic() < deadline, "the persister never announced itself"
            time.sleep(0.05)
        voters = Voters(_http_sender(base, poll_id), tokens, options)
        workers = voters.run(threads=6, pace=0.01)
        while voters.accepted_count() < voters_n // 2:
            time.sleep(0.01)
        os.killpg(persist.pid, signal.SIGKILL)
        persist.wait()
        for w in workers:
            w.join(90)
        # Without closing the poll: once the heartbeat lapses the app's own drain stores
        # every accepted ballot.
        deadline = time.monotonic() + 30
        with app4.app_context():
            while db.session.query(Ballot).filter_by(poll_id=poll_id).count() < voters_n:
                db.session.rollback()
                assert time.monotonic() < deadline, "workers did not take over the drain"
                time.sleep(0.1)
        r = requests.post(f"{base}/api/v1/polls/{poll_id}/close", headers=staff, timeout=30)
        assert r.status_code == 200, r.text
        with app4.app_context():
            _check(voters, db.session.get(Poll, poll_id))
    finally:
        for proc in (server, persist):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        redis_accessor.close(app4)
        with app4.app_context():
            db.engine.dispose()
        own.stop()


def _http_sender(base: str, poll_id: int) -> Callable[[int, str, int, str], tuple[int, Any]]:
    """Return a vote sender over HTTP (one session per thread; a network error answers 0)."""
    local = threading.local()

    def send(rid: int, token: str, choice: int, key: str) -> tuple[int, Any]:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        try:
            r = local.s.post(f"{base}/api/v1/polls/{poll_id}/votes",
                             json={"choices": [choice], "idempotency_key": key},
                             headers={"Authorization": f"Bearer {token}"}, timeout=5)
            return r.status_code, r.json()
        except requests.RequestException:
            local.s = requests.Session()
            return 0, None

    return send
