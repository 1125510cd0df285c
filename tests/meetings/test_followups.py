"""Follow-ups of meetings: followers hear about a published meeting, outcomes become cases,
and a poll with a countdown closes itself once."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.meetings import keys, services
from server.meetings.models import Outcome, Poll, SiteFollow
from server.notify import services as notify
from server.notify.models import Notification, Subscription
from server.people.models import Resident
from server.people.services import issue_api_token
from tests.factories import bearer, make_district, make_resident, make_user
from tests.intake.factories import categories
from tests.meetings.factories import check_in_directly, make_meeting, make_moderator, make_poll
from tests.notify.factories import consent, wechat_resident

TITLE = "黄庄村东西向农路硬化及路灯安装方案协商议事会"


def staff(user: Any) -> dict[str, str]:
    return bearer(issue_api_token(user)[0])


# ---- followers hear about a published meeting ---------------------------------------------


def test_published_meeting_reaches_each_follower_once(client, wechat) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    w1, w1_token = wechat_resident("o-follower-one")
    w2, w2_token = wechat_resident("o-follower-two")
    # A mini-program follower who did not allow the meeting message gets the inbox entry only.
    w3, w3_token = wechat_resident("o-follower-silent")
    for token in (w1_token, w2_token):
        consent(client, token, TPL_MEETING_PUBLISHED="accept")
    consent(client, w3_token, TPL_MEETING_PUBLISHED="reject")
    guest, guest_token = make_resident()
    quitter, quitter_token = make_resident()
    _other_site_fan, other_token = make_resident()
    for token in (w1_token, w2_token, w3_token, guest_token, quitter_token):
        answer = client.put(f"/api/v1/sites/{d.site_a.code}/follow", headers=bearer(token))
        assert answer.status_code == 200 and answer.get_json()["following"] is True
    # Following twice is one follow; unfollowing works; another site's fans hear nothing.
    again = client.put(f"/api/v1/sites/{d.site_a.code}/follow", headers=bearer(w1_token))
    assert again.get_json() == {"site_code": d.site_a.code, "following": True, "followers": 5}
    gone = client.delete(f"/api/v1/sites/{d.site_a.code}/follow",
                         headers=bearer(quitter_token)).get_json()
    assert gone["following"] is False and gone["followers"] == 4
    client.put(f"/api/v1/sites/{d.site_b.code}/follow", headers=bearer(other_token))
    assert client.get(f"/api/v1/sites/{d.site_a.code}/follow").status_code == 401

    meeting = make_meeting(d.site_a, status="draft", title=TITLE, location="黄庄村委会二楼议事室")
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    published = client.post(f"/api/v1/meetings/{meeting.id}/status",
                            json={"status": "published"}, headers=staff(mod))
    assert published.status_code == 200

    inbox = db.session.scalars(select(Notification).where(Notification.channel == "inbox")
                               .order_by(Notification.resident_id)).all()
    assert sorted(n.resident_id for n in inbox) == sorted([w1.id, w2.id, w3.id, guest.id])
    assert {n.event for n in inbox} == {"meeting_published"}
    sent = [c for c in wechat.calls if c["path"] == "subscribe_send"]
    assert sorted(c["touser"] for c in sent) == ["o-follower-one", "o-follower-two"]
    body = sent[0]
    assert body["template_id"] == "TPL_MEETING_PUBLISHED"
    assert body["page"] == f"pages/meeting/index?code={meeting.code}"
    assert body["data"]["thing1"]["value"] == TITLE[:19] + "…"  # thing ≤ 20 characters
    assert body["data"]["thing3"]["value"] == d.site_a.name
    assert body["data"]["thing4"]["value"] == "黄庄村委会二楼议事室"
    assert "年" in body["data"]["time2"]["value"]
    rows = db.session.scalars(select(Notification).where(Notification.channel == "wechat")).all()
    assert [r.status for r in rows] == ["sent", "sent"]

    # The resident reads it in their inbox, with a link to the meeting.
    mine = client.get("/api/v1/notifications/mine", headers=bearer(guest_token)).get_json()
    assert len(mine) == 1 and mine[0]["link"] == f"/m/{meeting.code}"
    assert TITLE in mine[0]["body"] and "黄庄村委会二楼议事室" in mine[0]["body"]

    # Back to draft and published again: nobody is told twice.
    for status in ("draft", "published"):
        assert client.post(f"/api/v1/meetings/{meeting.id}/status", json={"status": status},
                           headers=staff(mod)).status_code == 200
    assert db.session.scalar(select(func.count(Notification.id))) == 6
    assert len([c for c in wechat.calls if c["path"] == "subscribe_send"]) == 2


def test_a_large_following_is_written_in_bulk_and_delivered_by_the_timer(app, wechat,
                                                                         artifacts) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    n_guests, n_wechat, n_unsubscribed = 3000, 45, 30
    db.session.execute(insert(Resident), [{"kind": "guest"} for _ in range(n_guests)])
    db.session.execute(insert(Resident), [{"kind": "wechat", "appid": "wx-test-appid",
                                           "openid": f"o-bulk-{i:04d}"}
                                          for i in range(n_wechat + n_unsubscribed)])
    subscribed = db.session.scalars(select(Resident.id).where(Resident.kind == "wechat")
                                    .order_by(Resident.id).limit(n_wechat)).all()
    db.session.execute(insert(Subscription), [
        {"resident_id": rid, "template_id": "TPL_MEETING_PUBLISHED", "credits": 1,
         "accepted_total": 1, "last_result": "accept", "updated_at": utcnow()}
        for rid in subscribed])
    ids = db.session.scalars(select(Resident.id)).all()
    db.session.execute(insert(SiteFollow), [{"site_id": d.site_a.id, "resident_id": rid}
                                            for rid in ids])
    db.session.commit()
    meeting = make_meeting(d.site_a, status="draft")

    started = time.perf_counter()
    services.set_meeting_status(mod, meeting.id, "published")
    elapsed = time.perf_counter() - started

    count = db.session.scalar(select(func.count(Notification.id))
                              .where(Notification.channel == "inbox"))
    assert count == n_guests + n_wechat + n_unsubscribed
    by_status = dict(db.session.execute(
        select(Notification.status, func.count(Notification.id))
        .where(Notification.channel == "wechat").group_by(Notification.status)).all())
    # The first few go out with the request; the rest wait for `flask notify-deliver`.
    assert by_status == {"sent": notify.INLINE_DELIVERY_MAX,
                         "pending": n_wechat - notify.INLINE_DELIVERY_MAX}
    assert elapsed < 10, f"publishing to {count} followers took {elapsed:.1f}s"
    (artifacts / "meetings-publish-followers.txt").write_text(
        f"published to {count} followers ({n_wechat} WeChat, {notify.INLINE_DELIVERY_MAX} sent "
        f"inline) in {elapsed:.3f}s on {db.engine.dialect.name}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["notify-deliver"])
    assert result.exit_code == 0, result.output
    assert f"已发送 {n_wechat - notify.INLINE_DELIVERY_MAX}" in result.output
    touched = {c["touser"] for c in wechat.calls if c["path"] == "subscribe_send"}
    assert len(touched) == n_wechat
    assert touched == {f"o-bulk-{i:04d}" for i in range(n_wechat)}
    assert not db.session.scalar(select(func.sum(Subscription.credits))), "credits were used"


def test_build_message_still_serves_reports(wechat) -> None:
    d = make_district()
    opinion = Opinion(tracking_no="YD20261128-0001", site_id=d.site_a.id, unit_id=d.site_a.unit_id,
                      text="路灯坏了", state="accepted", kind="help")
    body = notify.build_message("accepted", "o-x", notify.opinion_values(opinion),
                                f"no={opinion.tracking_no}")
    assert body is not None
    assert body["page"] == "pages/mine/index?no=YD20261128-0001"
    assert body["data"]["character_string1"]["value"] == "YD20261128-0001"
    assert body["data"]["phrase3"]["value"] == "已受理"
    assert notify.build_message("nothing-configured", "o-x", {}) is None


# ---- an outcome becomes a dispatch case ---------------------------------------------------


def test_outcome_turns_into_one_case_that_the_site_page_tracks(client) -> None:
    d = make_district()
    categories()
    mod = make_moderator(d.site_a)
    dispatcher = make_user("dispatcher", unit_id=d.town.id)
    stranger = make_moderator(d.site_c)
    meeting = make_meeting(d.site_a, status="closed", title=TITLE)
    outcome = services.add_outcome(mod, meeting.id,
                                   "东西向农路年底前完成硬化，路灯由村里先装 12 盏",
                                   "镇里已列入年度计划")
    url = f"/api/v1/meeting-outcomes/{outcome.id}/case"

    assert client.post(url, json={}, headers=staff(stranger)).status_code == 403
    first = client.post(url, json={}, headers=staff(mod))
    assert first.status_code == 201, first.get_json()
    case = first.get_json()["case"]
    assert case["tracking_no"].startswith("YD") and case["state"] == "received"
    assert case["status"] == "已收到"
    second = client.post(url, json={}, headers=staff(mod))
    assert second.status_code == 200 and second.get_json()["case"] == case

    opinion = db.session.scalars(select(Opinion)).one()
    assert opinion.tracking_no == case["tracking_no"]
    assert (opinion.kind, opinion.site_id, opinion.unit_id) == (
        "suggestion", d.site_a.id, d.site_a.unit_id)
    assert "东西向农路年底前完成硬化" in opinion.text and TITLE in opinion.text
    assert opinion.entered_by_id == mod.id and opinion.resident_id is None
    assert opinion.category is not None and opinion.category.code == "other"
    steps = db.session.scalars(select(OpinionEvent.action)
                               .where(OpinionEvent.opinion_id == opinion.id)).all()
    assert steps == ["submit"]
    assert db.session.get(Outcome, outcome.id).case_opinion_id == opinion.id

    # The case moves on; staff and residents see where it stands.
    workflow.accept(opinion.id, dispatcher)
    staff_view = client.get(f"/api/v1/meetings/{meeting.id}", headers=staff(mod)).get_json()
    assert staff_view["outcomes"][0]["case"]["state_name"] == "已受理"
    public = client.get(f"/api/v1/public/sites/{d.site_a.code}/meetings").get_json()
    shown = public[0]["outcomes"][0]
    assert shown["case"] == {"tracking_no": opinion.tracking_no, "status": "已受理"}
    assert shown["feedback"] == "镇里已列入年度计划"
    assert "opinion_id" not in shown["case"]


def test_turning_an_outcome_twice_at_once_makes_one_case(app) -> None:
    d = make_district()
    categories()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a, status="closed")
    outcome = services.add_outcome(mod, meeting.id, "村口垃圾站每周清运两次")
    mod_id, outcome_id = mod.id, outcome.id
    answers: list[tuple[str, bool]] = []

    def turn() -> None:
        with app.app_context():
            from server.people.models import User

            user = db.session.get(User, mod_id)
            done, created = services.outcome_to_case(user, outcome_id)
            answers.append((done.case_opinion.tracking_no, created))
            db.session.remove()

    threads = [threading.Thread(target=turn) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({number for number, _ in answers}) == 1
    assert sorted(created for _, created in answers) == [False, False, False, True]
    assert db.session.scalar(select(func.count(Opinion.id))) == 1


# ---- a countdown closes the poll, once ------------------------------------------------------


def _expire(poll: Poll, seconds_ago: int = 1) -> None:
    db.session.execute(update(Poll).where(Poll.id == poll.id)
                       .values(closes_at=utcnow() - timedelta(seconds=seconds_ago)))
    db.session.commit()
    services.forget_poll_row(poll.id)


def _closed_events(redis: Any, pubsub: Any) -> list[dict[str, Any]]:
    seen = []
    while True:
        message = pubsub.get_message(timeout=0.2)
        if message is None:
            return seen
        if message["type"] != "message":
            continue
        event, _topic, payload = message["data"].split("\t", 2)
        data = json.loads(payload)
        if event == "poll" and data.get("status") == "closed":
            seen.append(data)


def test_expired_countdown_closes_and_freezes_exactly_once(client, redis) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting, duration_seconds=60)
    yes, no, _abstain = (o.id for o in poll.options)
    voters = [make_resident() for _ in range(5)]
    for resident, _token in voters:
        check_in_directly(meeting, resident.id)
    services.rebuild.rebuild_poll(poll.id)
    for (resident, _token), choice in zip(voters[:4], [yes, yes, yes, no], strict=True):
        services.cast_vote(poll.id, resident.id, [choice], f"k-{resident.id}")
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.events_channel(meeting.id))
    pubsub.get_message(timeout=0.2)

    _expire(poll)
    # Late voter: refused, counted nowhere.
    late = client.post(f"/api/v1/polls/{poll.id}/votes", json={"choices": [no]},
                       headers=bearer(voters[4][1]))
    assert late.status_code == 409 and late.get_json()["code"] == "poll_closed"
    # The next snapshot anyone takes closes it, with the votes cast in time.
    view = client.get(f"/api/v1/m/{meeting.code}").get_json()
    closed = next(p for p in view["polls"] if p["id"] == poll.id)
    assert closed["status"] == "closed"
    assert closed["counts"] == {str(yes): 3, str(no): 1, str(_abstain): 0}
    frozen = db.session.get(Poll, poll.id)
    db.session.refresh(frozen)
    assert frozen.result["ballots"] == 4 and frozen.result_error is None
    frozen_at = frozen.result["frozen_at"]

    # Every later path is a no-op: another snapshot, the CLI, a timer firing, a moderator.
    client.get(f"/api/v1/m/{meeting.code}")
    assert services.close_expired_polls() == {"closed": 0, "frozen": 0, "waiting": 0}
    assert services.close_expired_poll(poll.id) is None
    again = client.post(f"/api/v1/polls/{poll.id}/close", headers=staff(mod))
    assert again.status_code == 409 and again.get_json()["code"] == "poll_closed"
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).result["frozen_at"] == frozen_at
    assert len(_closed_events(redis, pubsub)) == 1
    pubsub.close()


def test_racing_closers_freeze_once(app, redis) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    poll = make_poll(mod, meeting, duration_seconds=60)
    resident, _ = make_resident()
    check_in_directly(meeting, resident.id)
    services.rebuild.rebuild_poll(poll.id)
    services.cast_vote(poll.id, resident.id, [poll.options[0].id], "k1")
    _expire(poll)
    poll_id = poll.id
    won: list[bool] = []

    def close() -> None:
        with app.app_context():
            won.append(services.close_expired_poll(poll_id) is not None)
            db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False, False, False, True]
    db.session.expire_all()
    assert db.session.get(Poll, poll_id).result["ballots"] == 1


def test_cli_closes_expired_polls_and_finishes_failed_freezes(app, redis) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    expired = make_poll(mod, meeting, duration_seconds=60, title="是否同意方案一")
    running = make_poll(mod, meeting, duration_seconds=600, title="是否同意方案二")
    stuck = make_poll(mod, meeting, title="是否同意方案三")
    _expire(expired)
    # A poll closed earlier whose freeze never finished (Redis was down at the time).
    db.session.execute(update(Poll).where(Poll.id == stuck.id).values(
        status="closed", closed_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["meetings", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "已结束 1 项表决，补冻结 1 项" in result.output
    db.session.expire_all()
    assert db.session.get(Poll, expired.id).status == "closed"
    assert db.session.get(Poll, expired.id).result is not None
    assert db.session.get(Poll, stuck.id).result is not None
    assert db.session.get(Poll, running.id).status == "open"


def test_the_countdown_timer_closes_the_poll_by_itself(app, redis) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    app.config["MEETINGS_EXPIRY_TIMER"] = True
    try:
        poll = make_poll(mod, meeting, duration_seconds=1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            db.session.expire_all()
            row = db.session.get(Poll, poll.id)
            if row.result is not None:
                break
            time.sleep(0.1)
    finally:
        app.config.pop("MEETINGS_EXPIRY_TIMER")
    assert row.status == "closed" and row.result is not None
    assert row.closed_at >= row.closes_at


def test_closing_the_meeting_closes_a_poll_whose_countdown_ran_out(redis) -> None:
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    running = make_poll(mod, meeting, duration_seconds=60)
    _expire(running)
    closed = services.set_meeting_status(mod, meeting.id, "closed")
    assert closed.status == "closed"
    db.session.expire_all()
    assert db.session.get(Poll, running.id).result is not None
