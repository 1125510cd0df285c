"""What the audit hook records: sign-ins, exports, redaction, the resident stream, fallbacks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update

from server.audit import keys, services
from server.audit.capture import openapi_path, summarize
from server.audit.models import AuditEvent, AuditLogIsAppendOnly
from server.extensions import db
from server.meetings import keys as meeting_keys
from server.meetings import persister
from server.people.services import issue_api_token
from tests.conftest import free_port
from tests.dispatch.factories import make_opinion
from tests.factories import PASSWORD, bearer, make_district, make_resident, make_user
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence


def _rows(**where) -> list[AuditEvent]:
    db.session.rollback()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(stmt))


def _raw_table_text() -> str:
    with db.engine.connect() as conn:
        return json.dumps([list(map(str, row)) for row in
                           conn.execute(text("SELECT * FROM audit_events"))],
                          ensure_ascii=False)


def test_staff_sign_in_success_and_failure_are_logged_without_the_password(client):
    user = make_user("dispatcher", username="zhangsan")
    ok = client.post("/api/v1/auth/login", json={"username": "zhangsan", "password": PASSWORD},
                     headers={"User-Agent": "Mozilla/5.0 测试浏览器"})
    assert ok.status_code == 200
    bad = client.post("/api/v1/auth/login",
                      json={"username": "zhangsan", "password": "wrong-Pa55word!"})
    assert bad.status_code == 401
    nobody = client.post("/api/v1/auth/login",
                         json={"username": "no-such-user", "password": "guess-Pa55word!"})
    assert nobody.status_code == 401
    # The success is a staff row, written at once.
    [success] = _rows(action="login")
    assert (success.actor_kind, success.user_id, success.username) == ("staff", user.id,
                                                                        "zhangsan")
    assert (success.method, success.path_template, success.status, success.outcome) == (
        "POST", "/api/v1/auth/login", 200, "ok")
    assert success.endpoint == "auth.login"
    assert success.ip == "127.0.0.1" and success.user_agent == "Mozilla/5.0 测试浏览器"
    assert success.summary == {"username": "zhangsan"}
    # Failures come from nobody signed in: queued on the stream, in the table after a drain.
    assert services.queued() == 2
    assert services.drain() == 2
    failures = _rows(action="login", outcome="denied")
    assert [(f.actor_kind, f.user_id, f.username, f.status) for f in failures] == [
        ("anonymous", None, "zhangsan", 401), ("anonymous", None, "no-such-user", 401)]
    table = _raw_table_text()
    assert "wrong-Pa55word!" not in table and "guess-Pa55word!" not in table
    assert PASSWORD not in table
    # Signing out is logged against the user who was signed in.
    assert client.post("/api/v1/auth/logout").status_code == 403  # no CSRF token
    csrf = ok.get_json()["csrf_token"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    refused, logout = _rows(action="logout")
    assert (refused.actor_kind, refused.user_id, refused.outcome) == ("staff", user.id, "denied")
    assert (logout.actor_kind, logout.user_id, logout.outcome) == ("staff", user.id, "ok")


def test_token_issue_keeps_neither_password_nor_token(client):
    make_user("admin", username="api-admin")
    issued = client.post("/api/v1/auth/tokens", json={"username": "api-admin",
                                                      "password": PASSWORD, "name": "报表"})
    assert issued.status_code == 201
    [row] = _rows(action="token")
    assert row.summary == {"username": "api-admin", "name": "报表"}
    assert row.resource is None
    table = _raw_table_text()
    assert issued.get_json()["token"] not in table and PASSWORD not in table


def test_request_bodies_are_redacted_and_capped():
    body = {
        "password": "s3cret", "new_password": "x", "token": "sl_abc", "phone": "13812345678",
        "contact_phone": "13812345678", "photos": ["a.jpg"], "wechat_openid": "o-123",
        "text": "请回电 13812345678 谢谢" + "很长" * 100, "count": 3, "ok": True,
        "nested": {"deeper": {"deepest": {"x": 1}}, "items": list(range(25))},
    }
    summary = summarize(body)
    assert summary is not None
    for key in ("password", "new_password", "token", "phone", "contact_phone", "photos",
                "wechat_openid"):
        assert summary[key] == "[已隐去]", key
    assert summary["text"].startswith("请回电 138****5678 谢谢") and len(summary["text"]) <= 81
    assert summary["count"] == 3 and summary["ok"] is True
    assert summary["nested"]["deeper"]["deepest"] == "{…}"
    assert summary["nested"]["items"][-1] == "…共 25 项"
    dumped = json.dumps(summary, ensure_ascii=False)
    assert "13812345678" not in dumped and "s3cret" not in dumped
    huge = summarize({f"field{i}": "字" * 70 for i in range(30)})
    assert huge is not None and huge["_truncated"] is True
    assert len(json.dumps(huge, ensure_ascii=False)) <= 1024
    assert summarize(None) is None


def test_write_through_the_api_stores_a_redacted_summary(client):
    d = make_district()
    admin = make_user("admin")
    token, _ = issue_api_token(admin)
    response = client.patch(f"/api/v1/sites/{d.site_a.id}",
                            json={"name": "黄庄村协商议事室", "contact_phone": "13900001111"},
                            headers=bearer(token))
    [row] = _rows(method="PATCH")
    assert row.status == response.status_code
    assert row.path_template == "/api/v1/sites/{site_id}"
    assert row.path == f"/api/v1/sites/{d.site_a.id}"
    assert row.resource == {"site_id": d.site_a.id}
    assert row.summary["contact_phone"] == "[已隐去]"
    assert "13900001111" not in _raw_table_text()


def test_case_export_with_unmasked_phones_is_flagged_as_personal_data(client):
    d = make_district()
    make_opinion(d.site_a, phone="13812345678")
    db.session.commit()
    admin = make_user("admin")
    supervisor = make_user("supervisor")
    admin_token, _ = issue_api_token(admin)
    supervisor_token, _ = issue_api_token(supervisor)
    full = client.get("/api/v1/cases/export?format=csv", headers=bearer(admin_token))
    assert full.status_code == 200 and "13812345678" in full.data.decode("utf-8-sig")
    masked = client.get("/api/v1/cases/export?format=csv", headers=bearer(supervisor_token))
    assert masked.status_code == 200 and "13812345678" not in masked.data.decode("utf-8-sig")
    refused = client.get("/api/v1/cases/export?format=csv")
    assert refused.status_code == 401
    services.drain()
    rows = _rows(action="export")
    assert [(r.user_id, r.method, r.path_template, r.status, r.personal_data) for r in rows] \
        == [(admin.id, "GET", "/api/v1/cases/export", 200, True),
            (supervisor.id, "GET", "/api/v1/cases/export", 200, False),
            (None, "GET", "/api/v1/cases/export", 401, False)]
    # Plain reads are not audited; only declared exports and downloads are.
    client.get("/api/v1/cases", headers=bearer(admin_token))
    assert not _rows(path_template="/api/v1/cases")


def test_site_downloads_are_audited_as_downloads(client):
    d = make_district()
    admin = make_user("admin")
    token, _ = issue_api_token(admin)
    response = client.get(f"/api/v1/sites/{d.site_a.id}/qr.svg", headers=bearer(token))
    assert response.status_code == 200
    [row] = _rows(action="download")
    assert (row.user_id, row.path_template, row.personal_data) == (
        admin.id, "/api/v1/sites/{site_id}/qr.svg", False)


def test_resident_vote_goes_through_the_stream_and_appears_after_the_drain(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting)
    yes = poll.options[0].id
    resident, token = make_resident()
    checkin = client.post(f"/api/v1/m/{meeting.code}/checkin",
                          json={"presence": presence(meeting)}, headers=bearer(token))
    assert checkin.status_code == 200
    vote = client.post(f"/api/v1/polls/{poll.id}/votes",
                       json={"choices": [yes], "idempotency_key": "k-1"}, headers=bearer(token))
    assert vote.status_code == 200
    # Nothing written to the table by the requests themselves: the check-in waits on the
    # audit stream, the accepted vote's record rides on its ballot in the poll's stream.
    assert _rows() == []
    assert redis.xlen(keys.stream()) == 1
    assert services.drain() == 1
    assert redis.xlen(keys.stream()) == 0
    assert persister.drain_poll(poll.id) == 1  # the persister: the ballot and its audit row
    [checkin_row] = _rows(path_template="/api/v1/m/{code}/checkin")
    [vote_row] = _rows(path_template="/api/v1/polls/{poll_id}/votes")
    assert (vote_row.actor_kind, vote_row.resident_id, vote_row.user_id) == (
        "resident", resident.id, None)
    assert (vote_row.method, vote_row.path_template, vote_row.status) == (
        "POST", "/api/v1/polls/{poll_id}/votes", 200)
    assert vote_row.resource == {"poll_id": poll.id}
    assert vote_row.summary["idempotency_key"] == "[已隐去]"
    assert checkin_row.path_template == "/api/v1/m/{code}/checkin"
    assert checkin_row.summary == {"presence": "[已隐去]"}
    assert vote_row.ip == "127.0.0.1" and vote_row.outcome == "ok"
    assert vote_row.endpoint == "meetings.vote" and vote_row.summary["choices"] == [yes]
    # A second drain finds nothing.
    assert services.drain() == 0
    assert persister.drain_poll(poll.id) == 0 and len(_rows()) == 2


def test_a_vote_row_from_the_ballot_stream_matches_the_hook_row_of_its_replay(client, redis):
    d = make_district()
    mod = make_moderator()
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting, kind="multiple", max_choices=2,
                     options=["东路", "西路", "南路"])
    first, second = poll.options[0].id, poll.options[2].id
    resident, token = make_resident()
    client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting)},
                headers=bearer(token))
    services.drain()
    headers = {**bearer(token), "User-Agent": "WeChat|微信 8.0"}
    body = {"choices": [second, first], "idempotency_key": "k|1"}
    vote = client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=headers)
    assert vote.status_code == 200 and not vote.get_json()["replay"]
    # The retry is answered from the script's memory: no new ballot, so the hook records it.
    replay = client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["replay"]
    # A refused vote (another resident, not checked in) keeps the hook's record too.
    _, stranger = make_resident()
    refused = client.post(f"/api/v1/polls/{poll.id}/votes", json=body,
                          headers=bearer(stranger))
    assert refused.status_code >= 400
    assert redis.xlen(keys.stream()) == 2
    assert services.drain() == 2
    assert persister.drain_poll(poll.id) == 1
    # A drain that died before moving its cursor reads the entry again: no second row.
    redis.delete(meeting_keys.poll_cursor(poll.id))
    persister.drain_poll(poll.id)
    rows = _rows(path_template="/api/v1/polls/{poll_id}/votes")
    assert len(rows) == 3
    [from_ballot] = [r for r in rows if r.stream_id.startswith("v")]
    [from_hook] = [r for r in rows if r.status == 200 and r is not from_ballot]
    columns = [c for c in AuditEvent.__table__.columns.keys()
               if c not in ("id", "at", "duration_ms", "stream_id", "request_id")]
    assert {c: getattr(from_ballot, c) for c in columns} == {
        c: getattr(from_hook, c) for c in columns}
    # Each row names its own request, as answered in the X-Request-Id header.
    assert from_ballot.request_id == vote.headers["X-Request-Id"]
    assert from_hook.request_id == replay.headers["X-Request-Id"]
    assert from_ballot.summary == {"choices": [second, first], "idempotency_key": "[已隐去]"}
    assert from_ballot.user_agent == "WeChat|微信 8.0" and from_ballot.resident_id == resident.id
    [denied] = [r for r in rows if r.status >= 400]
    assert denied.outcome in ("error", "denied")


def test_drain_skips_entries_already_in_the_table(client, redis):
    record = {"at": "2026-11-28T10:00:00+00:00", "actor_kind": "anonymous", "action": "write",
              "method": "POST", "path": "/api/v1/auth/guest", "status": 201, "outcome": "ok"}
    entry_id = services.push_stream(record)
    # A drain that inserted its batch, then died before XDEL, leaves the entry queued.
    services.insert_direct({**record, "stream_id": entry_id})
    assert services.drain() == 0
    assert redis.xlen(keys.stream()) == 0
    assert len(_rows()) == 1
    # A malformed entry is dropped, not retried forever.
    redis.xadd(keys.stream(), {"e": "not json"})
    assert services.drain() == 0 and redis.xlen(keys.stream()) == 0


def test_the_log_is_append_only(client, db):
    make_user("admin", username="boss")
    client.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD})
    [row] = _rows()
    row.status = 500
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(status=500))
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        # The database itself refuses, whatever client tries.
        for statement in ("UPDATE audit_events SET status = 500",
                          "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
    assert [r.status for r in _rows()] == [200]


def test_forwarded_for_is_believed_only_behind_a_trusted_proxy(client, config_override):
    make_user("admin", username="boss")
    body = {"username": "boss", "password": PASSWORD}
    spoofed = {"X-Forwarded-For": "6.6.6.6"}
    client.post("/api/v1/auth/login", json=body, headers=spoofed)
    config_override(AUDIT_TRUSTED_PROXIES=1)
    client.post("/api/v1/auth/login", json=body,
                headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert [r.ip for r in _rows(action="login")] == ["127.0.0.1", "203.0.113.7"]


def test_records_go_straight_to_the_database_when_redis_is_down(tmp_path, database_url):
    from tests.meetings.factories import second_app

    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
              "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
              "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
              "RATELIMIT_ENABLED": False}
    with second_app(config) as other:
        with other.app_context():
            response = other.test_client().post("/api/v1/auth/logout", json={})
            assert response.status_code == 200
            with db.engine.connect() as conn:
                rows = conn.execute(select(AuditEvent.actor_kind, AuditEvent.path)).all()
    assert rows == [("anonymous", "/api/v1/auth/logout")]


def test_drain_command(app, client):
    client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    result = app.test_cli_runner().invoke(args=["audit", "drain"])
    assert result.exit_code == 0, result.output
    assert "已写入 1 条审计记录" in result.output
    assert len(_rows()) == 1


def test_openapi_path_matches_flask_rules():
    assert openapi_path("/api/v1/polls/<int:poll_id>/votes") == "/api/v1/polls/{poll_id}/votes"
    assert openapi_path("/api/v1/m/<code>") == "/api/v1/m/{code}"
    assert openapi_path("/api/v1/a/<string:code>/b/<int:x>") == "/api/v1/a/{code}/b/{x}"


def test_the_row_survives_the_request_rolling_back(tmp_path, database_url, redis_url):
    from server.errors import Conflict
    from server.people.models import Resident
    from tests.meetings.factories import second_app

    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
              "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
              "REDIS_URL": redis_url, "RATELIMIT_ENABLED": False}
    with second_app(config) as other:

        @other.route("/api/v1/test-only/half-done", methods=["POST"])
        def half_done():  # writes, then fails before committing
            db.session.add(Resident(kind="guest"))
            db.session.flush()
            raise Conflict("做了一半", code="half_done")

        @other.route("/api/v1/test-only/crash", methods=["DELETE"])
        def crash():
            raise RuntimeError("boom")

        with other.app_context():
            admin = make_user("admin")
            token, _ = issue_api_token(admin)
            client = other.test_client()
            assert client.post("/api/v1/test-only/half-done", json={"note": "x"},
                               headers=bearer(token)).status_code == 409
            assert client.delete("/api/v1/test-only/crash",
                                 headers=bearer(token)).status_code == 500
            db.session.remove()  # what the end of a real request's app context does
            services.drain()
            assert db.session.scalar(select(Resident.id)) is None  # the request rolled back
            with db.engine.connect() as conn:
                rows = conn.execute(select(AuditEvent.user_id, AuditEvent.path,
                                           AuditEvent.status, AuditEvent.outcome)
                                    .order_by(AuditEvent.at)).all()
    assert rows == [(admin.id, "/api/v1/test-only/half-done", 409, "error"),
                    (admin.id, "/api/v1/test-only/crash", 500, "error")]


def test_open311_requests_are_audited_against_their_api_key(client):
    from tests.dispatch.factories import make_category

    d = make_district()
    roads = make_category("道路交通", "complaint")
    dispatcher = make_user("dispatcher")
    token, _ = issue_api_token(dispatcher)
    created = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": roads.code, "description": "路面塌陷 13812345678",
        "attribute[site]": d.site_a.code, "first_name": "张", "email": "a@b.cn"})
    assert created.status_code == 201
    refused = client.post("/open311/v2/requests.json", data={"service_code": roads.code})
    assert refused.status_code == 403
    services.drain()
    ok, denied = _rows()
    assert (ok.actor_kind, ok.user_id, ok.status) == ("staff", dispatcher.id, 201)
    assert ok.path_template == "/open311/v2/requests.{fmt}" and ok.resource == {"fmt": "json"}
    assert ok.summary["api_key"] == ok.summary["first_name"] == ok.summary["email"] == "[已隐去]"
    assert ok.summary["description"] == "路面塌陷 138****5678"
    assert (denied.actor_kind, denied.status, denied.outcome) == ("anonymous", 403, "denied")
    assert token not in _raw_table_text()


def test_resident_photo_and_report_are_queued_without_photo_or_phone(client, redis):
    from tests.intake.factories import categories, jpeg_bytes, report, upload

    d = make_district()
    cats = categories()
    resident, token = make_resident()
    photo = upload(client, token, jpeg_bytes())
    assert photo.status_code == 201, photo.get_json()
    sent = report(client, token, d.site_a.code, cats["道路交通"], phone="13812345678",
                  photo_ids=[photo.get_json()["id"]])
    assert sent.status_code == 201, sent.get_json()
    assert _rows() == [] and redis.xlen(keys.stream()) == 2
    assert services.drain() == 2
    upload_row, report_row = _rows()
    assert upload_row.actor_kind == "resident" and upload_row.resident_id == resident.id
    assert upload_row.summary == {"_uploads": 1}
    assert report_row.path_template == "/api/v1/intake/opinions"
    assert report_row.summary["phone"] == "[已隐去]"
    assert report_row.summary["photo_ids"] == "[已隐去]"
    assert report_row.summary["text"] == "村口的路灯坏了好几天，晚上走路很黑"
    assert "13812345678" not in _raw_table_text()
