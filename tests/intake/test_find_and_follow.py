"""In Chromium at 360×640: a report found again from another phone by its number and the
last 4 digits of its phone, and followed after 我也遇到了."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.dispatch.factories import make_opinion
from tests.factories import make_district, make_resident

pytestmark = pytest.mark.browser


def _as(phone: Any, token: str) -> None:
    phone.context.add_init_script(f"localStorage.setItem('sl.resident.token', '{token}')")


def test_find_a_report_from_another_phone(live_server: Any, phone: Any, client: Any,
                                          artifacts: Path) -> None:
    d = make_district()
    owner, _ = make_resident()
    opinion = make_opinion(d.site_a, resident_id=owner.id, phone="13912345678",
                           text="村口垃圾桶满了三天没人清运")
    _other, token = make_resident()  # the same person on a new phone: a new resident token
    _as(phone, token)
    phone.goto(f"{live_server.url}/s/{d.site_a.code}#/mine")
    phone.wait_for_selector("#find-form")
    # A wrong number/phone pair answers in plain words, and says nothing about which part.
    phone.fill("#find-no", opinion.tracking_no)
    phone.fill("#find-phone", "0000")
    phone.click("#find-form button[type=submit]")
    phone.wait_for_selector("#find-error:not([hidden])")
    assert "编号或手机号后 4 位不对" in phone.inner_text("#find-error")
    phone.fill("#find-phone", "5678")
    phone.click("#find-form button[type=submit]")
    phone.wait_for_function("t => document.getElementById('detail-no').textContent === t",
                            arg=opinion.tracking_no, timeout=10_000)
    assert "村口垃圾桶满了三天没人清运" in phone.inner_text("#detail-text")
    assert "5678" not in phone.inner_text("#detail-meta")  # the phone is not shown back
    assert phone.is_hidden("#rating-box")
    phone.screenshot(path=str(artifacts / "resident-find-report.png"), full_page=True)
    # A reload on this phone finds it again.
    phone.reload()
    phone.wait_for_function("t => document.getElementById('detail-no').textContent === t",
                            arg=opinion.tracking_no, timeout=10_000)


def test_lookup_is_rate_limited_against_guessing(client: Any) -> None:
    d = make_district()
    opinion = make_opinion(d.site_a, phone="13912345678")
    _r, token = make_resident()
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.post("/api/v1/intake/lookup", headers=headers,
                         json={"tracking_no": opinion.tracking_no, "phone_last4": f"{n:04d}"}
                         ).status_code for n in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429], codes
    bad = client.post("/api/v1/intake/lookup", headers=headers,
                      json={"tracking_no": opinion.tracking_no, "phone_last4": "12a"})
    assert bad.status_code == 422 and bad.get_json()["errors"]


def test_follow_a_report_after_saying_me_too(live_server: Any, phone: Any,
                                             artifacts: Path) -> None:
    d = make_district()
    author, _ = make_resident()
    opinion = make_opinion(d.site_a, resident_id=author.id,
                           text="河边护栏断了一截，孩子放学经过很危险")
    _neighbour, token = make_resident()
    _as(phone, token)
    response = phone.context.request.post(
        f"{live_server.url}/api/v1/intake/opinions/{opinion.tracking_no}/support",
        headers={"Authorization": f"Bearer {token}"})
    assert response.ok, response.text()
    phone.goto(f"{live_server.url}/s/{d.site_a.code}#/mine")
    item = phone.locator("#mine-list a.mine-item", has_text="河边护栏断了一截")
    item.wait_for(timeout=10_000)
    assert "我也遇到了" in item.inner_text()
    item.click()
    phone.wait_for_function("t => document.getElementById('detail-no').textContent === t",
                            arg=opinion.tracking_no, timeout=10_000)
    assert phone.inner_text("#detail-timeline").strip()
    assert "13812345678" not in phone.content() and "5678" not in phone.inner_text("#detail-meta")
    phone.screenshot(path=str(artifacts / "resident-follow-me-too.png"), full_page=True)
