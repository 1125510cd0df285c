"""The 区县结构 page in Chromium: walk the units, save a site's coordinates, add a unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.extensions import db
from server.sites.models import Site, Unit
from tests.factories import PASSWORD, make_district, make_user


@pytest.mark.browser
def test_admin_edits_the_structure(live_server: Any, browser: Any, artifacts: Path) -> None:
    d = make_district()
    make_user("admin", "jiegou")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    try:
        assert context.request.post(f"{live_server.url}/api/v1/auth/login", data={
            "username": "jiegou", "password": PASSWORD}).ok
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/console/district")
        page.wait_for_selector("#units tbody tr")
        # Names are editable inputs: rows are found by their codes.
        page.locator("#units tbody tr", has_text=d.district.code).locator(
            "button", has_text="进入").click()
        page.wait_for_selector(f"#units tbody tr >> text={d.town.code}")
        page.locator("#units tbody tr", has_text=d.town.code).locator(
            "button", has_text="进入").click()
        page.wait_for_selector(f"#units tbody tr >> text={d.village_a.code}")
        # The sites table reloads for the town too: edit only once it no longer lists the
        # other town's site (a fill before that re-render would be lost).
        page.wait_for_function(
            f"(() => {{ const t = document.querySelector('#sites tbody').innerText;"
            f" return t.includes('{d.site_a.code}') && !t.includes('{d.site_c.code}'); }})()")
        row = page.locator("#sites tbody tr", has_text=d.site_a.code)
        row.locator("input[aria-label=纬度]").fill("33.35")
        row.locator("input[aria-label=经度]").fill("120.16")
        row.locator("button", has_text="保存").click()
        page.wait_for_function(
            f"[...document.querySelectorAll('#sites tbody tr')].some(r => r.innerText.includes("
            f"'{d.site_a.code}') && r.querySelector('input').value === '33.35')")
        page.fill("#unit-form input[name=code]", "NEW01")
        page.fill("#unit-form input[name=name]", "新丰社区")
        page.select_option("#unit-kind", "community")
        page.click("#unit-form button[type=submit]")
        page.wait_for_selector("#units tbody tr >> text=NEW01")
        page.screenshot(path=str(artifacts / "district-structure.png"), full_page=True)
        assert errors == []
        db.session.expire_all()
        assert db.session.get(Site, d.site_a.id).latitude == 33.35
        new = db.session.query(Unit).filter_by(code="NEW01").one()
        assert new.parent_id == d.town.id and new.path.startswith(d.town.path)
    finally:
        context.close()
