"""The browser harness: Debian's Chromium through Playwright, at a phone viewport."""

from __future__ import annotations

import pytest

from tests.factories import make_district

pytestmark = pytest.mark.browser


def test_site_page_opens_on_a_phone(live_server, phone, artifacts):
    d = make_district()
    phone.goto(f"{live_server.url}/s/{d.site_a.code}")
    phone.wait_for_function("document.getElementById('unit-path').textContent.includes('黄庄村')")
    assert phone.locator("#site-name").inner_text() == "黄庄村协商议事室"
    assert phone.evaluate("localStorage.getItem('sl.resident.token')").startswith("r.")
    phone.screenshot(path=str(artifacts / "smoke-site-page-phone.png"), full_page=True)


def test_unknown_site_code_shows_a_chinese_message(live_server, phone):
    make_district()
    phone.goto(f"{live_server.url}/s/NOPE99")
    phone.wait_for_selector("#page-error:not([hidden])")
    assert "找不到" in phone.locator("#page-error").inner_text()
