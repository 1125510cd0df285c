"""The audit log page in a real browser: rows newest first, filters, refusal for other roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.audit import services
from tests.factories import PASSWORD, make_user


def _record(**overrides: Any) -> dict[str, Any]:
    from server.common.models import utcnow

    record = {"at": utcnow().isoformat(), "actor_kind": "staff", "user_id": 99,
              "username": "dispatcher-wang", "action": "export", "method": "GET",
              "endpoint": "dispatch.export_cases", "path_template": "/api/v1/cases/export",
              "path": "/api/v1/cases/export", "status": 200, "outcome": "ok",
              "personal_data": True, "ip": "10.20.30.40", "summary": None}
    record.update(overrides)
    return record


@pytest.mark.browser
def test_supervisor_searches_the_log_and_others_are_refused(live_server: Any, new_context: Any,
                                                            artifacts: Path) -> None:
    make_user("supervisor", "jiandu")
    make_user("dispatcher", "paidan")
    services.insert_direct(_record())
    services.insert_direct(_record(action="write", method="PATCH", personal_data=False,
                                   path_template="/api/v1/dispatch/settings",
                                   path="/api/v1/dispatch/settings", summary={"days": 5}))
    context = new_context(viewport={"width": 1366, "height": 900})
    try:
        failed = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                      data={"username": "jiandu", "password": "wrong-one"})
        assert failed.status == 401
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": "jiandu", "password": PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/audit")
        page.wait_for_selector("#rows tr")
        rows = page.locator("#rows tr")
        # Newest first: the sign-in, the failed attempt (drained from the stream), then ours.
        assert rows.count() == 4
        assert "登录" in rows.nth(0).inner_text() and "jiandu" in rows.nth(0).inner_text()
        assert "未登录（尝试 jiandu）" in rows.nth(1).inner_text()
        assert "被拒绝 401" in rows.nth(1).inner_text()
        page.screenshot(path=str(artifacts / "audit-log.png"), full_page=True)
        page.check("input[name=personal_data]")
        page.click("#filters button[type=submit]")
        page.wait_for_function("document.querySelectorAll('#rows tr').length === 1")
        assert "个人信息" in rows.nth(0).inner_text()
        # A readable action; the raw request stays in the cell's tooltip.
        assert "案件 · 导出" in rows.nth(0).inner_text()
        assert "/api/v1/cases/export" in (rows.nth(0).locator("td.path").get_attribute("title")
                                          or "")
        assert "personal_data=true" in (page.get_attribute("#export", "href") or "")
    finally:
        context.close()
    other = new_context()
    try:
        assert other.request.post(f"{live_server.url}/api/v1/auth/login",
                                  data={"username": "paidan", "password": PASSWORD}).ok
        page = other.new_page()
        page.goto(f"{live_server.url}/console/audit")
        page.wait_for_selector("#forbidden:not([hidden])")
        assert page.locator("#search-card").is_hidden()
    finally:
        other.close()
