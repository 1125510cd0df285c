"""The staff posters page: pick a unit, download its batch PDF, every page decodes."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_district, make_user
from tests.sites.factories import decode, pdf_pages

pytestmark = pytest.mark.browser


def test_staff_picks_a_town_and_downloads_its_batch_pdf(live_server, new_context, artifacts):
    d = make_district()
    user = make_user("dispatcher", unit_id=d.town.id)
    context = new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    try:
        login = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                     data={"username": user.username, "password": PASSWORD})
        assert login.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/posters")
        page.wait_for_selector("#units select")
        page.select_option("#units select", label="盐都区")
        page.wait_for_selector("#units select:nth-of-type(2)")
        page.select_option("#units select:nth-of-type(2)", label="龙冈镇")
        assert "龙冈镇" in page.locator("#unit-label").inner_text()
        with page.expect_download() as info:
            page.click("#batch-pdf")
        data = info.value.path().read_bytes()
        assert info.value.suggested_filename.endswith(".pdf")
        assert [decode(img) for img in pdf_pages(data, 1.4)] == [
            [f"https://sl.example.cn/s/{s.code}"] for s in (d.site_a, d.site_b)]
        # The whole district is outside a town dispatcher's scope: a readable refusal.
        page.select_option("#units select:nth-of-type(2)", label="（整个单元）")
        page.click("#batch-pdf")
        page.wait_for_selector("#batch-error:not([hidden])")
        assert "管辖范围" in page.locator("#batch-error").inner_text()
        page.fill("#q", "黄庄")
        page.click("#search button")
        page.wait_for_selector("#sites li .links")
        assert page.locator("#sites li").count() == 1
        page.screenshot(path=str(artifacts / "console-posters.png"), full_page=True)
    finally:
        context.close()
