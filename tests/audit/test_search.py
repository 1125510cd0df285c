"""Searching and exporting the audit log: admins and supervisors only, filters, newest first."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from server.audit import services
from server.audit.models import AuditEvent
from server.common.models import utcnow
from server.extensions import db
from server.people.services import issue_api_token
from tests.factories import PASSWORD, bearer, make_resident, make_user


def _record(**overrides):
    record = {"at": utcnow().isoformat(), "actor_kind": "staff", "user_id": 7,
              "username": "lisi", "action": "write", "method": "POST",
              "endpoint": "dispatch.assign", "path_template": "/api/v1/cases/{opinion_id}/assign",
              "path": "/api/v1/cases/3/assign", "status": 200, "outcome": "ok",
              "personal_data": False, "ip": "10.1.2.3"}
    record.update(overrides)
    return record


def _seed():
    now = utcnow()
    services.insert_direct(_record(at=(now - timedelta(days=3)).isoformat()))
    services.insert_direct(_record(at=(now - timedelta(days=2)).isoformat(), method="DELETE",
                                   status=403, outcome="denied", ip="10.9.9.9"))
    services.insert_direct(_record(at=(now - timedelta(days=1)).isoformat(), action="export",
                                   method="GET", path_template="/api/v1/cases/export",
                                   path="/api/v1/cases/export", personal_data=True,
                                   username="wangwu", user_id=8))
    # A resident's record still on the stream: a search drains it first.
    services.push_stream(_record(actor_kind="resident", user_id=None, username=None,
                                 resident_id=5, path_template="/api/v1/polls/{poll_id}/votes",
                                 path="/api/v1/polls/1/votes"))


def _search(client, headers, **query):
    return client.get("/api/v1/audit/events", query_string=query, headers=headers)


def test_only_admins_and_supervisors_may_search(client):
    _seed()
    for role in ("admin", "supervisor"):
        token, _ = issue_api_token(make_user(role))
        assert _search(client, bearer(token)).status_code == 200, role
    for role in ("dispatcher", "handler", "moderator", "member"):
        token, _ = issue_api_token(make_user(role))
        response = _search(client, bearer(token))
        assert response.status_code == 403, role
        assert response.get_json()["code"] == "forbidden"
    _, resident_token = make_resident()
    assert _search(client, bearer(resident_token)).status_code == 403
    assert _search(client, {}).status_code == 401
    export = client.get("/api/v1/audit/events/export", headers=bearer(
        issue_api_token(make_user("dispatcher"))[0]))
    assert export.status_code == 403


def test_the_log_is_for_district_wide_staff_only(client):
    # Its rows (addresses, residents, every unit's staff) cannot be cut by unit: a town's
    # supervisor or admin is refused, with a reason.
    from tests.factories import make_district

    _seed()
    d = make_district()
    for role in ("admin", "supervisor"):
        token, _ = issue_api_token(make_user(role, unit_id=d.town.id))
        for url in ("/api/v1/audit/events", "/api/v1/audit/events/export"):
            response = client.get(url, headers=bearer(token))
            assert response.status_code == 403, (role, url)
            assert response.get_json()["code"] == "district_only"
            assert response.get_json()["message"] == "此功能仅限全区范围的工作人员使用"


def test_filters_newest_first_and_pages(client):
    admin = make_user("admin", username="root")
    token, _ = issue_api_token(admin)
    headers = bearer(token)
    _seed()
    body = _search(client, headers, path="/api/v1/").get_json()
    # The stream record was drained; the searches themselves are logged too (audit_search).
    assert body["total"] == 4
    assert [e["path"] for e in body["items"]] == [
        "/api/v1/polls/1/votes", "/api/v1/cases/export", "/api/v1/cases/3/assign",
        "/api/v1/cases/3/assign"]
    first = body["items"][0]
    assert first["actor_kind"] == "resident" and first["resident_id"] == 5
    assert first["actor_name"] == "群众" and first["at_local"]

    def paths(**query):
        items = _search(client, headers, **query).get_json()["items"]
        return [(e["method"], e["username"]) for e in items
                if e["action"] != "audit_search"]

    assert paths(username="WANGWU") == [("GET", "wangwu")]
    assert paths(user_id=7, method="delete") == [("DELETE", "lisi")]
    assert paths(outcome="denied") == [("DELETE", "lisi")]
    assert paths(personal_data="true") == [("GET", "wangwu")]
    assert paths(ip="10.9.9.9") == [("DELETE", "lisi")]
    assert len(paths(ip="10.")) == 4 and paths(ip="10.9.") == [("DELETE", "lisi")]
    assert paths(path="export") == [("GET", "wangwu")]
    assert paths(endpoint="dispatch.assign", method="POST") == [("POST", None),
                                                                ("POST", "lisi")]
    since = (utcnow() - timedelta(days=2, hours=1)).isoformat()
    until = (utcnow() - timedelta(hours=12)).isoformat()
    assert paths(since=since, until=until) == [("GET", "wangwu"), ("DELETE", "lisi")]
    bad = _search(client, headers, since=until, until=since)
    assert bad.status_code == 422 and "until" in bad.get_json()["errors"]
    page = _search(client, headers, action="write", per_page=2, page=2).get_json()
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["method"] == "POST" and page["items"][0]["username"] == "lisi"
    # Every search above is itself in the log.
    searches = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit_search")).all()
    assert len(searches) >= 10 and {s.user_id for s in searches} == {admin.id}


def test_audit_export_is_itself_audited_as_personal_data(client):
    supervisor = make_user("supervisor", username="jiandu")
    client.post("/api/v1/auth/login", json={"username": "jiandu", "password": PASSWORD})
    services.insert_direct(_record(username="=HYPERLINK(\"http://x\")"))
    token, _ = issue_api_token(supervisor)
    response = client.get("/api/v1/audit/events/export?format=csv", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "身份", "用户ID", "用户名"]
    assert {r[3] for r in rows[1:]} == {"jiandu", "'=HYPERLINK(\"http://x\")"}
    xlsx = client.get("/api/v1/audit/events/export?format=xlsx&action=login",
                      headers=bearer(token))
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][5] == "登录"
    exports = db.session.scalars(select(AuditEvent).where(
        AuditEvent.path_template == "/api/v1/audit/events/export")).all()
    assert [(e.user_id, e.method, e.personal_data, e.status) for e in exports] == [
        (supervisor.id, "GET", True, 200), (supervisor.id, "GET", True, 200)]
