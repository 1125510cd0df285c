"""The supervision page in Chromium with the demo data: warnings of every colour, orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.demo import DEMO_PASSWORD, seed_demo


def _context(new_context: Any, live_server: Any, username: str) -> Any:
    context = new_context(viewport={"width": 1366, "height": 1000})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": username, "password": DEMO_PASSWORD})
    assert response.ok, response.text()
    return context


@pytest.mark.browser
@pytest.mark.slow
def test_supervision_page_with_demo_data(live_server: Any, new_context: Any,
                                         artifacts: Path) -> None:
    seed_demo()
    context = _context(new_context, live_server, "supervisor")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/console/supervision")
        page.wait_for_selector("body[data-ready='1']")
        counts = {level: int(page.inner_text(f"#count-{level}"))
                  for level in ("blue", "yellow", "red")}
        assert counts["blue"] >= 2 and counts["yellow"] >= 2 and counts["red"] >= 3, counts
        levels = page.eval_on_selector_all("#warning-rows tr", "rs => rs.map(r => r.dataset.level)")
        assert set(levels) == {"blue", "yellow", "red"}
        assert levels == sorted(levels, key=["red", "yellow", "blue"].index)  # red first
        assert page.locator("#order-rows tr").count() == 4
        assert page.locator("#order-rows tr.level-yellow").count() == 1
        page.screenshot(path=str(artifacts / "supervision-warnings.png"), full_page=True)

        # Filter by clicking the red tile.
        page.click(".tile.red")
        page.wait_for_function("[...document.querySelectorAll('#warning-rows tr')]"
                               ".every(r => r.dataset.level === 'red')")
        # Issue an order on the first red case from its row.
        page.locator("#warning-rows tr.level-red button", has_text="督办").first.click()
        assert page.input_value("#o-case").startswith("YD")
        page.fill("#o-demand", "请于三个工作日内答复群众并报送整改情况。")
        page.click("#order-form button[type=submit]")
        page.wait_for_function("document.querySelectorAll('#order-rows tr').length === 5")
        assert "请于三个工作日内答复群众" in page.inner_text("#order-rows")
        page.screenshot(path=str(artifacts / "supervision-order-issued.png"), full_page=True)
    finally:
        context.close()

    # The handler answers the department order from the same page.
    context = _context(new_context, live_server, "handler")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/console/supervision")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#issue").is_hidden()
        page.once("dialog", lambda dialog: dialog.accept("已组织排查，三日内完成整改。"))
        row = page.locator("#order-rows tr.level-yellow")
        row.locator("button", has_text="回复").click()
        page.wait_for_function(
            "document.querySelectorAll('#order-rows tr.level-yellow').length === 0")
        assert "已回复" in page.inner_text("#order-rows")
    finally:
        context.close()
    # The demo's department head signs in with the demo password and got the red messages.
    context = _context(new_context, live_server, "jtys_head")
    try:
        inbox = context.request.get(f"{live_server.url}/api/v1/notifications")
        assert inbox.ok, inbox.text()
        assert "红色预警" in inbox.text()
    finally:
        context.close()
