"""Who may do what: the role × action matrix over HTTP, list scopes, masked exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from server.dispatch import workflow
from server.dispatch.models import ExportLog
from server.extensions import db
from server.intake.models import OpinionEvent
from server.people.services import issue_api_token
from tests.dispatch.factories import make_opinion
from tests.factories import bearer

ROLES = ["dispatcher", "far_dispatcher", "handler", "other_handler", "member", "supervisor",
         "admin", "resident"]
ACTIONS = ["view", "accept", "decline", "assign", "reassign", "return", "sign", "start",
           "answer", "request_extension", "approve_extension", "refuse_extension", "merge",
           "void"]
D = {"dispatcher", "admin"}
A = {"handler", "admin"}
ALLOWED = {
    "view": {"dispatcher", "handler", "supervisor", "admin"},
    "accept": D, "decline": D, "assign": D, "reassign": D, "merge": D,
    "approve_extension": D, "refuse_extension": D,
    "return": A, "sign": A, "start": A, "answer": A, "request_extension": A,
    "void": {"admin"},
}
# The state each action is tried from.
SETUP = {"view": "assigned", "accept": "received", "decline": "received",
         "assign": "received", "reassign": "assigned", "return": "assigned",
         "sign": "assigned", "start": "signed", "answer": "in_progress",
         "request_extension": "in_progress", "approve_extension": "pending",
         "refuse_extension": "pending", "merge": "received", "void": "assigned"}


def _prepare(w: Any, state: str) -> int:
    o = make_opinion(w.d.site_a, resident_id=w.resident.id)
    a = w.admin
    steps = ["assigned", "signed", "in_progress", "pending"]
    if state in steps:
        workflow.assign(o.id, a, department_id=w.d.department.id)
    if steps.index(state) >= 1 if state in steps else False:
        workflow.sign(o.id, a)
    if state in {"in_progress", "pending"}:
        workflow.start(o.id, a)
    if state == "pending":
        workflow.request_extension(o.id, a, 2, "需要时间")
    return o.id


def _request(client: Any, w: Any, action: str, case_id: int, headers: dict[str, str]) -> Any:
    if action == "view":
        return client.get(f"/api/v1/cases/{case_id}", headers=headers)
    body: dict[str, Any] = {
        "decline": {"reason": "不属于受理范围"}, "return": {"reason": "非本部门职责"},
        "void": {"reason": "测试"}, "answer": {"text": "已处理"},
        "assign": {"department_id": w.d.department.id},
        "reassign": {"department_id": w.other_dept.id},
        "request_extension": {"days": 2, "reason": "需要时间"},
        "merge": {"into_id": make_opinion(w.d.site_a).id},
    }.get(action, {})
    path = action.replace("_", "-")
    return client.post(f"/api/v1/cases/{case_id}/{path}", json=body, headers=headers)


@pytest.fixture
def tokens(world: Any) -> dict[str, dict[str, str]]:
    result = {role: bearer(issue_api_token(getattr(world, role))[0])
              for role in ROLES if role != "resident"}
    result["resident"] = bearer(world.resident_token)
    return result


@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_matrix(world: Any, client: Any, tokens: Any, action: str) -> None:
    outcome = {}
    for role in ROLES:
        case_id = _prepare(world, SETUP[action])
        response = _request(client, world, action, case_id, tokens[role])
        outcome[role] = response.status_code
        if role in ALLOWED[action]:
            assert response.status_code == 200, (role, action, response.get_json())
            if action != "view":
                last = db.session.query(OpinionEvent).filter_by(opinion_id=case_id) \
                    .order_by(OpinionEvent.id.desc()).first()
                assert last is not None and last.action == action
                assert last.actor_user_id == getattr(world, role).id
        else:
            assert response.status_code == 403, (role, action, response.get_json())
            assert response.get_json()["code"] in {"out_of_scope", "action_forbidden",
                                                   "staff_only"}
    assert {r for r, s in outcome.items() if s == 200} == ALLOWED[action]


def test_members_act_only_on_cases_assigned_to_them(world: Any, client: Any,
                                                     tokens: Any) -> None:
    mine = make_opinion(world.d.site_a)
    workflow.assign(mine.id, world.dispatcher, member_user_id=world.member.id)
    other = make_opinion(world.d.site_a)
    workflow.assign(other.id, world.dispatcher, department_id=world.d.department.id)
    listed = client.get("/api/v1/cases", headers=tokens["member"]).get_json()
    assert [c["id"] for c in listed["items"]] == [mine.id]
    assert client.post(f"/api/v1/cases/{mine.id}/sign", json={},
                       headers=tokens["member"]).status_code == 200
    assert client.post(f"/api/v1/cases/{other.id}/sign", json={},
                       headers=tokens["member"]).status_code == 403


def test_lists_are_scoped_per_role(world: Any, client: Any, tokens: Any) -> None:
    w = world
    a = make_opinion(w.d.site_a)   # 龙冈镇, assigned to the department
    b = make_opinion(w.d.site_b)   # 龙冈镇, new
    c = make_opinion(w.d.site_c)   # 大冈镇, assigned to the other department, assisted
    workflow.assign(a.id, w.admin, department_id=w.d.department.id)
    workflow.assign(c.id, w.admin, department_id=w.other_dept.id,
                    assisting_department_ids=[w.d.department.id])

    def ids(role: str, query: str = "") -> set[int]:
        response = client.get(f"/api/v1/cases{query}", headers=tokens[role])
        assert response.status_code == 200, response.get_json()
        return {item["id"] for item in response.get_json()["items"]}

    assert ids("dispatcher") == {a.id, b.id}
    assert ids("far_dispatcher") == {c.id}
    assert ids("handler") == {a.id, c.id}  # lead on a, assisting on c
    assert ids("other_handler") == {c.id}
    assert ids("supervisor") == {a.id, b.id, c.id}
    assert ids("admin") == {a.id, b.id, c.id}
    assert ids("member") == set()
    assert ids("admin", "?state=received") == {b.id}
    assert ids("admin", f"?unit_id={w.d.other_town.id}") == {c.id}
    assert ids("admin", f"?department_id={w.other_dept.id}") == {c.id}
    assert client.get("/api/v1/cases", headers=tokens["resident"]).status_code == 403
    assert client.get("/api/v1/cases").status_code == 401
    # The assisting department reads the case but cannot act as its lead.
    detail = client.get(f"/api/v1/cases/{c.id}", headers=tokens["handler"]).get_json()
    assert detail["capacities"] == ["assist"] and detail["actions"] == []
    assert client.post(f"/api/v1/cases/{c.id}/sign", json={},
                       headers=tokens["handler"]).status_code == 403


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_masks_phones_without_the_right_role_and_is_logged(
        world: Any, client: Any, tokens: Any) -> None:
    make_opinion(world.d.site_a, phone="13812345678")
    make_opinion(world.d.site_b, phone="13987654321")
    # A supervisor reads everything in scope but may not see residents' phones.
    masked = client.get("/api/v1/cases/export?format=csv", headers=tokens["supervisor"])
    assert masked.status_code == 200
    assert masked.headers["Content-Disposition"].startswith("attachment")
    rows = _csv_rows(masked.data)
    phone_col = rows[0].index("联系电话")
    assert sorted(r[phone_col] for r in rows[1:]) == ["138****5678", "139****4321"]
    assert "13812345678" not in masked.data.decode("utf-8-sig")

    xlsx = client.get("/api/v1/cases/export?format=xlsx", headers=tokens["supervisor"])
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    col = values[0].index("联系电话")
    assert sorted(v[col] for v in values[1:]) == ["138****5678", "139****4321"]

    # The dispatcher of the town handles these residents and sees the numbers.
    full = client.get("/api/v1/cases/export?format=csv", headers=tokens["dispatcher"])
    rows = _csv_rows(full.data)
    assert sorted(r[phone_col] for r in rows[1:]) == ["13812345678", "13987654321"]

    logs = db.session.query(ExportLog).order_by(ExportLog.id).all()
    assert [(log.user_id, log.fmt, log.row_count, log.phones_masked) for log in logs] == [
        (world.supervisor.id, "csv", 2, True), (world.supervisor.id, "xlsx", 2, True),
        (world.dispatcher.id, "csv", 2, False)]
    listing = client.get("/api/v1/dispatch/exports", headers=tokens["admin"]).get_json()
    assert len(listing) == 3
    assert client.get("/api/v1/dispatch/exports",
                      headers=tokens["dispatcher"]).status_code == 403


def test_export_quotes_text_a_spreadsheet_would_run_as_a_formula(
        world: Any, client: Any, tokens: Any) -> None:
    make_opinion(world.d.site_a, text='=HYPERLINK("http://evil.example","点我")')
    rows = _csv_rows(client.get("/api/v1/cases/export?format=csv",
                                headers=tokens["dispatcher"]).data)
    text_col = rows[0].index("反映内容")
    assert rows[1][text_col] == "'" + '=HYPERLINK("http://evil.example","点我")'
    xlsx = client.get("/api/v1/cases/export?format=xlsx", headers=tokens["dispatcher"])
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][values[0].index("反映内容")].startswith("'=HYPERLINK")


def test_detail_masks_the_phone_for_supervisors(world: Any, client: Any, tokens: Any) -> None:
    o = make_opinion(world.d.site_a, phone="13812345678")
    seen = client.get(f"/api/v1/cases/{o.id}", headers=tokens["supervisor"]).get_json()
    assert seen["phone"] == "138****5678" and seen["phone_masked"] is True
    seen = client.get(f"/api/v1/cases/{o.id}", headers=tokens["dispatcher"]).get_json()
    assert seen["phone"] == "13812345678"
    # Each read of an unmasked number is in the audit log; the masked read is not.
    from server.audit.models import AuditEvent

    rows = db.session.query(AuditEvent).filter(AuditEvent.method == "GET").all()
    assert [(r.user_id, r.action, r.personal_data, r.path) for r in rows] == [
        (world.dispatcher.id, "view", True, f"/api/v1/cases/{o.id}")]
