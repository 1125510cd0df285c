"""Subscribe-message consent: recorded per template, and only accepted templates are sent,
one message per 允许, as WeChat counts one-time subscriptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.notify import services
from server.notify.models import Notification, Subscription
from server.people.services import issue_api_token
from tests.dispatch.factories import make_opinion
from tests.factories import bearer
from tests.notify.factories import consent, wechat_resident

ANSWER = "路灯已于本周全部更换完毕，感谢您的反映和监督"


def sends(wechat: Any, openid: str) -> list[str]:
    return [c["template_id"] for c in wechat.calls
            if c["path"] == "subscribe_send" and c["touser"] == openid]


def credits(resident_id: int) -> dict[str, int]:
    return {s.template_id: s.credits for s in db.session.scalars(
        select(Subscription).where(Subscription.resident_id == resident_id))}


def answer_case(world: Any, opinion_id: int, text: str = ANSWER) -> None:
    workflow.assign(opinion_id, world.dispatcher, department_id=world.d.department.id)
    workflow.sign(opinion_id, world.handler)
    workflow.answer(opinion_id, world.handler, text)


def test_consent_is_recorded_per_template_and_read_back(client: Any) -> None:
    resident, token = wechat_resident("o-consent")
    answer = consent(client, token, TPL_CASE_ACCEPTED="reject", TPL_CASE_ANSWERED="accept")
    by_event = {s["event"]: s for s in answer}
    assert set(by_event) == {"accepted", "answered", "meeting_published"}
    assert by_event["answered"] == {"event": "answered", "event_name": "已答复",
                                    "template_id": "TPL_CASE_ANSWERED", "credits": 1,
                                    "last_result": "accept"}
    assert by_event["accepted"]["credits"] == 0
    assert by_event["accepted"]["last_result"] == "reject"
    # Each 允许 of a one-time template is one more message; a later 拒绝 keeps them.
    consent(client, token, TPL_CASE_ANSWERED="accept")
    consent(client, token, TPL_CASE_ANSWERED="reject")
    mine = client.get("/api/v1/notify/subscriptions", headers=bearer(token)).get_json()
    assert {s["event"]: s["credits"] for s in mine} == {
        "accepted": 0, "answered": 2, "meeting_published": 0}
    # Turned off in WeChat's settings (ban): nothing more can be sent.
    consent(client, token, TPL_CASE_ANSWERED="ban")
    assert credits(resident.id) == {"TPL_CASE_ACCEPTED": 0, "TPL_CASE_ANSWERED": 0}


def test_bad_consent_is_refused_whole(client: Any, world: Any) -> None:
    resident, token = wechat_resident("o-stale-config")
    unknown = client.post("/api/v1/notify/subscriptions", headers=bearer(token), json={
        "results": {"TPL_CASE_ANSWERED": "accept", "OLD-TEMPLATE": "accept"}})
    assert unknown.status_code == 422
    body = unknown.get_json()
    assert body["code"] == "validation_failed" and "OLD-TEMPLATE" in body["errors"]["results"]
    assert credits(resident.id) == {}, "nothing is half-written"
    bad_value = client.post("/api/v1/notify/subscriptions", headers=bearer(token),
                            json={"results": {"TPL_CASE_ANSWERED": "yes"}})
    assert bad_value.status_code == 422
    empty = client.post("/api/v1/notify/subscriptions", headers=bearer(token),
                        json={"results": {}})
    assert empty.status_code == 422
    # A phone browser (guest) cannot receive WeChat messages at all.
    guest = client.post("/api/v1/notify/subscriptions", headers=bearer(world.resident_token),
                        json={"results": {"TPL_CASE_ANSWERED": "accept"}})
    assert guest.status_code == 409 and guest.get_json()["code"] == "wechat_only"
    assert client.post("/api/v1/notify/subscriptions",
                       json={"results": {"TPL_CASE_ANSWERED": "accept"}}).status_code == 401


def test_only_the_accepted_template_is_sent_once_per_acceptance(world: Any, wechat: Any,
                                                                client: Any) -> None:
    resident, token = wechat_resident("o-answer-only")
    consent(client, token, TPL_CASE_ACCEPTED="reject", TPL_CASE_ANSWERED="accept")
    o = make_opinion(world.d.site_a, resident_id=resident.id)
    workflow.accept(o.id, world.dispatcher)
    assert sends(wechat, "o-answer-only") == []
    answer_case(world, o.id)
    assert sends(wechat, "o-answer-only") == ["TPL_CASE_ANSWERED"]
    assert credits(resident.id)["TPL_CASE_ANSWERED"] == 0
    # Unhappy, redone, answered again: the one acceptance is used up, so no second message;
    # the inbox still tells the resident.
    workflow.rate(o.id, resident, "unsatisfied", "还是不亮")
    workflow.answer(o.id, world.handler, "已再次检修，全部亮了")
    assert sends(wechat, "o-answer-only") == ["TPL_CASE_ANSWERED"]
    inbox = client.get("/api/v1/notifications/mine", headers=bearer(token)).get_json()
    assert [m["event"] for m in inbox] == ["answered", "answered", "accepted"]
    rows = db.session.scalars(select(Notification).where(Notification.channel == "wechat"))
    assert [(r.event, r.status) for r in rows] == [("answered", "sent")]


def test_a_refused_send_drops_the_credits_and_a_final_failure_gives_one_back(
        world: Any, wechat: Any, client: Any, app: Any) -> None:
    refuser, refuser_token = wechat_resident("o-refuses")  # the fake answers 43101
    consent(client, refuser_token, TPL_CASE_ACCEPTED="accept")
    consent(client, refuser_token, TPL_CASE_ACCEPTED="accept")
    workflow.accept(make_opinion(world.d.site_a, resident_id=refuser.id).id, world.dispatcher)
    assert credits(refuser.id)["TPL_CASE_ACCEPTED"] == 0, "WeChat says there are none"

    flaky, flaky_token = wechat_resident("o-unlucky")
    consent(client, flaky_token, TPL_CASE_ACCEPTED="accept")
    good_base = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        workflow.accept(make_opinion(world.d.site_a, resident_id=flaky.id).id,
                        world.dispatcher)
        assert credits(flaky.id)["TPL_CASE_ACCEPTED"] == 0, "taken while the send is queued"
        now = utcnow()
        for _attempt in range(services.MAX_ATTEMPTS):
            now += timedelta(hours=3)
            services.deliver_due(now=now)
        row = db.session.scalars(select(Notification).where(
            Notification.resident_id == flaky.id, Notification.channel == "wechat")).one()
        assert row.status == "failed" and row.attempts == services.MAX_ATTEMPTS
    finally:
        app.config["WECHAT_API_BASE"] = good_base
    db.session.expire_all()
    assert credits(flaky.id)["TPL_CASE_ACCEPTED"] == 1, "never sent, so never used"
    # The admin's retry uses that credit; a second retry has none left and sends nothing.
    admin = bearer(issue_api_token(world.admin)[0])
    retried = client.post(f"/api/v1/notify/outbox/{row.id}/retry", headers=admin).get_json()
    assert retried["status"] == "sent"
    assert sends(wechat, "o-unlucky") == ["TPL_CASE_ACCEPTED"]
    refused_row = db.session.scalars(select(Notification).where(
        Notification.resident_id == refuser.id, Notification.channel == "wechat")).one()
    again = client.post(f"/api/v1/notify/outbox/{refused_row.id}/retry", headers=admin)
    assert again.get_json()["status"] == "failed"
    assert "没有可用的订阅" in again.get_json()["last_error"]
    assert sends(wechat, "o-refuses") == ["TPL_CASE_ACCEPTED"]  # the first, refused, try only
