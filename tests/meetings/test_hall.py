"""A full hall: 300 phones behind one WiFi address get resident tokens and check in."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.extensions import db
from server.meetings.models import Attendance
from tests.factories import make_district
from tests.meetings.factories import make_meeting, presence

pytestmark = pytest.mark.slow
PHONES = 300


def test_300_guests_from_one_address_sign_in_and_check_in_within_a_minute(live_server, app):
    assert app.config["RATELIMIT_ENABLED"]  # the limits as deployed
    d = make_district()
    meeting = make_meeting(d.site_a, title="黄庄村全体村民协商大会")
    code = presence(meeting)
    local = threading.local()
    base = live_server.url  # every phone comes from 127.0.0.1: one NAT address

    def phone(i: int) -> tuple[int, int, str]:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        device = {"X-Device-Id": f"hall-phone-{i:04d}-{'x' * 8}"}
        guest = local.s.post(f"{base}/api/v1/auth/guest", headers=device, timeout=30)
        if guest.status_code != 201:
            return guest.status_code, 0, guest.text
        token = guest.json()["token"]
        checkin = local.s.post(f"{base}/api/v1/m/{meeting.code}/checkin",
                               json={"presence": code},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return guest.status_code, checkin.status_code, checkin.text

    started = time.monotonic()
    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(phone, range(PHONES)))
    elapsed = time.monotonic() - started
    refused = [a for a in answers if a[:2] != (201, 200)]
    assert not refused, f"{len(refused)} phones refused, e.g. {refused[:3]}"
    assert elapsed < 60, f"the hall took {elapsed:.1f} s to join"
    assert db.session.query(Attendance).filter_by(meeting_id=meeting.id).count() == PHONES
