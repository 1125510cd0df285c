"""In Chromium: the dashboard opens on the year to date, names topics by phrases, and its
trend chart keeps every label inside the chart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from server.common.text import SHANGHAI
from tests.evaluation.factories import seed_demo_like
from tests.factories import PASSWORD, make_user

SEED_TEXTS = ["村里的机耕路坑坑洼洼，拖拉机开不进田里", "老旧小区没有电梯，老人爬楼太难",
              "电瓶车飞线充电很危险，要装充电桩", "河道里垃圾很多，有黑臭水体",
              "独居老人吃饭难，希望办个老年食堂", "路灯坏了一个月没人修"]


@pytest.mark.browser
def test_dashboard_year_to_date_phrases_and_unclipped_chart(
        live_server: Any, new_context: Any, artifacts: Path) -> None:
    seed_demo_like()
    leader = make_user("supervisor", "leader-ytd")
    context = new_context(viewport={"width": 1440, "height": 900})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": leader.username, "password": PASSWORD})
    assert response.ok, response.text()
    page = context.new_page()
    year = datetime.now(SHANGHAI).year
    with page.expect_request(lambda r: "/api/v1/evaluation/dashboard?" in r.url) as first:
        page.goto(f"{live_server.url}/console/dashboard")
    assert f"start={year}-01-01" in first.value.url, first.value.url
    page.wait_for_selector("body[data-ready='1']")
    assert page.input_value("#start") == f"{year}-01-01"

    # Topics are named by the phrase their opinions share, not three loose words.
    page.wait_for_selector("#topics button")
    labels = page.eval_on_selector_all(
        "#topics button", "bs => bs.map(b => b.firstChild.textContent)")
    assert labels and not any("·" in label for label in labels), labels
    assert all(len(label) >= 4 for label in labels), labels
    said = [label for label in labels if any(label in text for text in SEED_TEXTS)]
    assert len(said) >= len(labels) // 2, labels  # mostly the residents' own words

    # Every label of the trend chart lies inside the drawn chart.
    outside = page.evaluate("""() => {
        const svg = document.querySelector('#trend svg').getBoundingClientRect();
        return [...document.querySelectorAll('#trend svg text')].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, left: r.left - svg.left, right: svg.right - r.right,
                    top: r.top - svg.top, bottom: svg.bottom - r.bottom};
        }).filter(b => b.left < 0 || b.right < 0 || b.top < 0 || b.bottom < 0);
    }""")
    assert outside == [], outside
    page.locator("#trend").screenshot(path=str(artifacts / "dashboard-trend.png"))
    page.screenshot(path=str(artifacts / "dashboard-year-to-date.png"), full_page=True)
