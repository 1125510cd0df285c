"""The rotating join code: current or previous 30-second window only."""

from __future__ import annotations

import time

from server.meetings.errors import PresenceExpired
from server.meetings.presence import current_window, presence_code, verify_presence
from tests.factories import bearer, login, make_district, make_resident
from tests.meetings.factories import make_meeting, make_moderator, presence


def test_a_code_two_windows_old_is_refused_with_a_clear_message(client):
    d = make_district()
    meeting = make_meeting(d.site_a)
    _, token = make_resident()
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting, 2)},
                    headers=bearer(token))
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "presence_expired"
    assert body["message"] == ("签到二维码已过期，请扫描大屏幕上最新的二维码"
                               "（二维码每 30 秒更换一次）")
    # A made-up code and a missing one are refused too, each with its own message.
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": "ZZZZZZ"},
                    headers=bearer(token))
    assert r.get_json()["code"] == "presence_invalid"
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert r.get_json()["code"] == "presence_required"
    # The previous window still works (a phone that scanned just before the change).
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={"presence": presence(meeting, 1)},
                    headers=bearer(token))
    assert r.status_code == 200 and r.get_json()["channel"] == "onsite"


def test_codes_change_every_30_seconds_and_differ_per_meeting(app):
    d = make_district()
    a, b = make_meeting(d.site_a), make_meeting(d.site_b)
    now = time.time()
    window = current_window(now)
    assert presence_code(a.id, window) != presence_code(a.id, window + 1)
    assert presence_code(a.id, window) != presence_code(b.id, window)
    meeting = make_meeting(d.site_a)
    verify_presence(meeting, presence_code(meeting.id, window), now + 30)
    try:
        verify_presence(meeting, presence_code(meeting.id, window), now + 60)
    except PresenceExpired:
        pass
    else:
        raise AssertionError("a code must stop working within a minute")


def test_online_meetings_skip_the_presence_check(client):
    d = make_district()
    meeting = make_meeting(d.site_a, online=True, presence_check=False)
    _, token = make_resident(kind="wechat")  # online meetings need WeChat (issue 15)
    r = client.post(f"/api/v1/m/{meeting.code}/checkin", json={}, headers=bearer(token))
    assert r.status_code == 200 and r.get_json()["channel"] == "online"


def test_join_code_endpoint_gives_a_qr_of_the_meeting_url(client):
    d = make_district()
    mod = make_moderator(d.site_a)
    meeting = make_meeting(d.site_a)
    login(client, mod)
    body = client.get(f"/api/v1/meetings/{meeting.id}/join-code").get_json()
    assert body["url"] == f"https://sl.example.cn/m/{meeting.code}?p={body['code']}"
    assert body["svg"].startswith("<svg") and 0 < body["expires_in"] <= 30
    other = make_meeting(d.site_c)
    assert client.get(f"/api/v1/meetings/{other.id}/join-code").status_code == 403
