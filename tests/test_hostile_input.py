"""Hostile input: refused at the door in the one error shape, nothing stored, nothing 500s."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from server.audit import services as audit_services
from server.audit.models import AuditEvent
from server.common.tables import table_file
from server.intake.models import Opinion
from tests.factories import bearer, login, make_district, make_resident, make_user
from tests.intake.factories import categories, report

SHAPE = {"code", "status", "message", "errors"}


def assert_shape(response, status: int | tuple[int, ...]) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    assert response.is_json, response.data[:300]
    body = response.get_json()
    assert set(body) == SHAPE and isinstance(body["errors"], dict), body
    return body


def raw_post(client, path: str, text: str, headers: dict | None = None):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", headers=headers or {})


def opinions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Opinion))


def test_lone_surrogate_in_a_report_is_400_and_the_audit_log_stays_readable(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    body = json.dumps({"site_code": d.site_a.code, "category_id": cats["其他"].id,
                       "text": "路灯坏了\ud800"})  # json.dumps writes the escape \ud800
    assert "\\ud800" in body
    response = raw_post(client, "/api/v1/intake/opinions", body, bearer(token))
    assert assert_shape(response, 400)["code"] == "invalid_unicode"
    assert opinions(db) == 0
    # A login with the same character: refused alike, and audited without it.
    response = raw_post(client, "/api/v1/auth/login",
                        json.dumps({"username": "ad\ud800min", "password": "x"}))
    assert assert_shape(response, 400)["code"] == "invalid_unicode"
    admin = make_user("admin")
    login(client, admin)
    events = client.get("/api/v1/audit/events?per_page=100")
    assert events.status_code == 200, events.data[:300]
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/api/v1/audit/events/export?format={fmt}")
        assert export.status_code == 200, (fmt, export.data[:300])
    audit_services.drain()
    rows = db.session.scalars(select(AuditEvent)).all()
    resident_rows = [r for r in rows if r.path == "/api/v1/intake/opinions"]
    assert resident_rows and resident_rows[0].status == 400  # recorded, not lost
    for row in rows:
        json.dumps(row.summary, ensure_ascii=False).encode("utf-8")
        (row.username or "").encode("utf-8")


def test_surrogate_in_a_key_and_escaped_in_nested_lists_is_refused(client, db):
    admin = make_user("admin")
    csrf = login(client, admin)
    response = raw_post(client, "/api/v1/auth/tokens",
                        '{"name": ["a", {"\\udfff": 1}]}', {"X-CSRF-Token": csrf})
    assert assert_shape(response, 400)["code"] == "invalid_unicode"


@pytest.mark.parametrize("char", ["\u0001", "\u000b", "\u001f", "\u007f", "\u0000"])
def test_control_characters_in_a_report_are_refused_per_field(client, db, char):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    response = report(client, token, d.site_a.code, cats["其他"], text=f"路灯{char}坏了")
    body = assert_shape(response, 422)
    assert "text" in body["errors"], body
    assert opinions(db) == 0


def test_line_breaks_and_tabs_are_kept(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    response = report(client, token, d.site_a.code, cats["其他"], text="第一行\n第二行\t完\r\n")
    assert response.status_code == 201, response.get_json()


def test_xlsx_export_drops_what_a_workbook_cannot_hold():
    body, _mimetype, _name = table_file(["文字"], [["a\u0001b\u000bc\ud800d"], ["=1+1"]],
                                        "xlsx", "表", "x")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value == "abc?d" and sheet["A3"].value == "'=1+1"


def test_deeply_nested_json_is_400_everywhere_including_the_vote_fast_path(client, db, app):
    _resident, token = make_resident()
    deep = "[" * 1000 + "]" * 1000
    medium = '{"a":' * 100 + "1" + "}" * 100
    for path in ("/api/v1/intake/opinions", "/api/v1/polls/1/votes", "/api/v1/auth/login",
                 "/api/v1/intake/similar"):
        for body in (deep, medium):
            response = raw_post(client, path, body, bearer(token))
            body = assert_shape(response, 400)
            assert body["code"] == "bad_request" and "json" in body["errors"], (path, body)
    assert app.config["VOTE_FAST_PATH"] is True


def test_ids_beyond_a_database_integer_are_not_found(client, db):
    admin = make_user("admin")
    login(client, admin)
    for value in (2**63, 2**63 + 5, 2**31, 10**30):
        response = client.get(f"/api/v1/intake/photos/{value}")
        assert assert_shape(response, 404)
        response = client.get(f"/api/v1/cases/{value}")
        assert_shape(response, 404)


def test_floats_and_huge_numbers_where_integers_are_declared_are_422(client, db):
    d = make_district()
    _resident, token = make_resident()
    for value in (0.5, 1e-300, 1e300, 2**63, 3.0, True):
        response = client.post("/api/v1/intake/opinions", headers=bearer(token), json={
            "site_code": d.site_a.code, "category_id": value, "text": "路灯坏了"})
        body = assert_shape(response, 422)
        assert "category_id" in body["errors"], (value, body)
    assert opinions(db) == 0
    response = raw_post(client, "/api/v1/intake/opinions", '{"category_id": 1' + "0" * 5000
                        + "}", bearer(token))
    assert_shape(response, 400)
    response = raw_post(client, "/api/v1/intake/opinions", '{"category_id": NaN}',
                        bearer(token))
    assert_shape(response, 400)


def test_calendar_years_outside_the_calendar_are_not_500(client, db):
    admin = make_user("admin")
    login(client, admin)
    for year in (0, 10000, 99999999999):
        assert_shape(client.get(f"/api/v1/dispatch/calendar/{year}"), (404, 422))


def test_open311_dates_past_the_last_year_are_400(client, db):
    response = client.get("/open311/v2/requests.json?start_date=9999-12-31T23:59:59-23:59")
    assert response.status_code == 400, response.data[:300]


def test_logout_with_a_resident_token_is_not_500(client, db):
    _resident, token = make_resident()
    response = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 200, response.data[:300]


def test_per_page_must_be_positive(client, db):
    admin = make_user("admin")
    login(client, admin)
    for path in ("/api/v1/cases", "/api/v1/audit/events", "/api/v1/sites"):
        for value in ("-1", "0", "100000", "1.5"):
            body = assert_shape(client.get(f"{path}?per_page={value}"), 422)
            assert "per_page" in body["errors"], (path, body)


def test_invalid_json_errors_are_an_object(client, db):
    response = raw_post(client, "/api/v1/auth/login", "{not json")
    body = assert_shape(response, 400)
    assert body["errors"] == {"json": ["格式不正确"]}


def test_a_long_address_is_414_in_the_one_shape(client, db):
    response = client.get("/api/v1/intake/categories?q=" + "a" * 9000)
    assert assert_shape(response, 414)["code"] == "uri_too_long"


def test_bad_bytes_and_controls_in_query_and_path_are_400(client, db):
    for url in ("/api/v1/intake/categories?q=%ED%A0%80", "/api/v1/intake/categories?q=%FF",
                "/api/v1/intake/categories?q=a%00b", "/api/v1/intake/sites/a%01b/overview"):
        assert assert_shape(client.get(url), 400)["code"] == "invalid_unicode", url
    # A server hands the raw path bytes over as latin-1 (the test client would decode them).
    for raw in (b"/api/v1/intake/sites/\xed\xa0\x80/overview", b"/api/v1/intake/sites/\xff/x"):
        response = client.get("/", environ_overrides={"PATH_INFO": raw.decode("latin-1")})
        assert assert_shape(response, 400)["code"] == "invalid_unicode", raw


def test_werkzeug_errors_are_json(client, db):
    assert_shape(client.get("/api/v1/nothing-here"), 404)
    assert_shape(client.delete("/api/v1/intake/categories"), 405)
