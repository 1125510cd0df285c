"""Sites within scopes; public codes; the public site view."""

from __future__ import annotations

import pytest

from server.extensions import db
from tests.factories import bearer, login, make_district, make_user


def _token(client, user):
    from tests.factories import PASSWORD

    return client.post("/api/v1/auth/tokens", json={"username": user.username,
                                                   "password": PASSWORD}).get_json()["token"]


def test_moderator_of_one_village_cannot_read_another_villages_site(client):
    d = make_district()
    moderator = make_user("moderator", unit_id=d.village_a.id)
    token = _token(client, moderator)
    own = client.get(f"/api/v1/sites/{d.site_a.id}", headers=bearer(token))
    other = client.get(f"/api/v1/sites/{d.site_b.id}", headers=bearer(token))
    assert own.status_code == 200 and own.get_json()["code"] == d.site_a.code
    assert other.status_code == 403
    assert other.get_json()["code"] == "out_of_scope"
    listed = client.get("/api/v1/sites", headers=bearer(token)).get_json()
    assert [s["code"] for s in listed["items"]] == [d.site_a.code]


def test_town_dispatcher_sees_the_towns_sites_only_and_creates_within_it(client):
    d = make_district()
    dispatcher = make_user("dispatcher", unit_id=d.town.id)
    token = _token(client, dispatcher)
    listed = client.get("/api/v1/sites", headers=bearer(token)).get_json()
    assert {s["code"] for s in listed["items"]} == {d.site_a.code, d.site_b.code}
    inside = client.post("/api/v1/sites", headers=bearer(token),
                         json={"name": "黄庄村二组议事点", "unit_id": d.village_a.id})
    outside = client.post("/api/v1/sites", headers=bearer(token),
                          json={"name": "越权点位", "unit_id": d.village_c.id})
    assert inside.status_code == 201
    assert inside.get_json()["unit_path"] == "龙冈镇 · 黄庄村"
    assert len(inside.get_json()["code"]) == 6
    assert outside.status_code == 403


def test_district_admin_sees_everything(client):
    d = make_district()
    token = _token(client, make_user("admin"))
    listed = client.get("/api/v1/sites", headers=bearer(token)).get_json()
    assert listed["total"] == 3
    in_town = client.get(f"/api/v1/sites?unit_id={d.other_town.id}",
                         headers=bearer(token)).get_json()
    assert [s["code"] for s in in_town["items"]] == [d.site_c.code]


def test_site_code_cannot_be_changed(client):
    d = make_district()
    token = _token(client, make_user("admin"))
    response = client.patch(f"/api/v1/sites/{d.site_a.id}", headers=bearer(token),
                            json={"code": "ABCDEF"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"code": ["不允许的字段"]}
    with pytest.raises(ValueError):
        d.site_a.code = "ABCDEF"
    db.session.rollback()


def test_public_site_view_by_code_has_no_internal_fields(client):
    d = make_district()
    response = client.get(f"/api/v1/public/sites/{d.site_a.code.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "黄庄村协商议事室" and body["unit_path"] == "龙冈镇 · 黄庄村"
    assert "contact_phone" not in body and "id" not in body
    missing = client.get("/api/v1/public/sites/ZZZZZZ")
    assert missing.status_code == 404
    assert missing.get_json()["message"].startswith("找不到")


def test_handler_role_cannot_create_sites(client):
    d = make_district()
    handler = make_user("handler", department_id=d.department.id)
    csrf = login(client, handler)
    response = client.post("/api/v1/sites", headers={"X-CSRF-Token": csrf},
                           json={"name": "x", "unit_id": d.village_a.id})
    assert response.status_code == 403
