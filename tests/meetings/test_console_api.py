"""What the staff meetings page needs from the API: a filtered list and the form's options."""

from __future__ import annotations

from datetime import UTC, datetime

from server.extensions import db
from server.people.services import issue_api_token
from tests.factories import bearer, make_district, make_resident, make_site, make_user
from tests.meetings.factories import check_in_directly, make_meeting


def staff(user) -> dict[str, str]:
    return bearer(issue_api_token(user)[0])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_list_filters_by_status_site_and_beijing_date(client) -> None:
    d = make_district()
    town_mod = make_user("moderator", unit_id=d.town.id)
    # 2026-11-30 23:30 and 2026-12-01 00:30 in Beijing: different days there, same day in UTC.
    late = make_meeting(d.site_a, status="published", title="黄庄村农路协商会",
                        starts_at=utc(2026, 11, 30, 15, 30))
    after_midnight = make_meeting(d.site_b, status="draft", title="朱沟村路灯协商会",
                                  starts_at=utc(2026, 11, 30, 16, 30))
    closed = make_meeting(d.site_a, status="closed", title="黄庄村垃圾分类协商会",
                          starts_at=utc(2026, 11, 20, 6, 0))
    make_meeting(d.site_c, status="published", title="新丰村（别的镇）协商会",
                 starts_at=utc(2026, 11, 30, 6, 0))
    for _ in range(3):
        check_in_directly(closed, make_resident()[0].id)
    headers = staff(town_mod)

    def ids(query: str = "") -> list[int]:
        response = client.get(f"/api/v1/meetings{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [m["id"] for m in response.get_json()]

    # Another town's site is out of scope; newest first.
    assert ids() == [after_midnight.id, late.id, closed.id]
    assert ids("?status=closed") == [closed.id]
    assert ids(f"?site_id={d.site_a.id}") == [late.id, closed.id]
    assert ids("?starts_from=2026-11-30&starts_to=2026-11-30") == [late.id]
    assert ids("?starts_from=2026-12-01") == [after_midnight.id]
    assert ids("?starts_to=2026-11-29") == [closed.id]
    assert ids(f"?status=published&site_id={d.site_b.id}") == []

    rows = {m["id"]: m for m in client.get("/api/v1/meetings", headers=headers).get_json()}
    assert rows[closed.id]["attendance"] == 3
    assert rows[late.id]["attendance"] == 0
    assert rows[closed.id]["status_name"] == "已结束"
    assert rows[after_midnight.id]["status_name"] == "草稿"
    assert rows[late.id]["site_code"] == d.site_a.code
    assert rows[late.id]["site_name"] == d.site_a.name
    assert rows[late.id]["url"].endswith(f"/m/{late.code}")


def test_list_rejects_bad_filters(client) -> None:
    make_district()
    headers = staff(make_user("admin"))
    response = client.get("/api/v1/meetings?starts_from=2026-12-02&starts_to=2026-12-01",
                          headers=headers)
    assert response.status_code == 422
    assert "starts_to" in response.get_json()["errors"]
    response = client.get("/api/v1/meetings?status=cancelled", headers=headers)
    assert response.status_code == 422


def test_options_offer_only_the_sites_the_user_may_organise_at(client) -> None:
    d = make_district()
    closed_site = make_site(d.village_b, name="朱沟村旧议事室", active=False)
    db.session.commit()
    village_mod = make_user("moderator", site_id=d.site_a.id)
    town_mod = make_user("moderator", unit_id=d.town.id)

    body = client.get("/api/v1/meeting-options", headers=staff(village_mod)).get_json()
    assert [s["id"] for s in body["sites"]] == [d.site_a.id]
    assert body["sites"][0] == {"id": d.site_a.id, "code": d.site_a.code,
                                "name": d.site_a.name, "unit_name": "黄庄村"}
    assert [k["label"] for k in body["participant_kinds"]] == [
        "政协委员", "镇村干部", "职能部门", "群众代表", "党员代表", "专家"]
    assert [s["value"] for s in body["statuses"]] == ["draft", "published", "in_session",
                                                       "closed"]

    body = client.get("/api/v1/meeting-options", headers=staff(town_mod)).get_json()
    site_ids = {s["id"] for s in body["sites"]}
    assert site_ids == {d.site_a.id, d.site_b.id}
    assert closed_site.id not in site_ids

    # A handler (承办人) in the same town may not organise meetings.
    handler = make_user("handler", unit_id=d.town.id)
    response = client.get("/api/v1/meeting-options", headers=staff(handler))
    assert response.status_code == 403
    assert client.get("/api/v1/meeting-options").status_code == 401


def test_console_meetings_page_is_served(client) -> None:
    response = client.get("/console/meetings")
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200
    assert "新建协商活动" in body and "/static/console/meetings.js" in body
