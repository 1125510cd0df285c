"""Every page works under the Content-Security-Policy: no violation, no script error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, make_district, make_user
from tests.meetings.factories import make_meeting

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def open_strict(browser: Any) -> Any:
    """A context that enforces the CSP (the suite's contexts bypass it by default)."""
    context = browser.new_context(bypass_csp=False, locale="zh-CN",
                                  viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH)
    return context


def test_every_page_runs_under_the_policy(live_server: Any, browser: Any, db: Any) -> None:
    d = make_district()
    admin = make_user("admin")
    meeting = make_meeting(d.site_a)
    context = open_strict(browser)
    login = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                 data={"username": admin.username, "password": PASSWORD})
    assert login.ok, login.text()
    pages = [f"/s/{d.site_a.code}", "/console/", "/console/audit", "/console/assessment",
             "/console/dashboard", "/console/wall", "/console/meetings", "/console/thinktank",
             "/console/supervision", "/console/posters", f"/meetings/{meeting.id}/screen",
             f"/meetings/{meeting.id}/control", f"/m/{meeting.code}", "/s/NOPE99"]
    problems: dict[str, list[str]] = {}
    for path in pages:
        page = context.new_page()
        seen: list[str] = []
        page.on("console", lambda msg, seen=seen: seen.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda exc, seen=seen: seen.append(f"pageerror: {exc}"))
        page.goto(f"{live_server.url}{path}", wait_until="load")
        page.wait_for_timeout(400)  # module scripts and their first fetches
        seen.extend(page.evaluate("window.__csp"))
        assert page.evaluate("document.querySelectorAll('script[type=module]').length") >= 0
        if seen:
            problems[path] = seen
        page.close()
    context.close()
    assert problems == {}, problems
