"""Two app hosts on one database and one Redis: one tally, background work done once.

Each "host" is its own gunicorn (gevent worker) on its own port with its own instance
folder, plus its own ballot persister; they share only DATABASE_URL, REDIS_URL and the
secret key, as two machines would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.meetings.models import Ballot
from server.notify.models import Notification
from tests.conftest import ROOT, WECHAT_APPID, WECHAT_SECRET, free_port
from tests.factories import bearer, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence

VOTERS = 30


class Host:
    """One app host: gunicorn and a ballot persister."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name, self.env = name, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(env["SHANGLIANG_INSTANCE"]) / "host.log"
        self.processes: list[subprocess.Popen[bytes]] = []

    def _spawn(self, out: Any) -> None:
        for argv in ([sys.executable, "-m", "gunicorn", "server:create_app()", "--bind",
                      f"127.0.0.1:{self.port}", "--workers", "1", "--worker-class", "gevent",
                      "--graceful-timeout", "5"],
                     [sys.executable, "-m", "flask", "--app", "server", "meetings", "persist",
                      "--interval", "0.2"]):
            self.processes.append(subprocess.Popen(  # noqa: S603 - fixed argv
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True))

    def start(self) -> Host:
        Path(self.env["SHANGLIANG_INSTANCE"]).mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self._spawn(out)
        deadline, seen = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                seen = requests.get(self.base + "/readyz", timeout=2)
                if seen.status_code == 200:
                    return self
            except requests.RequestException as exc:
                seen = exc
            time.sleep(0.3)
        raise AssertionError(f"{self.name} not ready: {seen!r}\n{self.log.read_text()[-3000:]}")

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", *args],  # noqa: S603
                                cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def hosts(app: Any, tmp_path: Path, database_url: str, redis_url: str, wechat_fake: Any
          ) -> Iterator[list[Host]]:
    started: list[Host] = []
    try:
        for name in ("a", "b"):
            env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
                       SECRET_KEY=app.config["SECRET_KEY"],
                       SHANGLIANG_INSTANCE=str(tmp_path / name),
                       PROMETHEUS_MULTIPROC_DIR=str(tmp_path / name / "prometheus"),
                       RATELIMIT_ENABLED="0", LOG_FORMAT="text", WECHAT_APPID=WECHAT_APPID,
                       WECHAT_SECRET=WECHAT_SECRET, WECHAT_API_BASE=wechat_fake.base_url)
            env.pop("TEST_DATABASE_URL", None)
            started.append(Host(name, env).start())
        yield started
    finally:
        for host in started:
            host.stop()


def read_screen(url: str, want: int, seen: dict[str, Any]) -> None:
    """Follow a big screen's event stream until its tally counts `want` ballots."""
    event = None
    try:
        with requests.get(url, stream=True, timeout=(5, 30)) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "tally":
                    data = json.loads(line[6:])
                    seen["last"] = data
                    if data.get("ballots") == want:
                        return
    except requests.RequestException as exc:
        seen["error"] = repr(exc)


def test_two_hosts_share_one_tally_and_do_background_work_once(app, hosts, wechat_fake):
    a, b = hosts
    d = make_district()
    meeting = make_meeting(d.site_a)
    poll = make_poll(make_moderator(), meeting)
    poll_id, code, meeting_presence = poll.id, meeting.code, presence(meeting)
    yes, no = poll.options[0].id, poll.options[1].id
    tokens = [make_resident()[1] for _ in range(VOTERS)]
    db.session.commit()
    screens: list[dict[str, Any]] = [{}, {}]
    readers = [threading.Thread(target=read_screen, args=(f"{h.base}/api/v1/m/{code}/events",
                                                          VOTERS, seen), daemon=True)
               for h, seen in zip(hosts, screens, strict=True)]
    for reader in readers:
        reader.start()
    expected = {str(yes): 0, str(no): 0}
    for i, token in enumerate(tokens):
        host = hosts[i % 2]  # the load balancer alternates
        checkin = requests.post(f"{host.base}/api/v1/m/{code}/checkin",
                                json={"presence": meeting_presence},
                                headers=bearer(token), timeout=10)
        assert checkin.status_code == 200, checkin.text
        choice = yes if i % 3 else no
        voted = requests.post(f"{hosts[(i + 1) % 2].base}/api/v1/polls/{poll_id}/votes",
                              json={"choices": [choice]}, headers=bearer(token), timeout=10)
        assert voted.status_code == 200, voted.text
        expected[str(choice)] += 1
    for reader, seen in zip(readers, screens, strict=True):
        reader.join(timeout=30)
        assert not reader.is_alive(), f"a screen never showed {VOTERS} ballots: {seen}"
    # Both screens show the same counts, and they are the ballots cast.
    counts = [dict(zip(s["last"]["counts"][::2], s["last"]["counts"][1::2], strict=True))
              for s in screens]
    assert counts[0] == counts[1]
    assert {k: int(v) for k, v in counts[0].items() if k in expected} == expected

    # Outbox: the same due messages, delivered by both hosts' timers at once, go out once.
    for i in range(12):
        db.session.add(Notification(event="t", channel="wechat", title="t", status="pending",
                                    payload={"touser": f"o-two-hosts-{i}", "data": {}}))
    db.session.commit()
    before = len([c for c in wechat_fake.calls if c.get("touser", "").startswith("o-two")])
    runs = [h.cli("notify-deliver") for h in hosts]
    for run in runs:
        output = run.communicate(timeout=120)[0].decode()
        assert run.returncode == 0, output
    sent = [c["touser"] for c in wechat_fake.calls if c.get("touser", "").startswith("o-two")]
    assert len(sent) - before == 12 and len(set(sent)) == 12, sent

    # Ballots and their audit rows reach the database once each (two persisters; the
    # workers of both hosts drain the audit stream in the background), nothing lost.
    deadline, seen = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        db.session.rollback()
        seen = (db.session.scalar(select(func.count()).select_from(Ballot)
                                  .where(Ballot.poll_id == poll_id)),
                db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.path == f"/api/v1/polls/{poll_id}/votes")))
        if seen == (VOTERS, VOTERS):
            break
        time.sleep(0.3)
    assert seen == (VOTERS, VOTERS), f"ballots, vote audit rows in the database: {seen}"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == "sent")) == 12
