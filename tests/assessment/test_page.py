"""The assessment page in a real browser: rankings, shortfall, checklist, weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.assessment import checklist
from server.assessment.demo import DEMO_PDF
from tests.factories import PASSWORD, make_user


def _open(new_context: Any, live_server: Any, user: Any) -> tuple[Any, Any]:
    context = new_context(viewport={"width": 1366, "height": 1600})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": user.username, "password": PASSWORD})
    assert response.ok
    page = context.new_page()
    page.goto(f"{live_server.url}/console/assessment?year=2025")
    page.wait_for_selector("body[data-ready='1']")
    return context, page


@pytest.mark.browser
def test_assessment_page_ranks_and_shows_the_checklist(world: Any, live_server: Any,
                                                       new_context: Any, artifacts: Path) -> None:
    checklist.seed_default_items()
    admin = make_user("admin", "score-admin")
    items = checklist.list_items()
    checklist.add_evidence(admin, world.d.site_a.id, items[5].id, DEMO_PDF, "台账.pdf", None)
    supervisor = make_user("supervisor", "score-sup")
    checklist.review_item(supervisor, world.d.site_a.id, items[5].id, "approved", "齐全")

    context, page = _open(new_context, live_server, supervisor)
    try:
        rows = page.locator("#departments tr")
        assert rows.count() == 6  # header + 5 departments
        assert "民政局" in rows.nth(1).inner_text()
        a_row = page.locator("#departments tr", has_text="交通运输局").inner_text()
        assert "41.7" in a_row and "57.1%" in a_row and "37.5%" in a_row
        assert page.locator("#departments tr", has_text="水务局").inner_text().count("—") >= 5
        assert "Σ" in page.locator("#formula").inner_text()
        short = page.locator("#shortfall tr", has_text="新丰村示范点").inner_text()
        assert "未达标" in short or "进度落后" in short
        assert page.locator("#checklist tr", has_text=world.d.site_a.name).inner_text() \
            .split("\t")[2:4] == ["1", "1"]
        page.locator("#checklist a", has_text=world.d.site_a.name).click()
        page.wait_for_selector("#site-checklist .item")
        ledger = page.locator("#site-checklist .item", has_text="有台账").inner_text()
        assert "已通过" in ledger and "测试supervisor" in ledger and "台账.pdf" in ledger
        assert page.locator("#weights input[disabled]").count() == 16
        page.screenshot(path=str(artifacts / "assessment-page.png"), full_page=True)
    finally:
        context.close()

    context, page = _open(new_context, live_server, admin)
    try:
        page.fill("#weights input[name='department.sign_ontime']", "0")
        page.fill("#weights input[name='department.answer_ontime']", "0")
        page.fill("#weights input[name='department.satisfaction']", "0")
        page.fill("#weights input[name='department.resolution']", "100")
        page.click("#weights button[type='submit']")
        page.wait_for_function(
            "document.querySelector('#departments tr:nth-child(3)').innerText"
            ".includes('交通运输局')")
        assert "27.3" in page.locator("#departments tr", has_text="交通运输局").inner_text()
        page.screenshot(path=str(artifacts / "assessment-page-weights.png"), full_page=True)

        # A file uploaded by mistake is withdrawn from the checklist; approved items keep theirs.
        checklist.add_evidence(admin, world.d.site_a.id, items[0].id, DEMO_PDF, "错的.pdf", None)
        page.locator("#checklist a", has_text=world.d.site_a.name).click()
        place = page.locator("#site-checklist .item", has_text="有场所")
        place.locator("text=错的.pdf").wait_for()
        ledger = page.locator("#site-checklist .item", has_text="有台账")
        assert ledger.locator("button", has_text="撤回").count() == 0
        page.once("dialog", lambda dialog: dialog.accept())
        place.locator("button", has_text="撤回").click()
        page.wait_for_function("!document.querySelector('#site-checklist').innerText"
                               ".includes('错的.pdf')")
        assert "暂无材料" in page.locator("#site-checklist .item", has_text="有场所").inner_text()
    finally:
        context.close()
