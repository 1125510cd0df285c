"""In Chromium at 1440×900: the console's navigation, controls and audit log read as meant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.dispatch.conftest import world as _dispatch_world  # noqa: F401 - a fixture
from tests.dispatch.factories import make_opinion
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

PAGES = ["/console/", "/console/dashboard", "/console/meetings", "/console/supervision",
         "/console/assessment", "/console/review", "/console/duty", "/console/thinktank",
         "/console/posters", "/console/audit", "/console/calendar", "/console/accounts",
         "/console/import", "/console/district", "/console/password"]
DEFAULT_LINK_BLUE = "rgb(0, 0, 238)"


def _signed_in(new_context: Any, live_server: Any, username: str) -> Any:
    context = new_context(viewport={"width": 1440, "height": 900})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": username, "password": PASSWORD})
    assert response.ok, response.text()
    return context.new_page()


def test_every_console_page_has_the_same_navigation(
        _dispatch_world: Any, live_server: Any, new_context: Any,  # noqa: F811
        artifacts: Path) -> None:
    page = _signed_in(new_context, live_server, _dispatch_world.admin.username)
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        bar = page.locator("nav.console-bar")
        bar.wait_for(timeout=10_000)
        hrefs = bar.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert "/console/" in hrefs and "/console/audit" in hrefs, (path, hrefs)
        current = bar.locator("a[aria-current=page]").get_attribute("href")
        assert current == path, (path, current)
        colours = bar.locator("a").evaluate_all(
            "as => as.map(a => getComputedStyle(a).color)")
        assert DEFAULT_LINK_BLUE not in colours, (path, colours)
        if path in ("/console/posters", "/console/audit"):
            page.screenshot(path=str(artifacts / f"console-nav{path.replace('/', '-')}.png"))
    # From the posters page there is a way back to the desk.
    page.goto(f"{live_server.url}/console/posters")
    page.click("nav.console-bar a[href='/console/']")
    page.wait_for_url(f"{live_server.url}/console/")
    # The home page's own link tiles are not default blue either.
    page.wait_for_selector("#home:not([hidden])")
    tile = page.locator(".console-nav a").first.evaluate("a => getComputedStyle(a).color")
    assert tile != DEFAULT_LINK_BLUE


def test_controls_look_like_what_they_do(
        _dispatch_world: Any, live_server: Any, new_context: Any,  # noqa: F811
        artifacts: Path) -> None:
    w = _dispatch_world
    page = _signed_in(new_context, live_server, w.dispatcher.username)
    page.goto(f"{live_server.url}/console/")
    page.wait_for_selector("#home:not([hidden])")
    page.locator("#f-overdue").wait_for(state="visible", timeout=15_000)
    box = page.locator("#f-overdue").bounding_box()
    assert box and box["width"] <= 28 and box["height"] <= 28, box
    page.screenshot(path=str(artifacts / "console-filters.png"))

    # Batch poster downloads look and act disabled until a unit is chosen.
    page.goto(f"{live_server.url}/console/posters")
    page.wait_for_selector("#batch:not([hidden]) #units select")
    looks = page.locator("#batch-pdf").evaluate(
        "a => [getComputedStyle(a).opacity, getComputedStyle(a).pointerEvents]")
    assert float(looks[0]) < 0.6 and looks[1] == "none", looks
    # The town list arrives by its own request: wait for it before choosing one.
    page.wait_for_function("(document.querySelector('#units select')?.options.length ?? 0) > 1",
                           timeout=15_000)
    page.locator("#units select").first.select_option(index=1)
    page.wait_for_function("document.getElementById('batch-pdf')"
                           ".getAttribute('aria-disabled') === 'false'", timeout=10_000)
    assert page.locator("#batch-pdf").evaluate("a => getComputedStyle(a).opacity") == "1"

    # The meeting form and the screens use one word for the quorum.
    page.goto(f"{live_server.url}/console/meetings")
    form = page.locator("label:has(#c-quorum)").inner_text()
    assert "法定人数" in form and "应到" not in form, form


def test_audit_log_reads_as_actions_not_requests(
        _dispatch_world: Any, live_server: Any, new_context: Any,  # noqa: F811
        artifacts: Path) -> None:
    w = _dispatch_world
    case = make_opinion(w.d.site_a, text="村口路灯不亮")
    page = _signed_in(new_context, live_server, w.admin.username)
    response = page.context.request.post(
        f"{live_server.url}/api/v1/cases/{case.id}/assign",
        headers={"X-CSRF-Token": _csrf(page, live_server)},
        data={"department_id": w.d.department.id, "note": "请尽快处理"})
    assert response.ok, response.text()
    page.goto(f"{live_server.url}/console/audit")
    page.wait_for_function("document.querySelectorAll('#rows tr').length > 0", timeout=15_000)
    text = page.inner_text("#rows")
    assert f"案件 #{case.id} · 派单" in text, text
    assert "POST /api/v1" not in text and "{" not in text, text
    assert "备注：请尽快处理" in text, text
    page.screenshot(path=str(artifacts / "console-audit-readable.png"), full_page=True)


def _csrf(page: Any, live_server: Any) -> str:
    me = page.context.request.get(f"{live_server.url}/api/v1/auth/me")
    assert me.ok, me.text()
    return str(me.json()["csrf_token"])
