"""The administrator's journey in Chromium: first sign-in, import, a dispatcher, revocation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from server.people.accounts import create_admin
from tests.district.workbook_factory import county

ADMIN_PASSWORD = "Zq8-lantern-river"
DISPATCHER_PASSWORD = "Paidan-harbour-77"


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/console/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


@pytest.mark.browser
def test_first_admin_imports_the_district_and_manages_a_dispatcher(
        live_server: Any, browser: Any, artifacts: Path, tmp_path: Path) -> None:
    base = live_server.url
    create_admin("chief", "县政协管理员", ADMIN_PASSWORD)
    good = county(towns=2, villages=4)
    bad = county(towns=2, villages=4)
    bad.sheets["单位"][3][2] = "QX77"          # an unknown parent: 单位, row 5, 上级编码
    bad.sheets["点位"][2][6] = 500            # longitude out of range: 点位, row 4, 经度
    (tmp_path / "bad.xlsx").write_bytes(bad.xlsx())
    (tmp_path / "good.xlsx").write_bytes(good.xlsx())

    admin_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        admin = admin_ctx.new_page()
        _sign_in(admin, base, "chief", ADMIN_PASSWORD)
        admin.wait_for_selector("#home:not([hidden])")
        assert "县政协管理员" in admin.inner_text("#who")

        # A dry run shows every problem by sheet, row and column; nothing is written.
        admin.goto(f"{base}/console/import")
        admin.wait_for_selector("#upload-card:not([hidden])")
        admin.set_input_files("#file", str(tmp_path / "bad.xlsx"))
        admin.click("#check")
        admin.wait_for_selector("#problems:not([hidden]) tbody tr")
        rows = [r.inner_text() for r in admin.locator("#problems tbody tr").all()]
        assert any(r.split("\t")[:3] == ["单位", "5", "上级编码"] and "QX77" in r
                   for r in rows), rows
        assert any(r.split("\t")[:3] == ["点位", "4", "经度"] for r in rows), rows
        assert "未写入任何数据" in admin.inner_text("#error")
        assert admin.is_disabled("#run")
        admin.screenshot(path=str(artifacts / "import-problems.png"), full_page=True)

        # After the fix: the check passes, then the import writes and shows passwords once.
        admin.set_input_files("#file", str(tmp_path / "good.xlsx"))
        admin.click("#check")
        admin.wait_for_function("document.querySelector('#status').textContent.includes('检查通过')")
        assert admin.locator("#problems").is_hidden()
        admin.click("#run")
        admin.wait_for_function("document.querySelector('#status').textContent.includes('导入完成')")
        admin.wait_for_selector("#credentials-card:not([hidden])")
        assert admin.locator("#credentials tbody tr").count() == 9
        admin.screenshot(path=str(artifacts / "import-done.png"), full_page=True)

        # A dispatcher is created on 账号与权限 with a temporary password.
        admin.goto(f"{base}/console/accounts")
        admin.wait_for_selector("#create-card:not([hidden])")
        admin.wait_for_function("document.querySelectorAll('#accounts tbody tr').length > 5")
        admin.fill("#create input[name=username]", "qx_paidan")
        admin.fill("#create input[name=display_name]", "新调度员")
        admin.select_option("#role", "dispatcher")
        admin.select_option("#scope", "")
        admin.click("#create button[type=submit]")
        admin.wait_for_selector("#temporary-box:not([hidden])")
        temporary = admin.inner_text("#temporary-password").strip()
        assert len(temporary) == 19

        # The dispatcher signs in and must replace the temporary password first.
        staff = staff_ctx.new_page()
        _sign_in(staff, base, "qx_paidan", temporary)
        staff.wait_for_url(f"{base}/console/password")
        staff.wait_for_selector("#must-change:not([hidden])")
        blocked = staff_ctx.request.get(f"{base}/api/v1/cases")
        assert blocked.status == 403 and blocked.json()["code"] == "password_change_required"
        staff.fill("#current", temporary)
        staff.fill("#new", "woaini1314")
        staff.fill("#again", "woaini1314")
        staff.click("#password-form button[type=submit]")
        staff.wait_for_selector("#error:not([hidden])")
        assert "太常见" in staff.inner_text("#error")
        staff.fill("#new", DISPATCHER_PASSWORD)
        staff.fill("#again", DISPATCHER_PASSWORD)
        staff.click("#password-form button[type=submit]")
        staff.wait_for_url(f"{base}/console/")
        staff.wait_for_selector("#inbox:not([hidden])")
        assert staff_ctx.request.get(f"{base}/api/v1/cases").status == 200
        token = requests.post(f"{base}/api/v1/auth/tokens", timeout=10, json={
            "username": "qx_paidan", "password": DISPATCHER_PASSWORD}).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{base}/api/v1/cases", headers=bearer, timeout=10).status_code == 200

        # Disabled by the administrator: signed out at once, cookie and token both.
        admin.fill("#search input[name=q]", "qx_paidan")
        admin.click("#search button[type=submit]")
        row = admin.locator("#accounts tbody tr[data-username=qx_paidan]")
        row.wait_for()
        row.locator("button", has_text="停用").click()
        admin.wait_for_function(
            "document.querySelector('#accounts tbody tr[data-username=qx_paidan]')"
            "?.innerText.includes('已停用')")
        assert staff_ctx.request.get(f"{base}/api/v1/cases").status == 401
        assert requests.get(f"{base}/api/v1/cases", headers=bearer, timeout=10).status_code == 401
        staff.reload()
        staff.wait_for_selector("#login-form:not([hidden])")
        assert staff.locator("#home").is_hidden()
        admin.screenshot(path=str(artifacts / "accounts-disabled.png"), full_page=True)
    finally:
        admin_ctx.close()
        staff_ctx.close()
