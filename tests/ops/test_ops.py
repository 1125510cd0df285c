"""Operations: /readyz, request ids in headers, logs and audit rows, Prometheus metrics."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from server.audit import services as audit_services
from server.audit.models import AuditEvent
from server.extensions import db
from server.meetings import persister
from server.notify.models import Notification
from server.ops import ready
from server.ops.logs import JsonFormatter
from server.supervision.sweep import sweep
from tests.factories import bearer, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence

VOTE_ROUTE = "/api/v1/polls/{poll_id}/votes"


def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Read /metrics as {(sample name, sorted labels): value}."""
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# ---- readiness -------------------------------------------------------------------------


def test_readyz_is_ready_when_database_redis_and_migrations_are_in_order(client):
    answer = client.get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert body["ready"] is True
    assert body["migrations"]["database"] == body["migrations"]["code"]
    assert {"database", "redis", "migrations", "accepting"} <= set(body)


def test_readyz_says_no_while_draining_or_behind_the_code(app, client, monkeypatch):
    flag = ready.drain_file(app)
    flag.write_text("")
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["accepting"] == {"ok": False}
    finally:
        flag.unlink()
    assert client.get("/readyz").status_code == 200
    # Code newer than the database (a deploy that has not migrated yet).
    monkeypatch.setattr(ready.code_heads, "_heads", ready.code_heads() | {"9999_newer"})
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["migrations"]["ok"] is False
    # /healthz is about liveness only: still fine.
    assert client.get("/healthz").status_code == 200


def test_readyz_says_no_once_the_process_was_asked_to_stop(app, client):
    events = app.extensions
    before = events.get("sl_shutting_down")
    try:
        ready.mark_shutting_down(app)
        assert client.get("/readyz").status_code == 503
    finally:
        if before is None:
            events.pop("sl_shutting_down", None)
        else:
            before.clear()
    assert client.get("/readyz").status_code == 200


# ---- request ids -----------------------------------------------------------------------


def test_every_answer_carries_a_request_id_and_a_proxy_id_is_believed_only_when_trusted(
        app, client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    forged = {"X-Request-Id": "forged-by-a-client"}
    assert client.get("/healthz", headers=forged).headers["X-Request-Id"] != "forged-by-a-client"
    app.config["AUDIT_TRUSTED_PROXIES"] = 1
    try:
        assert client.get("/healthz", headers=forged).headers["X-Request-Id"] == \
            "forged-by-a-client"
        bad = {"X-Request-Id": "spaces and \"quotes\" \u76f8"}
        assert client.get("/healthz", headers=bad).headers["X-Request-Id"] != bad["X-Request-Id"]
    finally:
        app.config["AUDIT_TRUSTED_PROXIES"] = 0


def test_the_request_id_reaches_the_audit_row_and_the_log_line(app, client, caplog):
    make_district()
    answer = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    request_id = answer.headers["X-Request-Id"]
    audit_services.drain()
    db.session.rollback()
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).one()
    assert row.request_id == request_id
    # A line logged while serving a request names that request.
    with app.test_request_context("/x", environ_base={"sl.request_id": "abc123"}):
        record = logging.LogRecord("sl", logging.WARNING, __file__, 1, "出错了 %s", ("x",), None)
        line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123" and line["message"] == "出错了 x"
    assert line["level"] == "WARNING" and line["ts"].endswith("+00:00")


# ---- metrics ---------------------------------------------------------------------------


def test_metrics_refuse_callers_behind_a_proxy_elsewhere_or_without_the_token(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "1.2.3.4"})
    assert proxied.status_code == 403 and proxied.get_json()["code"] == "forbidden"
    app.config["METRICS_TOKEN"] = "scrape-me"
    try:
        assert client.get("/metrics").status_code == 403
        answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert answer.status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_metrics_count_requests_per_route_and_votes_accepted_and_refused(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting)
    yes = poll.options[0].id
    before = scrape(client)
    voters = []
    for _ in range(3):
        resident, token = make_resident()
        client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting)},
                    headers=bearer(token))
        voters.append(token)
    for token in voters:  # new well-formed ballots: answered by the fast path
        assert client.post(f"/api/v1/polls/{poll.id}/votes", json={"choices": [yes]},
                           headers=bearer(token)).status_code == 200
    _, stranger = make_resident()  # not checked in: refused by the full path
    assert client.post(f"/api/v1/polls/{poll.id}/votes", json={"choices": [yes]},
                       headers=bearer(stranger)).status_code >= 400
    client.get(f"/api/v1/no-such-thing/{poll.id}")
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("sl_votes_total", outcome="accepted") == 3
    assert moved("sl_votes_total", outcome="refused") == 1
    assert moved("sl_http_requests_total", method="POST", route=VOTE_ROUTE, status="200") == 3
    assert moved("sl_http_requests_total", method="POST",
                 route="/api/v1/m/{code}/checkin", status="200") == 3
    # Per route template, never per raw path: no series names a poll id.
    routes = {v for _name, labels in after for k, v in labels if k == "route"}
    assert VOTE_ROUTE in routes and not [r for r in routes if re.search(r"/\d+(/|$)", r)]
    assert "<unmatched>" in routes  # a path no rule matched
    assert moved("sl_http_request_duration_seconds_count", method="POST", route=VOTE_ROUTE) == 4
    # The ballots wait in Redis for the persister: lag and backlog show it, then clear.
    assert value(after, "sl_persister_ballots_waiting") == 3
    assert value(after, "sl_persister_lag_seconds") > 0
    assert value(after, "sl_audit_queue_records") >= 3  # check-ins and the refusal
    persister.drain_poll(poll.id)
    audit_services.drain()
    drained = scrape(client)
    assert value(drained, "sl_persister_ballots_waiting") == 0
    assert value(drained, "sl_persister_lag_seconds") == 0
    assert value(drained, "sl_audit_queue_records") == 0
    assert value(drained, "sl_audit_drain_lag_seconds") == 0


def test_metrics_show_event_stream_listeners_outbox_and_the_last_sweep(client):
    d = make_district()
    meeting = make_meeting(d.site_a)
    base = scrape(client)
    answer = client.get(f"/api/v1/m/{meeting.code}/events", buffered=False)
    chunks = answer.response
    assert "snapshot" in next(iter(chunks)).decode()
    opened = scrape(client)
    listeners = value(base, "sl_event_stream_listeners")
    assert value(opened, "sl_event_stream_listeners") == listeners + 1
    answer.close()
    closed = scrape(client)
    assert value(closed, "sl_event_stream_listeners") == listeners

    for status in ("pending", "pending", "failed", "sent"):
        db.session.add(Notification(event="t", channel="wechat", title="t", status=status,
                                    payload={}))
    db.session.commit()
    started = time.time()
    sweep()
    after = scrape(client)
    assert value(after, "sl_outbox_messages", status="pending") == 2
    assert value(after, "sl_outbox_messages", status="due") == 2
    assert value(after, "sl_outbox_messages", status="failed") == 1
    assert value(after, "sl_sweep_last_run_timestamp_seconds") >= started - 1
    assert all(v == 0 for (n, _), v in after.items() if n == "sl_state_scrape_errors")
