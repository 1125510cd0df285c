"""The district's structure through the API: units, sites' codes and coordinates, departments."""

from __future__ import annotations

from flask import Flask

from server.dispatch.models import Case, RoutingRule
from server.extensions import db
from server.people.models import Grant
from server.sites.models import Department, Site, Unit
from tests.factories import login, make_district, make_user


def _admin(app: Flask, **scope):
    client = app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, make_user("admin", **scope))
    return client


def test_units_are_added_renamed_moved_and_retired_within_scope(app: Flask):
    d = make_district()
    town_admin = _admin(app, unit_id=d.town.id)
    added = town_admin.post("/api/v1/units", json={
        "code": "YD01099", "name": "新建村", "kind": "village", "parent_id": d.town.id,
        "population": 1800})
    assert added.status_code == 201, added.get_json()
    unit_id = added.get_json()["id"]
    elsewhere = town_admin.post("/api/v1/units", json={
        "code": "X2", "name": "外镇村", "kind": "village", "parent_id": d.other_town.id})
    assert elsewhere.status_code == 403
    renamed = town_admin.patch(f"/api/v1/units/{unit_id}",
                               json={"name": "新建社区", "kind": "community"})
    assert renamed.status_code == 200
    # Moving a village to another town needs scope over both: the district admin can.
    assert town_admin.patch(f"/api/v1/units/{unit_id}",
                            json={"parent_id": d.other_town.id}).status_code == 403
    district_admin = _admin(app)
    moved = district_admin.patch(f"/api/v1/units/{d.village_a.id}",
                                 json={"parent_id": d.other_town.id})
    assert moved.status_code == 200, moved.get_json()
    db.session.expire_all()
    assert db.session.get(Unit, d.village_a.id).path.startswith(d.other_town.path)
    # A unit with a site in use is not retired; an empty one is, and stays in the table.
    refused = district_admin.post(f"/api/v1/units/{d.village_a.id}/retire")
    assert refused.status_code == 409 and refused.get_json()["code"] == "unit_in_use"
    assert district_admin.post(f"/api/v1/units/{unit_id}/retire").status_code == 200
    listed = [u["id"] for u in district_admin.get(
        f"/api/v1/units?parent_id={d.town.id}").get_json()]
    assert unit_id not in listed
    assert db.session.get(Unit, unit_id) is not None


def test_site_coordinates_and_replacing_a_code(app: Flask):
    d = make_district()
    admin = _admin(app)
    patched = admin.patch(f"/api/v1/sites/{d.site_a.id}",
                          json={"latitude": 33.3475, "longitude": 120.163, "population": 2100})
    assert patched.status_code == 200
    assert (patched.get_json()["latitude"], patched.get_json()["population"]) == (33.3475, 2100)
    assert admin.patch(f"/api/v1/sites/{d.site_a.id}",
                       json={"latitude": 91}).status_code == 422
    old_code = d.site_a.code
    new = admin.post(f"/api/v1/sites/{d.site_a.id}/replace-code")
    assert new.status_code == 201, new.get_json()
    assert new.get_json()["code"] != old_code and new.get_json()["latitude"] == 33.3475
    page = app.test_client().get(f"/s/{old_code}")
    assert page.status_code == 200 and f'/s/{new.get_json()["code"]}' in page.get_data(True)
    page.close()


def test_departments_are_added_headed_and_merged(app: Flask):
    from tests.intake.factories import categories

    d = make_district()
    admin = _admin(app)
    added = admin.post("/api/v1/departments", json={"code": "SW", "name": "水务局"})
    assert added.status_code == 201
    target_id = added.get_json()["id"]
    head = make_user("handler", department_id=target_id)
    assert admin.patch(f"/api/v1/departments/{target_id}",
                       json={"head_user_id": head.id}).get_json()["head_user_id"] == head.id
    handler = make_user("handler", department_id=d.department.id)
    category = categories()["道路交通"]
    db.session.add(RoutingRule(category_id=category.id, unit_id=None,
                               department_id=d.department.id))
    db.session.commit()
    merged = admin.post(f"/api/v1/departments/{d.department.id}/merge",
                        json={"into_id": target_id})
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["grants_moved"] == 1
    db.session.expire_all()
    source = db.session.get(Department, d.department.id)
    assert source.active is False and source.merged_into_id == target_id
    assert db.session.get(Grant, handler.grants[0].id).department_id == target_id
    assert db.session.query(RoutingRule).one().department_id == target_id
    assert db.session.query(Case).count() == 0
    town_admin = _admin(app, unit_id=d.town.id)
    assert town_admin.post("/api/v1/departments", json={"code": "X", "name": "x"}
                           ).status_code == 403
    assert db.session.query(Site).count() == 3
