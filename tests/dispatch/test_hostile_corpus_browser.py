"""In Chromium: hostile text residents and staff type is shown as text, and runs nothing.

The corpus (script tags, event-handler markup, javascript: links, RTL overrides, zero-width
characters) goes in through the API into a resident's report, a resident's topic for the
site, a staff member's meeting title and poll title; then every page that shows them is
opened. The pages run with the CSP bypassed here, so it is the pages' own escaping that is
checked (tests/browser/test_csp.py checks the policy itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.people.services import issue_api_token
from tests.dispatch.factories import make_category
from tests.factories import PASSWORD, bearer, make_resident
from tests.meetings.factories import make_meeting

pytestmark = pytest.mark.browser

CORPUS = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=2\">",
    "\"><svg onload=window.__pwned=3>",
    "<a href=\"javascript:window.__pwned=4\">点我</a>",
    "路灯\u202egnp.exe\u202c坏了",  # RTL override
    "电\u200b话\u200d号\ufeff码",  # zero-width characters
    "{{7*7}}${7*7}<b>粗体</b>",
]
TEXT = " ".join(CORPUS)
SHOWN = ["<script>window.__pwned=1</script>", "<img src=x onerror=", "<b>粗体</b>"]


def _wait_text(page: Any, needle: str) -> None:
    try:
        page.wait_for_function("n => document.body.innerText.includes(n)", arg=needle,
                               timeout=15000)
    except Exception as exc:  # noqa: BLE001 - say what the page showed
        raise AssertionError(f"{page.url}: {needle!r} not shown; saw "
                             f"{page.inner_text('body')[:800]!r}") from exc


def _check(page: Any, url: str, needles: list[str], artifacts: Path, name: str) -> None:
    page.goto(url)
    for needle in needles:
        _wait_text(page, needle)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None, url
    injected = page.evaluate(
        "document.querySelectorAll('img[src=x], svg[onload], a[href^=javascript]').length"
        " + [...document.querySelectorAll('b')].filter(e => e.textContent === '粗体').length")
    assert injected == 0, (url, injected)
    page.screenshot(path=str(artifacts / f"hostile-{name}.png"), full_page=True)


def test_hostile_text_is_shown_as_text_everywhere(world: Any, client: Any, browser: Any,
                                                  live_server: Any, artifacts: Path) -> None:
    w = world
    roads = make_category("道路交通", "complaint")
    _resident, token = make_resident()
    filed = client.post("/api/v1/intake/opinions", headers=bearer(token), json={
        "site_code": w.d.site_a.code, "category_id": roads.id, "text": TEXT, "consent": True})
    assert filed.status_code == 201, filed.get_json()
    topic = client.post(f"/api/v1/sites/{w.d.site_a.code}/topics", headers=bearer(token),
                        json={"title": CORPUS[0][:60], "detail": TEXT[:500]})
    assert topic.status_code == 201, topic.get_json()
    meeting = make_meeting(w.d.site_a, title=CORPUS[1][:60])
    staff = bearer(issue_api_token(w.admin)[0])
    poll = client.post(f"/api/v1/meetings/{meeting.id}/polls", headers=staff,
                       json={"title": CORPUS[0], "kind": "yesno"})
    assert poll.status_code == 201, poll.get_json()
    assert client.post(f"/api/v1/polls/{poll.get_json()['id']}/open",
                       headers=staff, json={}).status_code == 200

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        login = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                     data={"username": w.admin.username, "password": PASSWORD})
        assert login.ok, login.text()
        base = live_server.url
        _check(page, f"{base}/console/", [SHOWN[0]], artifacts, "console")
        page.click("#case-rows tr")
        for needle in SHOWN:
            _wait_text(page, needle)
        assert page.evaluate("window.__pwned") is None
        _check(page, f"{base}/console/wall", [SHOWN[0][:20]], artifacts, "wall")
        _check(page, f"{base}/meetings/{meeting.id}/screen", [CORPUS[1][:40]], artifacts,
               "screen")
        _check(page, f"{base}/meetings/{meeting.id}/control", [CORPUS[1][:40]], artifacts,
               "control")
        resident = browser.new_context(viewport={"width": 360, "height": 640},
                                       locale="zh-CN")
        phone = resident.new_page()
        try:
            _check(phone, f"{base}/s/{w.d.site_a.code}", [CORPUS[0][:40]], artifacts,
                   "site-page")
            _check(phone, f"{base}/m/{meeting.code}", [CORPUS[1][:40]], artifacts,
                   "meeting-phone")
        finally:
            resident.close()
    finally:
        context.close()
