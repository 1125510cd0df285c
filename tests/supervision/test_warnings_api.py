"""The warnings list over HTTP: scope, colours, filters, counts, masked phones, sweep endpoint."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from server.dispatch import workflow
from server.supervision.sweep import sweep
from tests.dispatch.factories import make_opinion
from tests.supervision.conftest import sh


def _case(sv: Any, site: Any, dept: Any, created: Any, kind: str) -> Any:
    opinion = make_opinion(site, kind=kind, created_at=created.astimezone(UTC),
                           phone="13912345678")
    workflow.assign(opinion.id, sv.admin, department_id=dept.id)
    workflow.sign(opinion.id, sv.admin)
    return opinion


def test_warnings_are_scoped_coloured_and_filtered(sv: Any) -> None:
    # At Friday 2026-11-20 09:00: a 3-day case from Monday is red, a 5-day one from Monday
    # is blue (≈ 1.6 of 5.6 working days left), a 15-day one is fine.
    red = _case(sv, sv.d.site_a, sv.d.department, sh(2026, 11, 16, 10), "consult")
    blue = _case(sv, sv.d.site_c, sv.other_dept, sh(2026, 11, 16, 10), "help")
    _case(sv, sv.d.site_b, sv.d.department, sh(2026, 11, 16, 10), "suggestion")
    sweep(sh(2026, 11, 20, 9).astimezone(UTC))

    def get(user: Any, query: str = "") -> dict[str, Any]:
        res = sv.client.get(f"/api/v1/supervision/warnings{query}", headers=sv.auth(user))
        assert res.status_code == 200, res.get_json()
        return res.get_json()

    everything = get(sv.supervisor)
    assert everything["counts"] == {"blue": 1, "yellow": 0, "red": 1}
    assert [(w["opinion_id"], w["level"]) for w in everything["items"]] == [
        (red.id, "red"), (blue.id, "blue")]
    first = everything["items"][0]
    assert first["phone"] == "139****5678" and first["level_name"] == "红色预警"
    assert first["step_name"] == "答复" and first["overdue"] is True
    assert first["department_name"] == sv.d.department.name
    assert [w["opinion_id"] for w in get(sv.supervisor, "?level=blue")["items"]] == [blue.id]
    assert get(sv.supervisor, "?level=blue")["counts"] == {"blue": 1, "yellow": 0, "red": 1}
    town = get(sv.supervisor, f"?unit_id={sv.d.town.id}")
    assert [w["opinion_id"] for w in town["items"]] == [red.id]
    dept = get(sv.supervisor, f"?department_id={sv.other_dept.id}")
    assert [w["opinion_id"] for w in dept["items"]] == [blue.id]
    assert get(sv.supervisor, "?step=sign")["items"] == []
    # Handlers see their department's, a town supervisor their town's.
    assert [w["opinion_id"] for w in get(sv.handler)["items"]] == [red.id]
    assert [w["opinion_id"] for w in get(sv.other_handler)["items"]] == [blue.id]
    assert [w["opinion_id"] for w in get(sv.far_supervisor)["items"]] == [blue.id]
    counts = sv.client.get("/api/v1/supervision/warnings/counts", headers=sv.auth(sv.handler))
    assert counts.get_json() == {"blue": 0, "yellow": 0, "red": 1}
    assert sv.client.get("/api/v1/supervision/warnings").status_code == 401


def test_sweep_endpoint_is_for_supervisors_and_admins(sv: Any) -> None:
    res = sv.client.post("/api/v1/supervision/sweep", headers=sv.auth(sv.handler))
    assert res.status_code == 403
    res = sv.client.post("/api/v1/supervision/sweep", headers=sv.auth(sv.supervisor))
    assert res.status_code == 200 and set(res.get_json()["raised"]) == {"blue", "yellow", "red"}


def test_district_admins_set_a_department_head(sv: Any) -> None:
    path = f"/api/v1/supervision/departments/{sv.other_dept.id}/head"
    res = sv.client.put(path, json={"head_user_id": sv.other_handler.id},
                        headers=sv.auth(sv.supervisor))
    assert res.status_code == 403 and res.get_json()["code"] == "district_admin_only"
    res = sv.client.put(path, json={"head_user_id": 999999}, headers=sv.auth(sv.admin))
    assert res.status_code == 422
    res = sv.client.put(path, json={"head_user_id": sv.other_handler.id},
                        headers=sv.auth(sv.admin))
    assert res.status_code == 200 and res.get_json()["head_user_id"] == sv.other_handler.id
    res = sv.client.put(path, json={"head_user_id": None}, headers=sv.auth(sv.admin))
    assert res.get_json()["head_user_id"] is None
