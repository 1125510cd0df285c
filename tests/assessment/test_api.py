"""The assessment API: scopes, weights over HTTP, the XLSX export read back."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from server.people.services import issue_api_token
from tests.factories import bearer, make_resident, make_user


def token(user: Any) -> dict[str, str]:
    return bearer(issue_api_token(user)[0])


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["name"] for r in response.get_json()["items"]]


def test_supervisor_sees_all_handler_own_department_town_staff_their_sites(
        world: Any, client: Any) -> None:
    supervisor = token(make_user("supervisor"))
    body = client.get("/api/v1/assessment/departments?year=2025", headers=supervisor)
    assert names(body) == ["民政局", "住建局", "农业农村局", "交通运输局", "水务局"]
    data = body.get_json()
    assert data["period"] == {"start": "2025-01-01", "end": "2025-12-31", "label": "2025年"}
    assert data["weights"] == {"sign_ontime": 20, "answer_ontime": 30, "resolution": 25,
                               "satisfaction": 25}
    assert "Σ" in data["formula"]
    a = data["items"][3]
    assert a["score"] == 41.7 and a["rank"] == 4

    handler = token(make_user("handler", department_id=world.dept_a.id))
    assert names(client.get("/api/v1/assessment/departments?year=2025", headers=handler)) \
        == ["交通运输局"]
    assert names(client.get("/api/v1/assessment/sites?year=2025", headers=handler)) == []

    town = token(make_user("dispatcher", unit_id=world.d.town.id))
    assert names(client.get("/api/v1/assessment/departments?year=2025", headers=town)) == []
    assert sorted(names(client.get("/api/v1/assessment/sites?year=2025", headers=town))) \
        == sorted([world.d.site_a.name, world.d.site_b.name])
    shortfall = client.get("/api/v1/assessment/demo-sites/shortfall?year=2025", headers=town)
    assert [s["name"] for s in shortfall.get_json()["sites"]] == [world.d.site_a.name]
    demo_only = client.get("/api/v1/assessment/sites?year=2025&demo_only=true",
                           headers=supervisor)
    assert sorted(names(demo_only)) == sorted([world.d.site_a.name, "新丰村示范点"])

    _resident, resident_token = make_resident()
    assert client.get("/api/v1/assessment/departments",
                      headers=bearer(resident_token)).status_code == 403
    assert client.get("/api/v1/assessment/departments").status_code == 401
    bad = client.get("/api/v1/assessment/sites?year=2025&quarter=1&month=2",
                     headers=supervisor)
    assert bad.status_code == 422 and bad.get_json()["code"] == "validation_failed"


def test_weights_over_http_change_the_ranking(world: Any, client: Any) -> None:
    admin = token(make_user("admin"))
    supervisor = token(make_user("supervisor"))
    settings = client.get("/api/v1/assessment/settings", headers=supervisor).get_json()
    assert {s["key"] for s in settings["settings"]} >= {"department.sign_ontime",
                                                        "site.demo_activities_per_year"}
    values = {"department.sign_ontime": 0, "department.answer_ontime": 0,
              "department.resolution": 100, "department.satisfaction": 0}
    denied = client.put("/api/v1/assessment/settings", json={"values": values},
                        headers=supervisor)
    assert denied.status_code == 403
    changed = client.put("/api/v1/assessment/settings", json={"values": values}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    body = client.get("/api/v1/assessment/departments?year=2025", headers=supervisor)
    assert names(body) == ["民政局", "交通运输局", "住建局", "农业农村局", "水务局"]
    assert body.get_json()["weights"]["resolution"] == 100
    bad = client.put("/api/v1/assessment/settings", json={"values": {"site.activities": -1}},
                     headers=admin)
    assert bad.status_code == 422 and "site.activities" in bad.get_json()["errors"]


def test_xlsx_export_reads_back(world: Any, client: Any) -> None:
    supervisor = token(make_user("supervisor"))
    response = client.get("/api/v1/assessment/export?year=2025", headers=supervisor)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["部门得分", "点位得分", "示范点活动", "计分公式"]
    depts = list(book["部门得分"].iter_rows(min_row=2, values_only=True))
    assert depts[0][:2] == ("排名", "名称") and depts[0][-3:] == ("扣分", "得分", "承办件数")
    rows = {r[1]: r for r in depts[1:]}
    assert rows["交通运输局"][0] == 4 and rows["交通运输局"][-2] == 41.7
    assert rows["交通运输局"][2:6] == (0.5714, 0.375, 0.3333, 0.6667)
    assert rows["交通运输局"][6] == 3            # redo count
    assert rows["水务局"][0] == "—" and rows["水务局"][-2] == "—"
    assert book["部门得分"].cell(row=3, column=3).number_format == "0.0%"
    sites = {r[1]: r for r in book["点位得分"].iter_rows(min_row=3, values_only=True)}
    assert sites[world.d.site_a.name][-3] == 60.8
    short = list(book["示范点活动"].iter_rows(min_row=3, values_only=True))
    assert {r[0]: r[4] for r in short} == {world.d.site_a.name: 1, "新丰村示范点": 4}
    formula = [r[0] for r in book["计分公式"].iter_rows(min_row=3, values_only=True)]
    assert formula[0] == "计分公式" and "部门：按时签收率 权重" in formula
