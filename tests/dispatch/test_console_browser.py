"""In Chromium: a dispatcher assigns a new case, the handler signs for it and answers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.dispatch.assignment import set_route
from tests.dispatch.factories import make_category, make_opinion
from tests.factories import PASSWORD

BUTTONS = "bs => bs.map(b => b.dataset.action)"


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/console/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#case-rows tr")


def _act(page: Any, action: str) -> None:
    page.click(f"#c-actions button[data-action={action}]")
    page.wait_for_selector("#a-submit")


@pytest.mark.browser
def test_dispatcher_assigns_handler_signs_and_answers(
        world: Any, new_context: Any, live_server: Any, artifacts: Path) -> None:
    w = world
    roads = make_category("道路交通", "complaint")
    set_route(w.admin, category_id=roads.id, unit_id=None, department_id=w.d.department.id)
    case = make_opinion(w.d.site_a, category=roads, kind="complaint",
                        text="黄庄村村东头路灯坏了三个月，晚上出行不安全")
    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _login(page, live_server.url, w.dispatcher.username)
        page.screenshot(path=str(artifacts / "dispatch-1-inbox.png"), full_page=True)
        page.click(f"#case-rows tr[data-id='{case.id}']")
        page.wait_for_selector("#c-actions button[data-action=assign]")
        # A dispatcher sees dispatch actions only.
        shown = page.eval_on_selector_all("#c-actions button", BUTTONS)
        assert set(shown) == {"accept", "decline", "assign", "merge"}
        _act(page, "assign")
        # The routing table suggested the department.
        assert page.input_value("#a-department") == str(w.d.department.id)
        page.fill("#a-note", "请于期限内处理")
        page.click("#a-submit")
        page.wait_for_selector("#c-state:text('已派单')")
        page.screenshot(path=str(artifacts / "dispatch-2-assigned.png"), full_page=True)
        page.click("#logout")
        page.wait_for_selector("#login-form:not([hidden])")

        _login(page, live_server.url, w.handler.username)
        # The inbox row opens by keyboard too: it takes focus and Enter opens the case.
        page.focus(f"#case-rows tr[data-id='{case.id}']")
        page.keyboard.press("Enter")
        page.wait_for_selector("#c-actions button[data-action=sign]")
        shown = page.eval_on_selector_all("#c-actions button", BUTTONS)
        assert set(shown) == {"sign", "return"}
        _act(page, "sign")
        page.click("#a-submit")
        page.wait_for_selector("#c-state:text('已签收')")
        _act(page, "answer")
        page.fill("#a-text", "已更换路灯三盏，现已恢复照明。")
        page.click("#a-submit")
        page.wait_for_selector("#c-state:text('已答复')")
        timeline = page.eval_on_selector_all(
            "#c-timeline li", "ls => ls.map(l => l.dataset.action)")
        assert timeline == ["submit", "accept", "assign", "sign", "answer"]
        text = page.inner_text("#c-timeline")
        assert "请于期限内处理" in text and "已更换路灯三盏" in text
        assert page.eval_on_selector_all("#c-actions button", "bs => bs.length") == 0
        assert "暂无可执行的操作" in page.inner_text("#c-actions")
        page.screenshot(path=str(artifacts / "dispatch-3-answered.png"), full_page=True)
    finally:
        context.close()
