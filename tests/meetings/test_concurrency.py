"""300 residents check in and vote at once, with retries and duplicates: each counted once."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.extensions import db
from server.meetings.models import Ballot
from server.meetings.polls import close_poll
from server.people.models import Resident
from server.people.services import resident_token
from tests.factories import make_district
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence

pytestmark = pytest.mark.slow
VOTERS = 300


def test_300_residents_with_retries_and_duplicates_are_each_counted_once(live_server):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting, kind="multiple", options=["修路", "装路灯", "建充电桩"],
                     max_choices=2)
    options = [o.id for o in poll.options]
    residents = [Resident(kind="guest") for _ in range(VOTERS)]
    db.session.add_all(residents)
    db.session.commit()
    tokens = {r.id: resident_token(r) for r in residents}
    code = presence(meeting)
    rng = random.Random(6)
    local = __import__("threading").local()

    def session() -> requests.Session:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        return local.s

    def check_in(rid: int) -> int:
        r = session().post(f"{live_server.url}/api/v1/m/{meeting.code}/checkin",
                           json={"presence": code},
                           headers={"Authorization": f"Bearer {tokens[rid]}"}, timeout=30)
        return r.status_code

    with ThreadPoolExecutor(32) as pool:
        assert set(pool.map(check_in, tokens)) == {200}

    # Each resident: a vote, a retry of it (same key), and a different vote (a duplicate),
    # all shuffled so they race each other across threads.
    tasks = []
    for rid in tokens:
        first, second = rng.sample(options, 2)
        key = uuid.uuid4().hex
        tasks += [(rid, key, [first]), (rid, key, [first]), (rid, uuid.uuid4().hex, [second])]
    rng.shuffle(tasks)

    def vote(task: tuple[int, str, list[int]]) -> tuple[int, str, list[int], int, dict]:
        rid, key, choices = task
        for _attempt in range(3):
            try:
                r = session().post(f"{live_server.url}/api/v1/polls/{poll.id}/votes",
                                   json={"choices": choices, "idempotency_key": key},
                                   headers={"Authorization": f"Bearer {tokens[rid]}"},
                                   timeout=30)
                return rid, key, choices, r.status_code, r.json()
            except requests.ConnectionError:
                continue
        raise AssertionError("vote never answered")

    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(vote, tasks))

    accepted: dict[int, set[str]] = defaultdict(set)
    winning_choice: dict[int, list[int]] = {}
    for rid, _key, choices, status, body in answers:
        assert status in (200, 409), body
        if status == 200:
            accepted[rid].add(body["ballot_id"])
            winning_choice[rid] = choices
        else:
            assert body["code"] == "already_voted"
    # Every resident got exactly one ballot id, however many 2xx answers they saw.
    assert len(accepted) == VOTERS
    assert all(len(ids) == 1 for ids in accepted.values())

    closed = close_poll(mod, poll.id)
    assert closed.result_error is None
    assert closed.result["ballots"] == VOTERS
    expected = {o: sum(1 for c in winning_choice.values() if o in c) for o in options}
    assert {o["id"]: o["online"] for o in closed.result["options"]} == expected
    stored = db.session.query(Ballot).filter_by(poll_id=poll.id).all()
    assert len(stored) == VOTERS
    assert {b.ballot_uid for b in stored} == {next(iter(ids)) for ids in accepted.values()}
