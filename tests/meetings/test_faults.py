"""Fault tests: Redis SIGKILLed mid-poll (with second ballots, a close during the outage,
repeated restarts), the app process and the persister SIGKILLed mid-poll.

Each uses its OWN redis-server (a temp folder, unix socket), never the machine's Redis. Every
wait has a deadline and prints what the voters saw when it runs out.
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
from server.meetings.models import Attendance, Ballot, Meeting, Poll
from server.people.models import Resident, User
from server.people.services import issue_api_token, resident_token
from tests.conftest import ROOT, free_port
from tests.factories import make_district
from tests.meetings.factories import make_meeting, make_moderator, second_app
from tests.meetings.outage import OwnRedis, Phones, check_counted_once, client_sender, wait_for

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

    def report(self) -> str:
        """Say what the voters saw (for a deadline's message)."""
        with self.lock:
            return f"accepted={len(self.accepted)} errors={self.errors[:8]}"

    def join(self, workers: list[threading.Thread], seconds: float) -> None:
        """Wait for every voter (deadline: fail with what they saw)."""
        deadline = time.monotonic() + seconds
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        alive = sum(w.is_alive() for w in workers)
        assert alive == 0, f"{alive} voters still busy after {seconds:g} s: {self.report()}"

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
            else:
                with self.lock:
                    self.errors.append(f"{rid}: no answer within 60 s")
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


def _own_app(app: Any, tmp_path: Path, own: OwnRedis) -> Any:
    """A second app on the test database and our own Redis (short Redis timeouts)."""
    return second_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY",
                                                     "PUBLIC_BASE_URL")},
                       "TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"),
                       "REDIS_URL": own.url, "REDIS_SOCKET_TIMEOUT": 0.5,
                       "REDIS_CONNECT_TIMEOUT": 0.5})


def test_second_ballot_while_redis_is_down_is_not_acknowledged(app, tmp_path: Path):
    # The minimal case of issue 13: 赞成 acknowledged, Redis SIGKILLed before the drain, the
    # same resident sends 反对 with a new key. Counting both, or the second, breaks the rule.
    own = OwnRedis(tmp_path / "redis")
    try:
        with _own_app(app, tmp_path, own) as app2:
            mod_id, _meeting_id, poll_id, tokens, options = _setup_poll(1)
            yes, no = options[0], options[1]
            (rid, token), = tokens.items()
            with app2.app_context():
                services.open_poll(db.session.get(User, mod_id), poll_id)
            vote = client_sender(app2, poll_id)
            status, first = vote(rid, token, yes, "key-yes")
            assert status == 200, first
            own.kill()  # within a few ms of the answer: the ballot is only in Redis
            status, second = vote(rid, token, no, "key-no")
            assert not 200 <= status < 300, f"a second ballot was acknowledged: {second}"
            assert status == 503 and second["code"] == "vote_pending", second
            assert isinstance(second["errors"]["retry_after"], int)
            assert "尚未计入" in second["message"]
            own.restart()
            status, again = vote(rid, token, no, "key-no")  # the page's retry: refused now
            assert status == 409 and again["code"] == "already_voted", again
            status, replay = vote(rid, token, no, "key-yes")  # the first key: the first answer
            assert status == 200 and replay["ballot_id"] == first["ballot_id"], replay
            assert replay["choices"] == [yes] and replay["replay"] is True
            with app2.app_context():
                poll = services.close_poll(db.session.get(User, mod_id), poll_id)
                assert poll.result_error is None, poll.result_error
                assert [o["online"] for o in poll.result["options"]] == [1, 0, 0]
                rows = db.session.query(Ballot).filter_by(poll_id=poll_id).all()
                assert [(b.resident_id, b.choices) for b in rows] == [(rid, str(yes))]
    finally:
        own.stop()


def _persister(app: Any, own: OwnRedis, tmp_path: Path) -> subprocess.Popen[bytes]:
    """Start `flask meetings persist` on the test database and our Redis."""
    env = dict(os.environ, SHANGLIANG_INSTANCE=str(tmp_path / "persist-inst"),
               DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL=own.url,
               SECRET_KEY=app.config["SECRET_KEY"])
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist",
         "--interval", "0.2"], env=env, cwd=str(ROOT), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_300_residents_through_a_10_second_redis_outage_covering_the_close(app, tmp_path):
    own = OwnRedis(tmp_path / "redis")
    persist = None
    try:
        with _own_app(app, tmp_path, own) as app2:
            mod_id, meeting_id, poll_id, tokens, options = _setup_poll(300)
            late = _late_residents(meeting_id, 10)
            with app2.app_context():
                services.open_poll(db.session.get(User, mod_id), poll_id)
            persist = _persister(app, own, tmp_path)
            phones = Phones(client_sender(app2, poll_id), tokens, options, give_up_after=45)
            phones.start(threads=12, pace=0.005)
            wait_for("a third of the hall to vote", lambda: phones.acked_count() >= 100, 30,
                     phones.report)
            own.kill()
            down_at = time.monotonic()
            # Late arrivals check in during the outage (the database only; Redis is rebuilt
            # before it takes ballots again) and try to vote.
            checkin = app2.test_client()
            for token in late.values():
                r = checkin.post(f"/api/v1/m/{_code(meeting_id)}/checkin", json={},
                                 headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, r.get_json()
            late_phones = Phones(client_sender(app2, poll_id), late, options, seed=7,
                                 give_up_after=45).start(threads=2)
            time.sleep(2)
            with app2.app_context():
                closed = services.close_poll(db.session.get(User, mod_id), poll_id)
                staff = services.poll_public(closed, staff=True)
            assert staff["status"] == "closed" and staff["freeze_pending"] is True, staff
            assert "自动完成结算" in staff["notice"]
            time.sleep(max(0.0, 10 - (time.monotonic() - down_at)))
            own.restart()

            def frozen() -> bool:
                db.session.expire_all()
                done = db.session.get(Poll, poll_id).result is not None
                db.session.rollback()
                return done

            # Nobody presses anything: the persister freezes it once Redis is back.
            wait_for("the persister to freeze the closed poll", frozen, 30, phones.report)
            phones.join(60)
            late_phones.join(60)
            db.session.expire_all()
            poll = db.session.get(Poll, poll_id)
            everyone = Phones(phones.send, {**tokens, **late}, options)
            for group in (phones, late_phones):
                everyone.acked.update(group.acked)
                everyone.acked_choice.update(group.acked_choice)
                everyone.errors += group.errors
                everyone.second_acked += group.second_acked
            check_counted_once(everyone, poll)
            assert len(phones.acked) >= 100
            # Those whose ballot never got through were told the poll closed; none was
            # left without a definite answer.
            assert set(phones.acked) | set(phones.refused) == set(tokens)
    finally:
        _stop(persist)
        own.stop()


def test_repeated_redis_restarts_during_a_burst(app, tmp_path: Path):
    own = OwnRedis(tmp_path / "redis")
    try:
        with _own_app(app, tmp_path, own) as app2:
            mod_id, meeting_id, poll_id, tokens, options = _setup_poll(200)
            late = _late_residents(meeting_id, 3)
            with app2.app_context():
                services.open_poll(db.session.get(User, mod_id), poll_id)
            phones = Phones(client_sender(app2, poll_id), tokens, options, seed=21,
                            give_up_after=40)
            phones.start(threads=10, pace=0.01)
            checkin = app2.test_client()
            late_ids = list(late)
            for round_ in range(3):
                wait_for(f"votes before restart {round_ + 1}",
                         lambda n=round_: phones.acked_count() >= 30 * (n + 1), 40,
                         phones.report)
                own.kill()
                # A check-in during the outage bumps the poll's generation: the next vote
                # after the restart reloads Redis, once, while others are voting.
                rid = late_ids[round_]
                r = checkin.post(f"/api/v1/m/{_code(meeting_id)}/checkin", json={},
                                 headers={"Authorization": f"Bearer {late[rid]}"})
                assert r.status_code == 200, r.get_json()
                # Longer than redis-py's own retries (about 2.5 s in all), so requests do fail.
                time.sleep(3)
                own.restart()
            late_phones = Phones(client_sender(app2, poll_id), late, options, seed=5,
                                 give_up_after=40).start(threads=2)
            phones.join(90)
            late_phones.join(60)
            with app2.app_context():
                poll = services.close_poll(db.session.get(User, mod_id), poll_id)
            db.session.expire_all()
            poll = db.session.get(Poll, poll_id)
            everyone = Phones(phones.send, {**tokens, **late}, options)
            for group in (phones, late_phones):
                everyone.acked.update(group.acked)
                everyone.acked_choice.update(group.acked_choice)
                everyone.errors += group.errors
                everyone.second_acked += group.second_acked
            check_counted_once(everyone, poll)
            # With Redis back for good, every phone's ballot got through.
            assert set(everyone.acked) == set(tokens) | set(late), everyone.report()
    finally:
        own.stop()


def _late_residents(meeting_id: int, n: int) -> dict[int, str]:
    """Residents of the meeting who have not checked in yet."""
    residents = [Resident(kind="guest") for _ in range(n)]
    db.session.add_all(residents)
    db.session.commit()
    return {r.id: resident_token(r) for r in residents}


def _code(meeting_id: int) -> str:
    return db.session.get(Meeting, meeting_id).code


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
        wait_for("half the votes", lambda: voters.accepted_count() >= voters_n // 2, 60,
                 voters.report)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        with app3.app_context():
            in_db = db.session.query(Ballot).count()
            in_stream = redis_accessor.client(app3).xlen(keys.poll_stream(poll_id))
        assert in_db == 0 and in_stream >= voters_n // 2  # accepted ballots only in Redis
        time.sleep(0.5)  # voters keep retrying against a dead server meanwhile
        server = _serve(env, port, drain=0.2)
        voters.join(workers, 90)
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
        wait_for("the persister's heartbeat",
                 lambda: client.get(keys.persister_heartbeat()) == str(persist.pid), 30,
                 lambda: client.get(keys.persister_heartbeat()))
        voters = Voters(_http_sender(base, poll_id), tokens, options)
        workers = voters.run(threads=6, pace=0.01)
        wait_for("half the votes", lambda: voters.accepted_count() >= voters_n // 2, 60,
                 voters.report)
        os.killpg(persist.pid, signal.SIGKILL)
        persist.wait()
        voters.join(workers, 90)
        # Without closing the poll: once the heartbeat lapses the app's own drain stores
        # every accepted ballot.
        with app4.app_context():
            def stored() -> int:
                n = db.session.query(Ballot).filter_by(poll_id=poll_id).count()
                db.session.rollback()
                return n

            wait_for("the workers to take over the drain", lambda: stored() >= voters_n, 30,
                     lambda: f"stored={stored()} {voters.report()}")
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
