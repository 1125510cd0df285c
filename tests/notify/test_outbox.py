"""The outbox: WeChat subscribe messages on accept/answer, limits, failures, retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.notify import services
from server.notify.models import Notification
from server.people.models import Resident
from server.people.services import issue_api_token, resident_token
from tests.dispatch.factories import make_opinion
from tests.factories import bearer
from tests.notify import factories

LONG_TEXT = "村东头的路灯坏了三个月了，晚上老人孩子出行很不安全，希望有关部门尽快来修一修"


def wechat_resident(client: Any, openid: str, *templates: str) -> Resident:
    """A mini-program resident who accepted each template once (both case templates unless
    told otherwise)."""
    resident, token = factories.wechat_resident(openid)
    for template in templates or ("TPL_CASE_ACCEPTED", "TPL_CASE_ANSWERED"):
        factories.consent(client, token, **{template: "accept"})
    return resident


def test_fit_value_respects_wechat_limits() -> None:
    assert len(services.fit_value("thing2", LONG_TEXT)) == 20
    assert services.fit_value("thing2", LONG_TEXT).endswith("…")
    assert services.fit_value("phrase3", "已受理") == "已受理"
    assert len(services.fit_value("phrase3", "正在处理中请稍候")) == 5
    assert services.fit_value("character_string1", "SL-20261001-0001号") == "SL-20261001-0001"
    assert services.fit_value("thing5", "") == "-"


def test_accept_and_answer_send_subscribe_messages(world: Any, wechat: Any,
                                                   client: Any) -> None:
    resident = wechat_resident(client, "o-happy-resident")
    o = make_opinion(world.d.site_a, resident_id=resident.id, text=LONG_TEXT)
    workflow.accept(o.id, world.dispatcher)
    sent = [c for c in wechat.calls if c["path"] == "subscribe_send"]
    assert len(sent) == 1
    body = sent[0]
    assert body["touser"] == "o-happy-resident"
    assert body["template_id"] == "TPL_CASE_ACCEPTED"
    assert body["data"]["phrase3"]["value"] == "已受理"
    assert len(body["data"]["thing5"]["value"]) <= 20
    assert body["data"]["character_string1"]["value"] == o.tracking_no
    workflow.assign(o.id, world.dispatcher, department_id=world.d.department.id)
    workflow.sign(o.id, world.handler)
    workflow.answer(o.id, world.handler, "路灯已于本周全部更换完毕，感谢您的反映和监督" * 2)
    sent = [c for c in wechat.calls if c["path"] == "subscribe_send"]
    assert len(sent) == 2 and sent[1]["template_id"] == "TPL_CASE_ANSWERED"
    assert len(sent[1]["data"]["thing3"]["value"]) <= 20
    rows = db.session.query(Notification).filter_by(channel="wechat").all()
    assert [r.status for r in rows] == ["sent", "sent"]
    # The resident sees both in "my reports".
    mine = client.get("/api/v1/notifications/mine",
                      headers=bearer(resident_token(resident))).get_json()
    assert [m["event"] for m in mine] == ["answered", "accepted"]
    assert mine[0]["opinion_id"] == o.id
    # The handler was told about the assignment.
    inbox = client.get("/api/v1/notifications",
                       headers=bearer(issue_api_token(world.handler)[0])).get_json()
    assert [m["event"] for m in inbox] == ["assigned"]


def test_refused_message_fails_visibly_without_retry(world: Any, wechat: Any,
                                                      client: Any) -> None:
    resident = wechat_resident(client, "o-refuses")
    o = make_opinion(world.d.site_a, resident_id=resident.id)
    accepted = workflow.accept(o.id, world.dispatcher)
    assert accepted.state == "accepted"  # the case moves on whatever WeChat says
    row = db.session.query(Notification).filter_by(channel="wechat").one()
    assert row.status == "failed" and row.last_error.startswith("43101")
    assert row.next_attempt_at is None
    admin = bearer(issue_api_token(world.admin)[0])
    failed = client.get("/api/v1/notify/outbox?status=failed", headers=admin).get_json()
    assert [f["id"] for f in failed] == [row.id]
    assert client.get("/api/v1/notify/outbox",
                      headers=bearer(issue_api_token(world.dispatcher)[0])).status_code == 403


def test_transient_failures_are_retried_with_backoff(world: Any, wechat: Any, app: Any,
                                                     client: Any,
                                                     config_override: Any) -> None:
    resident = wechat_resident(client, "o-flaky")
    o = make_opinion(world.d.site_a, resident_id=resident.id)
    good_base = app.config["WECHAT_API_BASE"]
    config_override(WECHAT_API_BASE="http://127.0.0.1:9")  # nothing listens there
    workflow.accept(o.id, world.dispatcher)
    row = db.session.query(Notification).filter_by(channel="wechat").one()
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
    assert services.deliver_due() == {"sent": 0, "pending": 0, "failed": 0}  # not yet
    config_override(WECHAT_API_BASE=good_base)
    counts = services.deliver_due(now=utcnow() + timedelta(minutes=2))
    assert counts["sent"] == 1
    db.session.expire_all()
    row = db.session.get(Notification, row.id)
    assert row is not None and row.status == "sent" and row.attempts == 2


def test_templates_are_configurable(world: Any, wechat: Any, client: Any) -> None:
    admin = bearer(issue_api_token(world.admin)[0])
    response = client.put("/api/v1/notify/templates/accepted", headers=admin, json={
        "template_id": "MY-TPL", "page": "pages/track",
        "fields": {"thing7": "summary", "phrase9": "state"}})
    assert response.status_code == 200, response.get_json()
    resident = wechat_resident(client, "o-configured", "MY-TPL")
    o = make_opinion(world.d.site_a, resident_id=resident.id, text=LONG_TEXT)
    workflow.accept(o.id, world.dispatcher)
    body = [c for c in wechat.calls if c["path"] == "subscribe_send"][-1]
    assert body["template_id"] == "MY-TPL" and set(body["data"]) == {"thing7", "phrase9"}
    assert body["page"].startswith("pages/track?no=")
    bad = client.put("/api/v1/notify/templates/accepted", headers=admin, json={
        "template_id": "X", "fields": {"thing1": "secret_phone"}})
    assert bad.status_code == 422
