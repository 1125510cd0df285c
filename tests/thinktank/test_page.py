"""The think-tank console page and the invitation reply page in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.people.models import Invitation
from tests.factories import PASSWORD, make_user
from tests.thinktank.test_thinktank import farm_road_world, make_opinion


@pytest.mark.browser
def test_console_suggests_and_invites_and_the_expert_answers_by_link(
        live_server: Any, new_context: Any, phone: Any, artifacts: Path) -> None:
    d, experts = farm_road_world()
    opinion = make_opinion(d.site_a)
    dispatcher = make_user("dispatcher", "tt-dispatcher")
    context = new_context(viewport={"width": 1366, "height": 1000})
    try:
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": dispatcher.username,
                                              "password": PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/thinktank?opinion_id={opinion.id}")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#s-experts tr:nth-child(2)")
        first = page.locator("#s-experts tr").nth(1).inner_text()
        assert "龙冈农路专家" in first
        assert "专业匹配：农业农村、交通道路" in first and "同一板块：龙冈镇" in first
        assert "机耕路" in page.locator("#s-summary").inner_text()
        page.screenshot(path=str(artifacts / "thinktank-suggestions.png"), full_page=True)

        page.once("dialog", lambda dialog: dialog.accept("请到现场看看机耕路"))
        page.locator("#s-experts tr").nth(1).get_by_role("button", name="邀请").click()
        page.wait_for_selector("#s-link .link")
        link = page.locator("#s-link .link").inner_text()
        assert link.startswith(f"{live_server.url}/invite/") or "/invite/" in link

        page.locator("#tabs button[data-tab='experts']").click()
        page.wait_for_selector("#e-table tr:nth-child(2)")
        assert "****" in page.locator("#e-table tr").nth(1).inner_text()
    finally:
        context.close()

    token = link.rsplit("/", 1)[1]
    phone.goto(f"{live_server.url}/invite/{token}")
    phone.wait_for_selector("body[data-ready='1']")
    assert phone.locator("#name").inner_text() == "龙冈农路专家"
    assert phone.locator("#message").inner_text() == "请到现场看看机耕路"
    assert "机耕路坑坑洼洼" in phone.locator("#summary").inner_text()
    phone.screenshot(path=str(artifacts / "thinktank-invite-phone.png"), full_page=True)
    phone.fill("#note", "周三下午可以到")
    phone.click("#accept")
    phone.wait_for_selector("#answered:not([hidden])")
    assert "已接受" in phone.locator("#answered-text").inner_text()
    db.session.expire_all()
    invitation = db.session.scalar(select(Invitation))
    assert invitation.status == "accepted" and invitation.response_note == "周三下午可以到"
    assert invitation.expert_id == experts["lg_both"].id

    phone.reload()
    phone.wait_for_selector("body[data-ready='1']")
    assert "已回复" in phone.locator("#error").inner_text()
