"""The vote fast path: new ballots skip Flask's request cycle, everything else does not."""

from __future__ import annotations

from contextlib import contextmanager

from flask import request_started

from server.audit.models import AuditEvent
from server.extensions import db
from server.meetings import keys, persister, rebuild
from server.meetings.models import Ballot
from tests.factories import bearer, make_district, make_resident
from tests.meetings.factories import check_in_directly, make_meeting, make_moderator, make_poll


@contextmanager
def flask_requests(app):
    """Count the requests Flask itself handled (request_started fires for each)."""
    seen: list[str] = []

    def note(sender, **_extra):  # noqa: ANN001 - blinker's signature
        from flask import request

        seen.append(request.path)

    with request_started.connected_to(note, app):
        yield seen


@contextmanager
def fast_path(app, on: bool):
    before = app.config["VOTE_FAST_PATH"]
    app.config["VOTE_FAST_PATH"] = on
    try:
        yield
    finally:
        app.config["VOTE_FAST_PATH"] = before


def _setup(n_residents: int):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting)
    residents = [make_resident() for _ in range(n_residents)]
    for resident, _ in residents:
        check_in_directly(meeting, resident.id)
    # check_in_directly writes the database only: tell the poll's Redis state too.
    rebuild.rebuild_poll(poll.id)
    return mod, meeting, poll, residents


def _audit_rows(poll_id):
    return db.session.query(AuditEvent).filter(
        AuditEvent.path == f"/api/v1/polls/{poll_id}/votes").order_by(AuditEvent.id).all()


def test_a_new_ballot_is_answered_before_flask_with_the_same_bytes_and_audit(app, client,
                                                                            redis):
    _, _, poll, [(first, t1), (second, t2)] = _setup(2)
    yes = poll.options[0].id
    url = f"/api/v1/polls/{poll.id}/votes"
    headers = {"User-Agent": "WeChat 8.0", "X-Forwarded-For": "10.0.0.9"}
    with flask_requests(app) as seen:
        fast = client.post(url, json={"choices": [yes], "idempotency_key": "a-1"},
                           headers={**bearer(t1), **headers})
        assert seen == []  # Flask never saw it
        with fast_path(app, False):
            full = client.post(url, json={"choices": [yes], "idempotency_key": "b-1"},
                               headers={**bearer(t2), **headers})
        assert seen == [url]
    assert fast.status_code == full.status_code == 200
    assert fast.headers["Content-Type"] == full.headers["Content-Type"] == "application/json"
    a, b = fast.get_json(), full.get_json()
    assert set(a) == set(b) == {"ballot_id", "poll_id", "replay", "cast_at_ms", "choices",
                                "message"}
    assert (a["poll_id"], a["replay"], a["message"]) == (b["poll_id"], b["replay"],
                                                        b["message"]) == (poll.id, False,
                                                                          "已投票")
    assert fast.headers["Content-Length"] == str(len(fast.data))
    assert redis.hget(keys.poll_tally(poll.id), str(yes)) == "2"
    # Both audit rows come from the ballot stream and differ only in who and when.
    assert persister.drain_poll(poll.id) == 2
    rows = _audit_rows(poll.id)
    assert [r.resident_id for r in rows] == [first.id, second.id]
    same = [c for c in AuditEvent.__table__.columns.keys()
            if c not in ("id", "at", "duration_ms", "stream_id", "resident_id", "request_id")]
    assert {c: getattr(rows[0], c) for c in same} == {c: getattr(rows[1], c) for c in same}
    assert [r.request_id for r in rows] == [fast.headers["X-Request-Id"],
                                            full.headers["X-Request-Id"]]
    assert rows[0].user_agent == "WeChat 8.0" and rows[0].ip == "127.0.0.1"


def test_retries_refusals_and_odd_bodies_take_the_full_path(app, client, redis):
    _, _, poll, [(voter, token), (other_voter, other)] = _setup(2)
    yes, no = poll.options[0].id, poll.options[1].id
    _, stranger = make_resident()
    url = f"/api/v1/polls/{poll.id}/votes"
    with flask_requests(app) as seen:
        # No key in the body: the fast path takes the header's.
        first = client.post(url, json={"choices": [yes]},
                            headers={**bearer(token), "Idempotency-Key": "h-1"})
        assert first.status_code == 200 and seen == []
        # An empty key in the body counts as none (no two such votes share a ballot).
        blank = client.post(url, json={"choices": [yes], "idempotency_key": ""},
                            headers=bearer(other))
        assert blank.status_code == 200 and seen == []
        blank_again = client.post(url, json={"choices": [yes], "idempotency_key": ""},
                                  headers=bearer(other))
        assert blank_again.status_code == 409
        retry = client.post(url, json={"choices": [no]},
                            headers={**bearer(token), "Idempotency-Key": "h-1"})
        assert retry.status_code == 200 and retry.get_json()["replay"] is True
        assert retry.get_json()["ballot_id"] == first.get_json()["ballot_id"]
        second = client.post(url, json={"choices": [no], "idempotency_key": "h-2"},
                             headers=bearer(token))
        assert second.status_code == 409 and second.get_json()["code"] == "already_voted"
        refused = client.post(url, json={"choices": [yes]}, headers=bearer(stranger))
        assert refused.status_code == 403
        forged = client.post(url, json={"choices": [yes]}, headers=bearer("r.forged"))
        assert forged.status_code == 401 and forged.get_json()["code"] == "invalid_token"
        extra = client.post(url, json={"choices": [yes], "note": "x"}, headers=bearer(token))
        assert extra.status_code == 422 and "note" in extra.get_json()["errors"]
        broken = client.post(url, data=b'{"choices": [', headers={
            **bearer(token), "Content-Type": "application/json"})
        assert broken.status_code == 400 and broken.get_json()["errors"]["json"]
        assert seen == [url] * 7
    assert redis.hget(keys.poll_tally(poll.id), "ballots") == "2"
    # Every request has its audit row: the new ballot's from the stream, the rest the hook's.
    from server.audit import services as audit_services

    audit_services.drain()
    assert persister.drain_poll(poll.id) == 2
    statuses = sorted(r.status for r in _audit_rows(poll.id))
    assert statuses == [200, 200, 200, 400, 401, 403, 409, 409, 422]
    # The blank key became a fresh one, as in the view, not a shared empty key.
    keys_stored = {b.resident_id: b.idempotency_key for b in db.session.query(Ballot)}
    assert keys_stored[voter.id] == "h-1" and len(keys_stored[other_voter.id]) == 32
