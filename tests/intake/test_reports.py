"""Resident reports: limits, receipts, idempotency, rate limits, safety, privacy, ratings."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from server.intake.models import IdempotencyKey, Opinion, OpinionEvent, OpinionSupport
from server.intake.tracking import allocate_tracking_no
from tests.factories import bearer, login, make_district, make_resident, make_user
from tests.intake.factories import (
    answer_via_dispatch,
    categories,
    new_key,
    report,
    staff_headers,
)


def count_opinions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Opinion))


def test_receipt_has_a_tracking_number_and_the_timeline_starts(client, db):
    d = make_district()
    cats = categories()
    resident, token = make_resident()
    response = report(client, token, d.site_a.code, cats["道路交通"], phone="13812345678")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    today = datetime.now(UTC).astimezone().strftime("%Y")
    assert re.fullmatch(r"YD\d{8}-\d{4}", body["tracking_no"]) and today in body["tracking_no"]
    assert body["status"] == "已收到" and body["held"] is False
    opinion = db.session.scalar(select(Opinion))
    assert opinion.resident_id == resident.id and opinion.unit_id == d.village_a.id
    assert opinion.phone == "13812345678" and opinion.entered_by_id is None
    actions = [e.action for e in db.session.scalars(select(OpinionEvent))]
    assert actions == ["submit"]


def test_default_categories_are_seeded_once(db):
    first = categories()
    again = categories()
    assert list(first) == ["道路交通", "环境卫生", "养老服务", "农业农村", "住房物业", "其他"]
    assert {c.id for c in first.values()} == {c.id for c in again.values()}


def test_text_of_1501_characters_is_refused_and_1500_accepted(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    too_long = report(client, token, d.site_a.code, cats["其他"], text="路" * 1501)
    assert too_long.status_code == 422
    assert too_long.get_json()["errors"]["text"]
    assert count_opinions(db) == 0
    assert report(client, token, d.site_a.code, cats["其他"], text="路" * 1500).status_code == 201


def test_tracking_numbers_use_the_shanghai_day_and_count_per_day(app, db):
    # 17:30 UTC on 27 Nov is already 28 Nov in Shanghai.
    late = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert allocate_tracking_no(late) == "YD20261128-0001"
    assert allocate_tracking_no(late) == "YD20261128-0002"
    assert allocate_tracking_no(datetime(2026, 11, 28, 16, 1, tzinfo=UTC)) == "YD20261129-0001"


def test_tracking_numbers_stay_unique_under_concurrency(app, db):
    when = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def draw() -> None:
        try:
            with app.app_context():
                for _ in range(5):
                    numbers.append(allocate_tracking_no(when))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"YD20261201-{n:04d}" for n in range(1, 41)]


def test_retry_with_the_same_idempotency_key_makes_one_report(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    key = new_key()
    first = report(client, token, d.site_a.code, cats["道路交通"], key=key)
    second = report(client, token, d.site_a.code, cats["道路交通"], key=key)
    assert first.status_code == 201 and second.status_code == 201
    assert first.get_json()["tracking_no"] == second.get_json()["tracking_no"]
    assert second.get_json()["replayed"] is True
    assert count_opinions(db) == 1
    # The same key with different content is a client bug, not a retry.
    other = report(client, token, d.site_a.code, cats["道路交通"], key=key, text="另一件事")
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    # A new key is a new report.
    assert report(client, token, d.site_a.code, cats["道路交通"], key=new_key()).status_code == 201
    assert count_opinions(db) == 2


def test_concurrent_retries_with_one_key_make_one_report(app, db, live_server):
    import requests

    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    key = new_key()
    results: list[requests.Response] = []
    body = {"site_code": d.site_a.code, "category_id": cats["其他"].id,
            "text": "垃圾桶满了没人清理", "consent": True}

    def send() -> None:
        results.append(requests.post(
            f"{live_server.url}/api/v1/intake/opinions", json=body,
            headers={**bearer(token), "Idempotency-Key": key}, timeout=20))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201] * 4
    assert len({r.json()["tracking_no"] for r in results}) == 1
    db.session.rollback()
    assert count_opinions(db) == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_rate_limit_trips_with_a_friendly_message(app, client, db, config_override):
    config_override(INTAKE_RATE_RESIDENT=[(3, 600)])
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    for n in range(3):
        ok = report(client, token, d.site_a.code, cats["其他"], text=f"第{n}件事：水沟堵了")
        assert ok.status_code == 201
    tripped = report(client, token, d.site_a.code, cats["其他"], text="第4件事")
    assert tripped.status_code == 429
    body = tripped.get_json()
    assert body["code"] == "rate_limited" and "分钟后再试" in body["message"]
    assert 0 < body["errors"]["retry_after"] <= 600
    assert count_opinions(db) == 3
    # Another resident is not affected by the first one's limit.
    _other, other_token = make_resident()
    assert report(client, other_token, d.site_a.code, cats["其他"]).status_code == 201


def test_ip_rate_limit_covers_many_residents(app, client, db, config_override):
    config_override(INTAKE_RATE_IP=[(2, 600)])
    d = make_district()
    cats = categories()
    codes = [report(client, make_resident()[1], d.site_a.code, cats["其他"]).status_code
             for _ in range(3)]
    assert codes == [201, 201, 429]


def test_another_residents_token_cannot_read_the_report(client, db):
    d = make_district()
    cats = categories()
    _owner, owner_token = make_resident()
    _other, other_token = make_resident()
    number = report(client, owner_token, d.site_a.code, cats["其他"],
                    phone="13812345678").get_json()["tracking_no"]
    mine = client.get(f"/api/v1/intake/my/opinions/{number}", headers=bearer(owner_token))
    assert mine.status_code == 200 and mine.get_json()["phone"] == "138****5678"
    theirs = client.get(f"/api/v1/intake/my/opinions/{number}", headers=bearer(other_token))
    assert theirs.status_code == 404
    assert client.get("/api/v1/intake/my/opinions", headers=bearer(other_token)).get_json() == []
    rating = client.post(f"/api/v1/intake/my/opinions/{number}/rating",
                         json={"rating": "satisfied"}, headers=bearer(other_token))
    assert rating.status_code == 404
    assert client.get(f"/api/v1/intake/my/opinions/{number}").status_code == 401


def test_my_list_masks_phones(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    report(client, token, d.site_a.code, cats["其他"], phone="13987654321",
           text="我家门口 13987654321 的井盖松了")
    items = client.get("/api/v1/intake/my/opinions", headers=bearer(token)).get_json()
    assert items[0]["phone"] == "139****4321"
    assert "13987654321" not in str(items)


def test_answered_report_shows_the_answer_and_takes_a_rating(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    number = report(client, token, d.site_a.code, cats["道路交通"]).get_json()["tracking_no"]
    early = client.post(f"/api/v1/intake/my/opinions/{number}/rating",
                        json={"rating": "satisfied"}, headers=bearer(token))
    assert early.status_code == 409
    answer_via_dispatch(d, number)
    detail = client.get(f"/api/v1/intake/my/opinions/{number}", headers=bearer(token)).get_json()
    assert detail["answer"] == "路灯已于今日修复，感谢您的反映。"
    assert detail["status"] == "已答复" and detail["can_rate"] is True
    labels = [step["label"] for step in detail["timeline"]]
    assert labels[0] == "已收到" and "已受理" in labels and labels[-1] == "已答复"
    rated = client.post(f"/api/v1/intake/my/opinions/{number}/rating",
                        json={"rating": "basically", "comment": "修得挺快"}, headers=bearer(token))
    assert rated.status_code == 200, rated.get_json()
    body = rated.get_json()
    assert body["rating"] == "basically" and body["rating_name"] == "基本满意"
    assert body["status"] == "已办结"
    # Rated, yet still changeable for 7 days: can_rate stays true, with the deadline.
    assert body["can_rate"] is True and body["rating_fixed"] is False
    assert body["rated_at"] and body["rating_changeable_until"] > body["rated_at"]


def test_similar_open_reports_use_word_segmentation_and_plus_one(client, db):
    d = make_district()
    cats = categories()
    _first, first_token = make_resident()
    lamp = report(client, first_token, d.site_a.code, cats["道路交通"],
                  text="村口的路灯坏了好几天了，晚上出门很不安全").get_json()["tracking_no"]
    report(client, first_token, d.site_a.code, cats["环境卫生"],
           text="河道里漂着很多垃圾，气味很难闻")
    # Same words at another site are not the same matter.
    report(client, first_token, d.site_b.code, cats["道路交通"], text="村口路灯坏了")
    _second, token = make_resident()
    found = client.post("/api/v1/intake/similar", headers=bearer(token), json={
        "site_code": d.site_a.code, "text": "路灯不亮，村口晚上一片漆黑"}).get_json()
    assert [item["tracking_no"] for item in found] == [lamp]
    assert found[0]["supported"] is False and found[0]["mine"] is False
    # "灯泡" shares the character 灯 with "路灯" but not a word: segmentation, not characters.
    none = client.post("/api/v1/intake/similar", headers=bearer(token), json={
        "site_code": d.site_a.code, "text": "家里灯泡要换"}).get_json()
    assert none == []
    plus = client.post(f"/api/v1/intake/opinions/{lamp}/support", headers=bearer(token))
    assert plus.status_code == 200 and plus.get_json()["support_count"] == 1
    again = client.post(f"/api/v1/intake/opinions/{lamp}/support", headers=bearer(token))
    assert again.get_json()["support_count"] == 1
    assert db.session.scalar(select(func.count()).select_from(OpinionSupport)) == 1
    own = client.post(f"/api/v1/intake/opinions/{lamp}/support", headers=bearer(first_token))
    assert own.status_code == 409
    found = client.post("/api/v1/intake/similar", headers=bearer(token), json={
        "site_code": d.site_a.code, "text": "路灯不亮，村口晚上一片漆黑"}).get_json()
    assert found[0]["supported"] is True and found[0]["support_count"] == 1


def test_similar_lists_at_most_five(client, db):
    d = make_district()
    cats = categories()
    for n in range(7):
        assert report(client, make_resident()[1], d.site_a.code, cats["道路交通"],
                      text=f"第{n}段村道路面坑洼积水，电动车经常摔倒").status_code == 201
    found = client.post("/api/v1/intake/similar", json={
        "site_code": d.site_a.code, "text": "村道坑洼积水"}).get_json()
    assert len(found) == 5


def test_local_sensitive_words_refuse_or_hold(app, client, db):
    d = make_district()
    cats = categories()
    admin = staff_headers(make_user("admin"))
    for word, level in (("赌博", "block"), ("上访", "review")):
        added = client.post("/api/v1/intake/sensitive-words", json={"word": word, "level": level},
                            headers=admin)
        assert added.status_code == 201
    _resident, token = make_resident()
    refused = report(client, token, d.site_a.code, cats["其他"], text="村里有人聚众 赌 博")
    assert refused.status_code == 422 and refused.get_json()["code"] == "content_refused"
    assert "修改后再提交" in refused.get_json()["message"]
    held = report(client, token, d.site_a.code, cats["其他"], text="准备集体上访反映拆迁款")
    assert held.status_code == 201 and held.get_json()["held"] is True
    assert count_opinions(db) == 1
    opinion = db.session.scalar(select(Opinion))
    assert opinion.moderation == "held"
    # Held reports are not offered to other residents as "the same matter".
    assert client.post("/api/v1/intake/similar", json={
        "site_code": d.site_a.code, "text": "拆迁款上访"}).get_json() == []
    # A dispatcher in scope releases it.
    dispatcher = staff_headers(make_user("dispatcher", unit_id=d.town.id))
    queue = client.get("/api/v1/intake/moderation", headers=dispatcher).get_json()
    assert [item["tracking_no"] for item in queue] == [opinion.tracking_no]
    outsider = staff_headers(make_user("dispatcher", unit_id=d.other_town.id))
    assert client.get("/api/v1/intake/moderation", headers=outsider).get_json() == []
    assert client.post(f"/api/v1/intake/moderation/{opinion.id}", json={"decision": "release"},
                       headers=outsider).status_code == 403
    released = client.post(f"/api/v1/intake/moderation/{opinion.id}",
                           json={"decision": "release"}, headers=dispatcher)
    assert released.status_code == 200 and released.get_json()["moderation"] == "ok"


def test_wechat_content_check_only_for_wechat_users(client, db, wechat):
    d = make_district()
    cats = categories()
    wechat.app.config["SEC_CHECK"].update({"危险内容": "risky", "需要复核": "review"})
    guest, guest_token = make_resident("guest")
    assert report(client, guest_token, d.site_a.code, cats["其他"], text="危险内容").status_code \
        == 201
    assert not [c for c in wechat.calls if c["path"] == "msg_sec_check"]
    user, token = make_resident("wechat")
    user.appid, user.openid = "wx-test-appid", "o-wechat-user-1"
    db.session.commit()
    risky = report(client, token, d.site_a.code, cats["其他"], text="危险内容")
    assert risky.status_code == 422 and risky.get_json()["code"] == "content_refused"
    review = report(client, token, d.site_a.code, cats["其他"], text="需要复核")
    assert review.status_code == 201 and review.get_json()["held"] is True
    fine = report(client, token, d.site_a.code, cats["其他"], text="桥上的栏杆松了")
    assert fine.status_code == 201 and fine.get_json()["held"] is False
    checks = [c for c in wechat.calls if c["path"] == "msg_sec_check"]
    assert len(checks) == 3
    assert checks[0]["version"] == 2 and checks[0]["openid"] == "o-wechat-user-1"


def test_staff_enter_a_report_on_behalf_of_a_resident(client, db):
    d = make_district()
    cats = categories()
    moderator = make_user("moderator", unit_id=d.village_a.id)
    csrf = login(client, moderator)
    response = client.post("/api/v1/intake/staff/opinions", headers={"X-CSRF-Token": csrf}, json={
        "site_id": d.site_a.id, "category_id": cats["养老服务"].id,
        "text": "王奶奶独居，希望有人每周上门看看", "phone": "13611112222",
        "contact_name": "王秀英",
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["entered_on_behalf"] is True and body["entered_by"] == moderator.display_name
    assert body["phone"] == "136****2222" and body["contact_name"] == "王**"
    opinion = db.session.scalar(select(Opinion))
    assert opinion.entered_by_id == moderator.id and opinion.resident_id is None
    event = db.session.scalar(select(OpinionEvent))
    assert event.action == "submit" and event.actor_user_id == moderator.id
    # Outside the moderator's village: refused.
    other = client.post("/api/v1/intake/staff/opinions", headers={"X-CSRF-Token": csrf}, json={
        "site_id": d.site_c.id, "category_id": cats["其他"].id, "text": "别处的事"})
    assert other.status_code == 403


def test_site_overview_lists_recent_answers_without_identities(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    number = report(client, token, d.site_a.code, cats["道路交通"], phone="13812345678",
                    text="路灯坏了，有事打我 13812345678").get_json()["tracking_no"]
    report(client, token, d.site_a.code, cats["其他"], text="还没答复的事")
    answer_via_dispatch(d, number)
    body = client.get(f"/api/v1/intake/sites/{d.site_a.code}/overview").get_json()
    assert body["site"]["village"] == "黄庄村" and body["site"]["name"] == "黄庄村协商议事室"
    assert [c["name"] for c in body["categories"]][0] == "道路交通"
    assert [a["tracking_no"] for a in body["recent_answers"]] == [number]
    assert body["recent_answers"][0]["answer"].startswith("路灯已于今日修复")
    assert "13812345678" not in str(body) and "138****5678" in str(body)
    assert body["stats"] == {"received_this_year": 2, "answered_this_year": 1}
