"""Reloading a poll's Redis state: sealed while it drains, and a lost state is reported."""

from __future__ import annotations

from typing import Any

from server.extensions import db
from server.meetings import keys, rebuild, services
from server.meetings.models import Ballot, Poll
from tests.factories import bearer, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, make_poll


def _vote(client: Any, token: str, poll: Poll, choice: int, key: str | None = None) -> Any:
    body: dict[str, Any] = {"choices": [choice]}
    if key:
        body["idempotency_key"] = key
    return client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=bearer(token))


def _meeting_with_voters(client: Any, n: int) -> tuple[Any, Any, Poll, list[Any]]:
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    residents = [make_resident() for _ in range(n)]
    for _, token in residents:
        r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
        assert r.status_code == 200, r.get_json()
    return mod, meeting, poll, residents


def test_a_ballot_cast_while_the_poll_is_rebuilt_is_refused_not_wiped(client, redis,
                                                                     monkeypatch):
    mod, _meeting, poll, residents = _meeting_with_voters(client, 3)
    yes, no = poll.options[0].id, poll.options[1].id
    assert _vote(client, residents[0][1], poll, yes).status_code == 200
    seen: list[list[str]] = []
    drain = rebuild.drain_locked

    def drain_then_vote(client_: Any, poll_id: int) -> int:
        moved = drain(client_, poll_id)
        # Between the drain and the reload a request with the current generation arrives:
        # the sealed state makes the script answer "stale" and write nothing.
        seen.append(services._run_vote(poll_id, residents[1][0].id, str(no), "mid", 0,
                                       poll.meeting_id))
        return moved

    monkeypatch.setattr(rebuild, "drain_locked", drain_then_vote)
    assert rebuild.rebuild_poll(poll.id) is True
    monkeypatch.undo()
    assert seen == [["stale", ""]]
    assert not redis.hexists(keys.poll_voted(poll.id), residents[1][0].id)
    assert redis.hget(keys.poll_meta(poll.id), "gen") == "0"  # unsealed by the reload
    assert _vote(client, residents[1][1], poll, no, key="mid").status_code == 200
    closed = services.close_poll(mod, poll.id)
    assert closed.result_error is None
    assert [o["online"] for o in closed.result["options"]][:2] == [1, 1]


def test_a_redis_that_lost_the_poll_is_noticed_and_the_result_says_so(client, redis):
    mod, meeting, poll, residents = _meeting_with_voters(client, 2)
    yes = poll.options[0].id
    assert _vote(client, residents[0][1], poll, yes).status_code == 200
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).tally_loaded_at is not None
    # Redis restarted without its append-only file: every key of the poll is gone, with
    # the first ballot, which was acknowledged but never drained.
    redis.delete(*keys.poll_keys(poll.id), keys.poll_cursor(poll.id))
    view = client.get(f"/api/v1/m/{meeting.code}", headers=bearer(residents[1][1])).get_json()
    assert view["current_poll"]["status"] == "open"
    assert _vote(client, residents[1][1], poll, yes).status_code == 200
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).tally_lost_at is not None
    closed = services.close_poll(mod, poll.id)
    assert closed.result["ballots"] == 1
    assert db.session.query(Ballot).filter_by(poll_id=poll.id).count() == 1
    assert "丢失" in closed.result_error and "纸质计票" in closed.result_error


def test_a_rebuild_that_finds_its_generation_loaded_does_nothing(client, redis):
    _mod, _meeting, poll, residents = _meeting_with_voters(client, 1)
    assert _vote(client, residents[0][1], poll, poll.options[0].id).status_code == 200
    assert rebuild.rebuild_poll(poll.id, generation=0) is False
    assert redis.xlen(keys.poll_stream(poll.id)) == 1  # not even drained
    assert db.session.query(Ballot).count() == 0
