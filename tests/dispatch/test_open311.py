"""Open311 GeoReport v2 responses checked against the spec's field list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.dispatch import workflow
from server.people.services import issue_api_token
from tests.dispatch.factories import make_category, make_opinion

# GeoReport v2 (wiki.open311.org/GeoReport_v2): every field a response element carries.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}
TYPES = {"realtime", "batch", "blackbox"}


def w3c(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def check_request(item: dict[str, Any]) -> None:
    assert set(item) == REQUEST_FIELDS
    assert item["status"] in {"open", "closed"}
    assert isinstance(item["service_request_id"], str) and item["service_request_id"]
    assert w3c(item["requested_datetime"]) is not None
    assert w3c(item["updated_datetime"]) is not None


def test_services_and_requests(world: Any, client: Any) -> None:
    roads = make_category("道路交通", "complaint")
    make_category("环境卫生", "suggestion")
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200
    for item in services.get_json():
        assert set(item) == SERVICE_FIELDS
        assert item["type"] in TYPES and item["metadata"] is False
    assert [s["service_name"] for s in services.get_json()] == ["道路交通", "环境卫生"]

    open_case = make_opinion(world.d.site_a, category=roads, kind="complaint",
                             phone="13812345678")
    workflow.accept(open_case.id, world.admin)  # only accepted reports are published
    done = make_opinion(world.d.site_a, category=roads, resident_id=world.resident.id)
    workflow.assign(done.id, world.admin, department_id=world.d.department.id)
    workflow.sign(done.id, world.admin)
    workflow.answer(done.id, world.admin, "已修复")

    listed = client.get("/open311/v2/requests.json").get_json()
    assert len(listed) == 2
    for item in listed:
        check_request(item)
        assert "13812345678" not in str(item)
    by_id = {i["service_request_id"]: i for i in listed}
    answered = by_id[done.tracking_no]
    assert answered["status"] == "closed" and "已修复" in answered["status_notes"]
    assert answered["agency_responsible"] == world.d.department.name
    assert w3c(answered["expected_datetime"]) is not None
    fresh = by_id[open_case.tracking_no]
    assert fresh["status"] == "open" and fresh["service_code"] == roads.code
    assert fresh["expected_datetime"] is not None

    only_open = client.get("/open311/v2/requests.json?status=open").get_json()
    assert [i["service_request_id"] for i in only_open] == [open_case.tracking_no]
    one = client.get(f"/open311/v2/requests/{done.tracking_no}.json")
    assert one.status_code == 200 and len(one.get_json()) == 1
    check_request(one.get_json()[0])
    missing = client.get("/open311/v2/requests/NOPE.json")
    assert missing.status_code == 404
    assert set(missing.get_json()[0]) == {"code", "description"}
    assert client.get("/open311/v2/services.xml").status_code == 404
    bad = client.get("/open311/v2/requests.json?status=maybe")
    assert bad.status_code == 400


def test_post_request_creates_a_case(world: Any, client: Any) -> None:
    roads = make_category("道路交通", "complaint")
    refused = client.post("/open311/v2/requests.json",
                          data={"service_code": roads.code, "description": "路面塌陷"})
    assert refused.status_code == 403
    token, _row = issue_api_token(world.dispatcher)
    created = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": roads.code, "description": "路面塌陷，有安全隐患",
        "attribute[site]": world.d.site_a.code})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body[0]) >= {"service_request_id", "service_notice", "account_id"}
    request_id = body[0]["service_request_id"]
    assert client.get(f"/open311/v2/requests/{request_id}.json").status_code == 404
    from sqlalchemy import select

    from server.extensions import db
    from server.intake.models import Opinion

    entered = db.session.scalar(select(Opinion).where(Opinion.tracking_no == request_id))
    workflow.accept(entered.id, world.admin)
    fetched = client.get(f"/open311/v2/requests/{request_id}.json").get_json()[0]
    check_request(fetched)
    assert fetched["status"] == "open" and fetched["description"] == "路面塌陷，有安全隐患"
    bad = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "nope", "description": "x",
        "attribute[site]": world.d.site_a.code})
    assert bad.status_code == 400


def test_only_accepted_reports_are_published_with_phones_masked(world: Any, client: Any) -> None:
    roads = make_category("道路交通", "complaint")
    text = "联系 13900001111 或 139 0000 5678 或 139-0000-5679 或 １３９００００５６８０"
    fresh = make_opinion(world.d.site_a, category=roads, text=text)
    accepted = make_opinion(world.d.site_a, category=roads, text=text)
    workflow.accept(accepted.id, world.admin)
    declined = make_opinion(world.d.site_a, category=roads, text=text)
    workflow.decline(declined.id, world.admin, "不属于受理范围")
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [i["service_request_id"] for i in listed] == [accepted.tracking_no]
    for url in ("/open311/v2/requests.json", f"/open311/v2/requests/{accepted.tracking_no}.json"):
        body = client.get(url).get_data(as_text=True)
        for digits in ("13900001111", "0000 5678", "0000-5679", "００００５６８０"):
            assert digits not in body, (url, digits)
        assert "139****1111" in body
    for hidden in (fresh, declined):
        assert client.get(f"/open311/v2/requests/{hidden.tracking_no}.json").status_code == 404


def test_posting_needs_an_intake_role_and_the_staff_validation(world: Any, client: Any) -> None:
    roads = make_category("道路交通", "complaint")
    form = {"service_code": roads.code, "description": "路面塌陷",
            "attribute[site]": world.d.site_a.code}
    for user in (world.supervisor, world.member):
        token, _row = issue_api_token(user)
        refused = client.post("/open311/v2/requests.json", data={**form, "api_key": token})
        assert refused.status_code == 403, (user.username, refused.get_json())
    token, _row = issue_api_token(world.dispatcher)
    for extra in ({"first_name": "名" * 5000}, {"phone": "<b>13800000000</b>"}):
        bad = client.post("/open311/v2/requests.json", data={**form, "api_key": token, **extra})
        assert bad.status_code == 400, (extra, bad.get_json())
    ok = client.post("/open311/v2/requests.json", data={**form, "api_key": token,
                                                         "phone": "13800000000"})
    assert ok.status_code == 201, ok.get_json()
