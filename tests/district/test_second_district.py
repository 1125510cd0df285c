"""A second district, end to end: a made-up county imported into an empty database runs.

Nothing of the demo's 盐都区 exists: its units, sites, departments and staff all come from a
workbook of a few hundred rows. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.common.models import utcnow
from server.extensions import db
from server.people.accounts import create_admin
from server.sites.models import Department, Site, Unit
from tests.district.workbook_factory import county
from tests.factories import bearer, make_resident
from tests.sites.factories import decode, pdf_pages

ADMIN_PASSWORD = "Zq8-lantern-river"
BASE = "https://sl.example.cn"


@pytest.fixture
def prefix(app: Flask) -> Iterator[None]:
    saved = app.config.get("INTAKE_TRACKING_PREFIX")
    app.config["INTAKE_TRACKING_PREFIX"] = "QX"
    yield
    if saved is None:
        app.config.pop("INTAKE_TRACKING_PREFIX", None)
    else:
        app.config["INTAKE_TRACKING_PREFIX"] = saved


def sign_in(app: Flask, username: str, password: str, new: str | None = None) -> FlaskClient:
    """Sign in; with `new`, replace the temporary password first (as the console makes one)."""
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = body["csrf_token"]
    if new is not None:
        assert body["user"]["must_change_password"] is True
        changed = client.post("/api/v1/auth/password",
                              json={"current_password": password, "new_password": new})
        assert changed.status_code == 200, changed.get_json()
        client.environ_base["HTTP_X_CSRF_TOKEN"] = changed.get_json()["csrf_token"]
    return client


def test_a_made_up_county_runs_end_to_end(app: Flask, prefix: None):
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    create_admin("chief", "县政协管理员", ADMIN_PASSWORD)
    admin = sign_in(app, "chief", ADMIN_PASSWORD)
    workbook = county()
    assert 300 <= workbook.rows <= 600

    # -- import: a dry run counts, the import writes, a second import changes nothing ------
    def upload(dry_run: bool):
        return admin.post(f"/api/v1/district/import?dry_run={str(dry_run).lower()}",
                          data={"file": (io.BytesIO(workbook.xlsx()), "青溪县.xlsx")},
                          content_type="multipart/form-data")

    dry = upload(True)
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["sheets"]["单位"]["created"] == 211
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    done = upload(False)
    assert done.status_code == 200, done.get_json()
    result = done.get_json()
    assert result["sheets"]["点位"]["created"] == 210
    passwords = {c["username"]: c["temporary_password"] for c in result["credentials"]}
    assert len(passwords) == result["new_accounts"] == 33
    sheet = admin.get(result["credentials_url"])
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"
    assert admin.get(result["credentials_url"]).status_code == 404  # once only
    again = upload(False).get_json()
    assert all(c["created"] == c["updated"] == 0 for c in again["sheets"].values()), again
    assert again["credentials"] == []
    names = [u.name for u in db.session.scalars(select(Unit))]
    assert not [n for n in names if "盐都" in n or "龙冈" in n]
    assert db.session.scalar(select(Unit).where(Unit.parent_id.is_(None))).name == "青溪县"

    # -- posters print with the configured public address ---------------------------------
    town = db.session.scalar(select(Unit).where(Unit.code == "QX01"))
    batch = admin.get(f"/api/v1/units/{town.id}/posters.pdf")
    assert batch.status_code == 200, batch.get_json()
    codes = set(db.session.scalars(select(Site.code).join(Unit, Site.unit_id == Unit.id)
                                   .where(Unit.path.startswith(town.path))))
    printed = [text for page in pdf_pages(batch.data, 1.4) for text in decode(page)]
    assert len(printed) == len(codes) == 21
    assert {t.removeprefix(f"{BASE}/s/") for t in printed} == codes
    site = db.session.scalar(select(Site).join(Unit, Site.unit_id == Unit.id)
                             .where(Unit.code == "QX01001"))
    assert site.latitude is not None and site.longitude is not None

    # -- a resident scans and reports ------------------------------------------------------
    resident = app.test_client()
    page = resident.get(f"/s/{site.code}")
    assert page.status_code == 200
    page.close()
    token = resident.post("/api/v1/auth/guest").get_json()["token"]
    categories = resident.get("/api/v1/intake/categories", headers=bearer(token)).get_json()
    road = next(c for c in categories if c["name"] == "道路交通")
    report = resident.post("/api/v1/intake/opinions", headers=bearer(token), json={
        "site_code": site.code, "category_id": road["id"], "consent": True,
        "text": "村里通往镇上的路面塌陷了一大块，电动车晚上经过很危险，希望尽快修补。"})
    assert report.status_code == 201, report.get_json()
    tracking = report.get_json()["tracking_no"]
    assert tracking.startswith("QX")

    # -- dispatched (the routing table suggests the county's roads bureau), answered, rated --
    dispatcher = sign_in(app, "qx_dispatch", passwords["qx_dispatch"], "Dispatch-river-2027")
    case_id = dispatcher.get("/api/v1/cases").get_json()["items"][0]["id"]
    case = dispatcher.get(f"/api/v1/cases/{case_id}").get_json()
    roads = db.session.scalar(select(Department).where(Department.code == "QXJT"))
    assert case["suggestion"]["department_id"] == roads.id
    for action, body in (("accept", {}), ("assign", {"department_id": roads.id})):
        step = dispatcher.post(f"/api/v1/cases/{case_id}/{action}", json=body)
        assert step.status_code == 200, (action, step.get_json())
    handler = sign_in(app, "qx_jt", passwords["qx_jt"], "Handler-river-2027")
    for action, body in (("sign", {}), ("answer", {"text": "已安排施工队，三天内修补完毕。"})):
        step = handler.post(f"/api/v1/cases/{case_id}/{action}", json=body)
        assert step.status_code == 200, (action, step.get_json())
    rated = resident.post(f"/api/v1/intake/my/opinions/{tracking}/rating", headers=bearer(token),
                          json={"rating": "satisfied", "comment": "修得很快"})
    assert rated.status_code == 200, rated.get_json()

    # -- a meeting runs with a vote -----------------------------------------------------------
    moderator = sign_in(app, "qx01_3", passwords["qx01_3"], "Moderate-river-2027")
    meeting = moderator.post("/api/v1/meetings", json={
        "site_id": site.id, "title": "村道修补方案协商会", "online": True,
        "starts_at": (utcnow() - timedelta(minutes=5)).isoformat()})
    assert meeting.status_code == 201, meeting.get_json()
    meeting_id, code = meeting.get_json()["id"], meeting.get_json()["code"]
    for status in ("published", "in_session"):
        moved = moderator.post(f"/api/v1/meetings/{meeting_id}/status", json={"status": status})
        assert moved.status_code == 200, moved.get_json()
    poll = moderator.post(f"/api/v1/meetings/{meeting_id}/polls",
                          json={"title": "是否同意先修塌陷路段"}).get_json()
    assert moderator.post(f"/api/v1/polls/{poll['id']}/open").status_code == 200
    # An online consultation takes WeChat identities only (issue 15's ballot-stuffing rule).
    _voter, voter_token = make_resident(kind="wechat")
    checked = resident.post(f"/api/v1/m/{code}/checkin", headers=bearer(voter_token), json={})
    assert checked.status_code == 200, checked.get_json()
    yes = poll["options"][0]["id"]
    vote = resident.post(f"/api/v1/polls/{poll['id']}/votes", headers=bearer(voter_token),
                         json={"choices": [yes], "idempotency_key": "qx-vote-1"})
    assert vote.status_code == 200, vote.get_json()
    closed = moderator.post(f"/api/v1/polls/{poll['id']}/close").get_json()
    assert closed["result"]["ballots"] == 1, closed

    # -- the dashboard shows the new district ------------------------------------------------
    supervisor = sign_in(app, "qx_supervisor", passwords["qx_supervisor"],
                         "Supervise-river-2027")
    board = supervisor.get("/api/v1/evaluation/dashboard")
    assert board.status_code == 200, board.get_json()
    data = board.get_json()
    assert data["figures"]["unit"]["name"] == "青溪县"
    assert {c["unit"]["name"] for c in data["children"]} >= {"青石镇", "白沙镇"}
    figures = data["figures"]
    assert (figures["collected"], figures["solved"], figures["satisfied"]) == (1, 1, 1), figures
    assert figures["participants"] >= 1
