"""In Chromium, with the demo district: long staff lists are paged, sorted and searchable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.demo import DEMO_PASSWORD, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def staff_page(new_context: Any, live_server: Any, username: str) -> Any:
    """Return a 1440×900 console page signed in as a demo account."""
    context = new_context(viewport={"width": 1440, "height": 900})
    response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                    data={"username": username, "password": DEMO_PASSWORD})
    assert response.ok, response.text()
    return context.new_page()


def _rows(page: Any) -> list[str]:
    return page.eval_on_selector_all("#case-rows tr td:first-child",
                                     "cells => cells.map(c => c.textContent)")


def _wait_rows_change(page: Any, before: list[str]) -> list[str]:
    page.wait_for_function(
        "before => JSON.stringify([...document.querySelectorAll('#case-rows tr td:first-child')]"
        ".map(c => c.textContent)) !== JSON.stringify(before)", arg=before, timeout=10_000)
    return _rows(page)


def test_inbox_pages_sorts_and_searches_beyond_the_first_page(
        live_server: Any, new_context: Any, artifacts: Path) -> None:
    seed_demo()
    page = staff_page(new_context, live_server, "dispatcher")
    page.goto(f"{live_server.url}/console/")
    page.wait_for_selector("#case-rows tr")
    count = page.inner_text("#case-count")
    total = int(count.split("共 ")[1].split(" 件")[0])
    assert total > 100, count
    first_page = _rows(page)
    assert len(first_page) == 50
    assert "第 1 / " in page.inner_text("#case-pager"), page.inner_text("#case-pager")

    # Every case can be reached: the last page holds the remainder, with no overlap.
    page.click("#case-pager [data-page=next]")
    second = _wait_rows_change(page, first_page)
    assert len(second) == 50 and not set(second) & set(first_page)
    assert "第 2 / " in page.inner_text("#case-pager")
    page.screenshot(path=str(artifacts / "console-inbox-page-2.png"), full_page=True)

    # Sorting oldest-first puts the oldest case (the last one newest-first) on top.
    page.select_option("#f-sort", "oldest")
    oldest = _wait_rows_change(page, second)
    assert "第 1 / " in page.inner_text("#case-pager")
    assert oldest[0] < first_page[0]
    # Sorting by deadline: the answer dates shown ascend.
    page.select_option("#f-sort", "due")
    _wait_rows_change(page, oldest)
    dues = [tuple(int(n) for n in re.findall(r"\d+", d)[:3]) for d in page.eval_on_selector_all(
        "#case-rows tr td:last-child", "cells => cells.map(c => c.textContent)") if d]
    assert dues and dues == sorted(dues), dues

    # A search finds a case that is not on the first page.
    target = second[-1]
    page.select_option("#f-sort", "newest")
    page.fill("#f-q", target)
    page.click("#filters button[type=submit]")
    page.wait_for_function("t => [...document.querySelectorAll('#case-rows tr td:first-child')]"
                           ".map(c => c.textContent).join() === t", arg=target, timeout=10_000)
    assert page.locator("#case-pager").is_hidden()


    # Assessment ranks 265 sites: 20 rows at a time, so the page stays short.
    page = staff_page(new_context, live_server, "admin")
    page.goto(f"{live_server.url}/console/assessment")
    page.wait_for_function("document.querySelectorAll('#sites tr').length > 21", timeout=20_000)
    visible = page.eval_on_selector_all("#sites tr", "rs => rs.filter(r => !r.hidden).length")
    assert visible == 21, visible  # the header and 20 rows
    page.wait_for_function("document.querySelectorAll('#checklist tr').length > 1", timeout=10_000)
    page.click("#sites + .pager [data-page=next], .scroll:has(#sites) + .pager [data-page=next]")
    assert "第 2 / " in page.inner_text(".scroll:has(#sites) + .pager")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, f"assessment page is {height} px tall"
    page.screenshot(path=str(artifacts / "console-assessment-paged.png"), full_page=True)
