"""In Chromium on a phone: 查看活动详情 opens a page with the meeting's time, place and agenda,
and before the meeting nobody is offered a check-in button that can only be refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.common.models import utcnow
from server.extensions import db
from server.meetings.models import AgendaItem
from tests.factories import make_district
from tests.meetings.factories import make_meeting


@pytest.mark.browser
def test_meeting_detail_view_from_the_site_page(live_server: Any, phone: Any,
                                                artifacts: Path) -> None:
    d = make_district()
    meeting = make_meeting(d.site_a, status="published", title="村东农路修缮协商会",
                           location="黄庄村党群服务中心二楼会议室", presence_check=True,
                           starts_at=utcnow() + timedelta(days=3),
                           description="请关心农路修缮的村民参加。")
    meeting.agenda = [AgendaItem(position=0, title="通报农路现状", note=""),
                      AgendaItem(position=1, title="讨论修缮顺序", note="东西向优先？")]
    db.session.commit()

    phone.goto(f"{live_server.url}/s/{d.site_a.code}")
    link = phone.locator(f"li.meeting[data-meeting='{meeting.code}'] a.button")
    link.wait_for(timeout=15_000)
    assert "查看活动详情" in link.inner_text()
    link.click()
    phone.wait_for_url(f"**/m/{meeting.code}")
    phone.wait_for_selector("#details:not([hidden])", timeout=15_000)
    details = phone.inner_text("#details")
    assert "时间" in details and "地点" in details
    assert "黄庄村党群服务中心二楼会议室" in details
    assert "通报农路现状" in details and "讨论修缮顺序" in details
    assert "请关心农路修缮的村民参加" in details
    when = phone.inner_text("#d-when")
    assert any(ch.isdigit() for ch in when), when
    # No button that would answer "请扫描会场大屏幕上的签到二维码": the page says how instead.
    assert phone.locator("#checkin-card").is_hidden()
    assert "扫描大屏幕上的签到二维码" in phone.inner_text("#checkin-hint")
    phone.screenshot(path=str(artifacts / "meeting-details-phone.png"), full_page=True)
