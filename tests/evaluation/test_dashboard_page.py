"""The dashboard page in a real browser: figures, drill-down, heat table, SVG trend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.evaluation.factories import seed_demo_like
from tests.factories import PASSWORD, make_user


@pytest.mark.browser
def test_dashboard_shows_the_district_and_drills_down(live_server: Any, new_context: Any,
                                                      artifacts: Path) -> None:
    seed_demo_like()
    leader = make_user("supervisor", "leader")
    context = new_context(viewport={"width": 1366, "height": 1400})
    try:
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": leader.username,
                                              "password": PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/dashboard")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#topics button")
        highs = page.locator("#highs .tile")
        assert highs.count() == 4
        assert "成事率" in highs.nth(2).inner_text() and "%" in highs.nth(2).inner_text()
        assert "口径" in highs.nth(3).inner_text()
        assert page.locator("#trend svg polyline").count() == 2
        assert page.locator("#heat tr").count() == 6  # header + 5 categories
        assert page.locator("#ranking a").count() == 3
        page.screenshot(path=str(artifacts / "evaluation-dashboard.png"), full_page=True)

        page.locator("#ranking a", has_text="大冈镇").click()
        page.wait_for_function("document.querySelector('#crumbs').innerText.includes('大冈镇')")
        page.wait_for_selector("#ranking a:text('沙岗村')")
        row = page.locator("#ranking tr", has_text="沙岗村").inner_text()
        assert "—" in row  # 沙岗村 has no population: no participation rate
        page.locator("#topics button").first.click()
        assert page.locator("#topic-items li").count() > 0
        page.screenshot(path=str(artifacts / "evaluation-dashboard-sector.png"), full_page=True)
    finally:
        context.close()
