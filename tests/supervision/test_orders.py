"""Supervision orders (督办) over HTTP: the flow, the timelines, who may do what, warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.intake.models import OpinionEvent
from server.notify.models import Notification
from server.supervision.models import OrderEvent, OrderHistoryIsAppendOnly
from server.supervision.sweep import sweep
from tests.dispatch.factories import make_opinion


def _assigned_case(sv: Any) -> Any:
    opinion = make_opinion(sv.d.site_a, kind="complaint")
    workflow.assign(opinion.id, sv.dispatcher, department_id=sv.d.department.id)
    return opinion


def _post(sv: Any, path: str, user: Any, body: dict[str, Any]) -> Any:
    return sv.client.post(f"/api/v1/supervision{path}", json=body, headers=sv.auth(user))


def _inbox(user: Any, event: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.event == event)))


def test_order_on_a_case_issue_respond_escalate_close(sv: Any) -> None:
    case = _assigned_case(sv)
    res = _post(sv, "/orders", sv.supervisor, {
        "target_kind": "case", "tracking_no": case.tracking_no,
        "demand": "请三个工作日内答复群众", "due_days": 3})
    assert res.status_code == 201, res.get_json()
    order = res.get_json()
    assert order["status"] == "issued" and order["target_name"] == f"案件 {case.tracking_no}"
    assert order["actions"] == ["escalate", "close"]
    assert len(_inbox(sv.handler, "order")) == 1 and _inbox(sv.other_handler, "order") == []

    # Only the case's handlers answer an order; another department cannot even read it.
    assert _post(sv, f"/orders/{order['id']}/respond", sv.other_handler,
                 {"text": "收到"}).status_code == 403
    res = _post(sv, f"/orders/{order['id']}/respond", sv.supervisor, {"text": "收到"})
    assert res.status_code == 403 and res.get_json()["code"] == "not_receiver"
    assert res.get_json()["message"] == "只有被督办单位可以回复督办"
    res = _post(sv, f"/orders/{order['id']}/respond", sv.handler, {"text": "已安排人员现场处理"})
    assert res.status_code == 200 and res.get_json()["status"] == "responded"
    assert len(_inbox(sv.supervisor, "order_reply")) == 1

    assert _post(sv, f"/orders/{order['id']}/escalate", sv.handler,
                 {"note": "x"}).status_code == 403
    res = _post(sv, f"/orders/{order['id']}/escalate", sv.supervisor,
                {"note": "回复未落实，升级督办", "due_days": 2})
    assert res.status_code == 200
    body = res.get_json()
    assert body["status"] == "escalated" and body["escalations"] == 1
    assert body["due_at"] != order["due_at"]
    assert len(_inbox(sv.head, "order_escalated")) == 1

    res = _post(sv, f"/orders/{order['id']}/close", sv.supervisor, {"note": "已落实"})
    assert res.status_code == 200 and res.get_json()["status"] == "closed"
    res = _post(sv, f"/orders/{order['id']}/respond", sv.handler, {"text": "再补充"})
    assert res.status_code == 409 and res.get_json()["code"] == "order_closed"
    assert res.get_json()["message"] == "督办已办结，不能督办回复"
    assert _post(sv, f"/orders/{order['id']}/close", sv.supervisor, {}).status_code == 409

    detail = sv.client.get(f"/api/v1/supervision/orders/{order['id']}",
                           headers=sv.auth(sv.handler)).get_json()
    assert [e["action"] for e in detail["timeline"]] == ["issue", "respond", "escalate", "close"]
    assert detail["timeline"][2]["note"] == "回复未落实，升级督办"
    # The case's own timeline shows the order, the response and the escalation.
    actions = [e.action for e in db.session.scalars(select(OpinionEvent).where(
        OpinionEvent.opinion_id == case.id).order_by(OpinionEvent.id))]
    assert actions[-4:] == ["supervise", "supervise_respond", "supervise_escalate",
                            "supervise_close"]
    case_page = sv.client.get(f"/api/v1/cases/{case.id}", headers=sv.auth(sv.handler))
    names = [e["action_name"] for e in case_page.get_json()["timeline"]]
    assert "督办" in names and "督办回复" in names
    event = db.session.scalar(select(OrderEvent).limit(1))
    event.note = "改写"
    try:
        db.session.flush()
        raise AssertionError("order events must be append-only")
    except OrderHistoryIsAppendOnly:
        db.session.rollback()


def test_who_may_issue_and_what_is_refused(sv: Any) -> None:
    case = _assigned_case(sv)
    body = {"target_kind": "case", "target_id": case.id, "demand": "请尽快办理",
            "due_days": 3}
    res = _post(sv, "/orders", sv.handler, body)
    assert res.status_code == 403 and res.get_json()["code"] == "supervisor_only"
    res = _post(sv, "/orders", sv.far_supervisor, body)
    assert res.status_code == 403 and res.get_json()["code"] == "out_of_scope"
    assert res.get_json()["message"] == "督办对象不在您的管辖范围内"
    res = _post(sv, "/orders", sv.supervisor, {**body, "due_date": "2026-12-31"})
    assert res.status_code == 422
    res = _post(sv, "/orders", sv.supervisor, {**body, "due_days": None})
    assert res.status_code == 422
    res = _post(sv, "/orders", sv.supervisor, {**body, "target_id": 999999})
    assert res.status_code == 404 and res.get_json()["code"] == "case_not_found"
    workflow.sign(case.id, sv.handler)
    workflow.answer(case.id, sv.handler, "已处理")
    res = _post(sv, "/orders", sv.supervisor, body)
    assert res.status_code == 409 and res.get_json()["code"] == "case_not_open"
    assert "已答复" in res.get_json()["message"]


def test_orders_on_a_department_and_a_site(sv: Any) -> None:
    res = _post(sv, "/orders", sv.supervisor, {
        "target_kind": "department", "target_id": sv.d.department.id,
        "demand": "请说明本月超期原因", "due_days": 5})
    assert res.status_code == 201
    dept_order = res.get_json()
    # The far supervisor covers one town only, not a district department.
    res = _post(sv, "/orders", sv.far_supervisor, {
        "target_kind": "department", "target_id": sv.d.department.id, "demand": "x",
        "due_days": 5})
    assert res.status_code == 403
    res = _post(sv, "/orders", sv.supervisor, {
        "target_kind": "site", "site_code": sv.d.site_a.code,
        "demand": "请本月组织一次协商议事活动", "due_date": "2099-01-31"})
    assert res.status_code == 201
    site_order = res.get_json()
    assert len(_inbox(sv.moderator, "order")) == 1
    assert len(_inbox(sv.dispatcher, "order")) == 1  # the town's dispatcher covers the site
    assert _inbox(sv.far_dispatcher, "order") == []

    assert _post(sv, f"/orders/{site_order['id']}/respond", sv.far_dispatcher,
                 {"text": "x"}).status_code == 403
    assert _post(sv, f"/orders/{site_order['id']}/respond", sv.moderator,
                 {"text": "已排期，12 月 10 日开展"}).status_code == 200
    assert _post(sv, f"/orders/{dept_order['id']}/respond", sv.handler,
                 {"text": "已形成整改清单"}).status_code == 200

    def listed(user: Any) -> list[int]:
        res = sv.client.get("/api/v1/supervision/orders", headers=sv.auth(user))
        return [o["id"] for o in res.get_json()["items"]]

    assert listed(sv.supervisor) == [site_order["id"], dept_order["id"]]
    assert listed(sv.handler) == [dept_order["id"]]
    assert listed(sv.moderator) == [site_order["id"]]
    assert listed(sv.other_handler) == [] and listed(sv.far_supervisor) == []


def test_orders_have_their_own_overdue_warnings(sv: Any) -> None:
    res = _post(sv, "/orders", sv.supervisor, {
        "target_kind": "department", "target_id": sv.d.department.id,
        "demand": "请说明本月超期原因", "due_days": 1})
    order = res.get_json()
    later = utcnow() + timedelta(days=15)
    assert sweep(later).raised["red"] == 1
    assert sweep(later).raised["red"] == 0
    red = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.event == "warn_red"))}
    assert red == {sv.handler.id, sv.head.id, sv.supervisor.id}
    listed = sv.client.get("/api/v1/supervision/orders", headers=sv.auth(sv.supervisor))
    assert listed.get_json()["items"][0]["level"] == "red"
    warnings = sv.client.get("/api/v1/supervision/warnings?step=order",
                             headers=sv.auth(sv.handler)).get_json()
    assert [w["order_id"] for w in warnings["items"]] == [order["id"]]
    detail = sv.client.get(f"/api/v1/supervision/orders/{order['id']}",
                           headers=sv.auth(sv.supervisor)).get_json()
    assert [e["action"] for e in detail["timeline"]] == ["issue", "warn"]
    _post(sv, f"/orders/{order['id']}/respond", sv.handler, {"text": "已说明"})
    warnings = sv.client.get("/api/v1/supervision/warnings",
                             headers=sv.auth(sv.supervisor)).get_json()
    assert warnings["items"] == [] and warnings["counts"]["red"] == 0
