"""The vote path: check-in, one atomic script, idempotent retries, close and freeze."""

from __future__ import annotations

from sqlalchemy import update

from server.extensions import db
from server.meetings import keys, persister, rebuild, services
from server.meetings.models import Attendance, Ballot, PaperCount, Poll
from tests.factories import bearer, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence


def _vote(client, token, poll, choices, key=None):
    body = {"choices": choices}
    if key:
        body["idempotency_key"] = key
    return client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=bearer(token))


def test_check_in_vote_retry_duplicate_and_close(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, quorum=2)
    poll = make_poll(mod, meeting)
    yes, no, _abstain = (o.id for o in poll.options)
    _, token = make_resident()
    # Voting before check-in is refused.
    assert _vote(client, token, poll, [yes]).status_code == 403
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting)},
                    headers=bearer(token))
    assert r.status_code == 200, r.get_json()
    first = _vote(client, token, poll, [yes], key="k1")
    assert first.status_code == 200
    # A retry with the same key returns the first answer; a new vote is refused.
    again = _vote(client, token, poll, [no], key="k1")
    assert again.status_code == 200
    assert again.get_json()["ballot_id"] == first.get_json()["ballot_id"]
    assert again.get_json()["replay"] is True
    dup = _vote(client, token, poll, [no], key="k2")
    assert dup.status_code == 409 and dup.get_json()["code"] == "already_voted"
    assert redis.hget(keys.poll_tally(poll.id), str(yes)) == "1"
    assert redis.hget(keys.poll_tally(poll.id), str(no)) is None
    # The resident page knows they voted.
    view = client.get(f"/api/v1/m/{meeting.code}", headers=bearer(token)).get_json()
    assert view["me"] == {"checked_in": True, "votes": {str(poll.id): True},
                          "votes_confirmed": True}
    assert view["attendance"] == {"checked_in": 1, "quorum": 2, "quorum_met": False}
    closed = services.close_poll(mod, poll.id)
    assert closed.result_error is None
    assert closed.result["ballots"] == 1
    assert [o["total"] for o in closed.result["options"]] == [1, 0, 0]
    assert db.session.query(Ballot).count() == 1
    late = _vote(client, token, poll, [yes], key="k3")
    assert late.status_code == 409 and late.get_json()["message"] == "投票已结束"


def test_multiple_choice_respects_the_maximum(client):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting, kind="multiple", options=["修路", "装路灯", "建充电桩"],
                     max_choices=2)
    a, b, c = (o.id for o in poll.options)
    _, token = make_resident()
    client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    too_many = _vote(client, token, poll, [a, b, c])
    assert too_many.status_code == 422 and "最多可选 2 项" in too_many.get_json()["message"]
    assert _vote(client, token, poll, [a, 999]).status_code == 422
    assert _vote(client, token, poll, [a, c]).status_code == 200
    result = services.close_poll(mod, poll.id).result
    assert [o["total"] for o in result["options"]] == [1, 0, 1]


def test_hidden_results_and_paper_counts_join_the_tally(client):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting, live_results=False)
    yes, no, _ = (o.id for o in poll.options)
    _, token = make_resident()
    client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert _vote(client, token, poll, [yes]).status_code == 200
    public = client.get(f"/api/v1/m/{meeting.code}").get_json()["current_poll"]
    assert public["ballots"] == 1 and public["counts"] is None
    services.enter_paper_counts(mod, poll.id, {yes: 5, no: 2}, note="举手表决")
    services.enter_paper_counts(mod, poll.id, {no: 3}, note="更正")
    assert db.session.query(PaperCount).count() == 3  # every entry kept for the audit
    staff = services.poll_public(db.session.get(Poll, poll.id), staff=True)
    assert staff["counts"] == {str(yes): 6, str(no): 3, str(poll.options[2].id): 0}
    result = services.close_poll(mod, poll.id).result
    assert [(o["online"], o["paper"]) for o in result["options"]] == [(1, 5), (0, 3), (0, 0)]
    assert result["total_votes"] == 9
    public = client.get(f"/api/v1/m/{meeting.code}").get_json()["polls"][0]
    assert public["counts"][str(yes)] == 6


def test_close_reports_a_mismatch_people_can_see(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    _, token = make_resident()
    client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert _vote(client, token, poll, [poll.options[0].id]).status_code == 200
    # Simulate a counting fault: the live tally says one more than the ballots.
    redis.hincrby(keys.poll_tally(poll.id), "ballots", 1)
    r = client.post(f"/api/v1/polls/{poll.id}/close", headers=_staff(client, mod))
    assert r.status_code == 200
    assert "计票核对不一致" in r.get_json()["result_error"]


def _staff(client, user):
    from server.people.services import issue_api_token

    token, _ = issue_api_token(user)
    return bearer(token)


def test_persister_is_idempotent_and_resumes_from_its_cursor(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    tokens = [make_resident()[1] for _ in range(5)]
    for token in tokens:
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
        assert _vote(client, token, poll, [poll.options[1].id]).status_code == 200
    assert persister.drain_poll(poll.id) == 5
    assert persister.drain_poll(poll.id) == 0
    # Losing the cursor (a crash before it moved) re-reads entries: still one row each.
    redis.delete(keys.poll_cursor(poll.id))
    persister.drain_poll(poll.id)
    assert db.session.query(Ballot).filter_by(poll_id=poll.id).count() == 5


def test_a_check_in_while_redis_was_away_rebuilds_once_and_keeps_newer_ballots(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    yes = poll.options[0].id
    residents = [make_resident() for _ in range(3)]
    for _, token in residents[:2]:
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert _vote(client, residents[0][1], poll, [yes]).status_code == 200
    # A check-in written while Redis was unreachable: the database only, generation bumped
    # (what check_in does when Redis refuses), so Redis must be rebuilt before it votes on.
    late, late_token = residents[2]
    db.session.add(Attendance(meeting_id=meeting.id, resident_id=late.id))
    db.session.execute(update(Poll).where(Poll.id == poll.id)
                       .values(db_generation=Poll.db_generation + 1))
    db.session.commit()
    services.forget_poll_row(poll.id)  # as if this process's 0.5 s cache had run out
    assert _vote(client, late_token, poll, [yes]).status_code == 200  # rebuilt, then voted
    assert redis.hget(keys.poll_meta(poll.id), "gen") == "1"
    assert _vote(client, residents[1][1], poll, [yes]).status_code == 200
    # A request that waited for generation 1 finds it loaded: no second rebuild, so the
    # ballots accepted since are not wiped from the live state.
    assert rebuild.rebuild_poll(poll.id, generation=1) is False
    assert redis.hget(keys.poll_tally(poll.id), "ballots") == "3"
    assert redis.hexists(keys.poll_voted(poll.id), residents[1][0].id)
    again = _vote(client, residents[1][1], poll, [yes])
    assert again.status_code == 409 and again.get_json()["code"] == "already_voted"
    closed = services.close_poll(mod, poll.id)
    assert closed.result_error is None and closed.result["ballots"] == 3


def test_public_site_meetings_show_frozen_results(client):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    services.add_outcome(mod, meeting.id, "先修东西向农路，年内完工", "镇交通办已立项")
    services.close_poll(mod, poll.id)
    make_meeting(d.site_a, status="draft", title="未发布的会")
    rows = client.get(f"/api/v1/public/sites/{d.site_a.code}/meetings").get_json()
    assert [m["title"] for m in rows] == ["黄庄村农路修缮协商会"]
    assert rows[0]["polls"][0]["result"]["ballots"] == 0
    assert rows[0]["outcomes"][0]["feedback"] == "镇交通办已立项"


def test_vote_body_shortcut_keeps_the_schema_answers(client):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    yes, no = poll.options[0].id, poll.options[1].id
    tokens = [make_resident()[1] for _ in range(3)]
    for token in tokens:
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    url = f"/api/v1/polls/{poll.id}/votes"
    for body, field, message in (({"choices": []}, "choices", "太短，至少"),
                                 ({"choices": [yes], "extra": 1}, "extra", "不允许的字段"),
                                 ({"choices": ["x"]}, "choices", None),
                                 ({"choices": [yes], "idempotency_key": "k" * 81},
                                  "idempotency_key", "太长，最多"),
                                 ({}, "choices", "必填项")):
        r = client.post(url, json=body, headers=bearer(tokens[0]))
        assert r.status_code == 422, (body, r.get_json())
        answer = r.get_json()
        assert answer["code"] == "validation_failed" and field in answer["errors"], answer
        if message:
            assert str(answer["errors"][field]).find(message) >= 0, answer
    r = client.post(url, data="{not json", headers={**bearer(tokens[0]),
                                                    "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["code"] == "bad_request"
    # The shortcut's answer is the schema's, byte for byte in shape.
    r = _vote(client, tokens[0], poll, [yes], key="k1")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert set(r.get_json()) == {"ballot_id", "poll_id", "replay", "cast_at_ms", "choices",
                                 "message"}
    assert r.get_json()["choices"] == [yes]
    assert r.get_json()["poll_id"] == poll.id and r.get_json()["replay"] is False
    # What the schema accepts but the shortcut does not (a numeric string) still votes.
    r = client.post(url, json={"choices": [str(no)]}, headers=bearer(tokens[1]))
    assert r.status_code == 200, r.get_json()
    assert "X-RateLimit-Limit" not in r.headers


def test_resident_bearer_requests_get_no_cookie_session(app):
    from flask import session
    from flask.sessions import NullSession

    with app.test_request_context("/", headers={"Authorization": "Bearer r.anything"}):
        assert isinstance(session, NullSession) and "uid" not in session
    for headers in ({"Authorization": "Bearer sl_staff"}, {}):
        with app.test_request_context("/", headers=headers):
            session["csrf"] = "x"  # a real cookie session, writable
            assert not isinstance(session, NullSession)


def test_persister_process_drains_every_poll_and_hands_back_on_exit(client, redis, app):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    polls = [make_poll(mod, meeting), make_poll(mod, meeting)]
    tokens = [make_resident()[1] for _ in range(4)]
    for token in tokens:
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
        for poll in polls:
            assert _vote(client, token, poll, [poll.options[0].id]).status_code == 200
    assert db.session.query(Ballot).count() == 0  # no drain under tests until asked
    assert persister.run_persister(app, 0.01, rounds=2) == 8
    assert db.session.query(Ballot).count() == 8
    # Gone: workers see no heartbeat and drain themselves again.
    assert not persister.persister_alive()
    redis.set(keys.persister_heartbeat(), "123", px=1000)
    assert persister.persister_alive()


def test_persister_reads_packed_and_older_stream_entries(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a, presence_check=False)
    poll = make_poll(mod, meeting)
    (first, token), (second, _) = make_resident(), make_resident()
    client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert _vote(client, token, poll, [poll.options[0].id], key="a|b").status_code == 200
    # An entry the script wrote before entries were packed into one field.
    redis.xadd(keys.poll_stream(poll.id), {"b": "old-uid", "r": second.id,
                                           "c": str(poll.options[1].id), "t": 1700000000000,
                                           "k": "old-key"})
    assert persister.drain_poll(poll.id) == 2
    rows = {b.resident_id: b for b in db.session.query(Ballot).filter_by(poll_id=poll.id)}
    assert rows[first.id].idempotency_key == "a|b"
    assert rows[first.id].choices == str(poll.options[0].id)
    assert rows[second.id].ballot_uid == "old-uid" and rows[second.id].idempotency_key == "old-key"
    assert rows[second.id].cast_at.year == 2023
