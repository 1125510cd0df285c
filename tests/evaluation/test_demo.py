"""`make run`'s demo district shows non-empty figures on the dashboard and the wall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.evaluation import services, wall
from server.extensions import db
from server.sites.models import Unit


def _district() -> Unit:
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    assert root is not None
    return root


def test_demo_seeding_fills_the_four_highs(app: Any) -> None:
    from server.demo import seed_demo

    seed_demo()
    figures = services.dashboard(_district().id, services.make_period(None, None))["figures"]
    for key in ("awareness", "participation", "success", "satisfaction"):
        assert figures[key] is not None and figures[key] > 0, key
    assert figures["collected"] > 100 and figures["rated"] > 0
    assert figures["outcome_rated"] > 0 and figures["activities"] > 0
    snap = wall.snapshot(_district().id)
    assert snap["counters"]["meetings"] == 2 and snap["counters"]["present"] > 0
    assert len(snap["reports"]) == wall.LATEST_REPORTS


@pytest.mark.browser
@pytest.mark.slow
def test_demo_dashboard_screenshot(live_server: Any, new_context: Any, artifacts: Path) -> None:
    from server.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    context = new_context(viewport={"width": 1366, "height": 1400})
    try:
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": "supervisor", "password": DEMO_PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/dashboard")
        page.wait_for_selector("body[data-ready='1']")
        highs = page.locator("#highs .tile")
        for n in range(4):
            assert "%" in highs.nth(n).inner_text(), highs.nth(n).inner_text()
        assert page.locator("#ranking a").count() == 14
        page.screenshot(path=str(artifacts / "evaluation-dashboard-demo.png"), full_page=True)
        wall_page = context.new_page()
        wall_page.set_viewport_size({"width": 1920, "height": 1080})
        wall_page.goto(f"{live_server.url}/console/wall")
        wall_page.wait_for_selector("body[data-ready='1']")
        assert wall_page.locator("#meetings li").count() == 2
        wall_page.screenshot(path=str(artifacts / "evaluation-wall-demo.png"))
    finally:
        context.close()
