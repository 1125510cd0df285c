"""In Chromium: a long warning list is shown 20 at a time with a pager."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from server.supervision.sweep import sweep
from tests.factories import PASSWORD
from tests.supervision.conftest import sh
from tests.supervision.test_warnings_api import _case


@pytest.mark.browser
def test_warning_list_is_paged(sv: Any, live_server: Any, new_context: Any,
                               artifacts: Path) -> None:
    for _ in range(45):
        _case(sv, sv.d.site_a, sv.d.department, sh(2026, 11, 16, 10), "consult")
    sweep(sh(2026, 11, 20, 9).astimezone(UTC))
    context = new_context(viewport={"width": 1440, "height": 900})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": sv.supervisor.username, "password": PASSWORD})
    assert response.ok, response.text()
    page = context.new_page()
    page.goto(f"{live_server.url}/console/supervision")
    page.wait_for_selector("body[data-ready='1']")
    assert "共 45 条预警" in page.inner_text("#warning-count")
    assert page.locator("#warning-rows tr").count() == 20
    assert "第 1 / 3 页" in page.inner_text("#warning-pager")
    for n in (2, 3):
        page.click("#warning-pager [data-page=next]")
        page.wait_for_function(
            "n => document.querySelector('#warning-pager').textContent.includes(`第 ${n} /`)",
            arg=n, timeout=10_000)
    assert page.locator("#warning-rows tr").count() == 5
    assert page.locator("#warning-pager [data-page=next]").is_disabled()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, f"supervision page is {height} px tall"
    page.screenshot(path=str(artifacts / "console-supervision-paged.png"), full_page=True)
