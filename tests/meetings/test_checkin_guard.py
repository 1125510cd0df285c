"""Ballot stuffing (issue 15, defect 5): device, attempt limits, WeChat online, void."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import get_redis
from server.meetings import keys
from server.meetings.models import Attendance
from tests.factories import bearer, login, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, make_poll, presence


def _check_in(client, meeting, token, code, device="phone-A"):
    return client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": code},
                       headers={**bearer(token), "X-Device-Id": device})


def test_sixty_wrong_codes_are_not_all_processed(client):
    d = make_district()
    meeting = make_meeting(d.site_a)
    _, token = make_resident()
    statuses = [_check_in(client, meeting, token, "ZZZZZZ").status_code for _ in range(60)]
    assert statuses.count(422) == 10, statuses
    assert statuses[10:] == [429] * 50, statuses
    # Even the right code waits now: the device is throttled.
    late = _check_in(client, meeting, token, presence(meeting))
    assert late.status_code == 429 and late.get_json()["code"] == "checkin_throttled"


def test_one_check_in_per_device_and_the_moderator_sees_and_voids(client, db):
    d = make_district()
    meeting = make_meeting(d.site_a)
    mod = make_moderator(d.site_a)
    poll = make_poll(mod, meeting)
    first, token_1 = make_resident()
    second, token_2 = make_resident()
    assert _check_in(client, meeting, token_1, presence(meeting)).status_code == 200
    again = _check_in(client, meeting, token_2, presence(meeting))
    assert again.status_code == 409 and again.get_json()["code"] == "device_already_used"
    # Another phone is fine.
    assert _check_in(client, meeting, token_2, presence(meeting), "phone-B").status_code == 200

    csrf = {"X-CSRF-Token": login(client, mod)}
    listed = client.get(f"/api/v1/meetings/{meeting.id}/checkins/suspicious")
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json() == [{"device": "phone-A…", "checked_in_resident_id": first.id,
                                  "refused_resident_ids": [second.id]}]
    voided = client.delete(f"/api/v1/meetings/{meeting.id}/checkins/{first.id}",
                           headers=csrf)
    assert voided.status_code == 204, voided.get_json()
    assert db.session.scalar(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.resident_id == first.id)) is None
    eligible = {int(x) for x in get_redis().smembers(keys.poll_eligible(poll.id))}
    assert first.id not in eligible and second.id in eligible
    assert client.delete(f"/api/v1/meetings/{meeting.id}/checkins/{first.id}",
                         headers=csrf).status_code == 404


def test_online_meetings_need_a_wechat_identity(client):
    d = make_district()
    meeting = make_meeting(d.site_a, online=True, presence_check=False)
    _, guest = make_resident()
    refused = client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(guest))
    assert refused.status_code == 403 and refused.get_json()["code"] == "wechat_required"
    _, wechat = make_resident(kind="wechat")
    ok = client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(wechat))
    assert ok.status_code == 200 and ok.get_json()["channel"] == "online"
