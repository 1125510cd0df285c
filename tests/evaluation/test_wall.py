"""The command-centre wall: its snapshot (no personal data), its page and its live stream."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.common.models import utcnow
from server.evaluation import wall
from server.extensions import db
from server.meetings.models import Attendance, Meeting
from tests.evaluation.factories import make_opinion, seed_demo_like
from tests.factories import PASSWORD, bearer, login, make_district, make_resident, make_user


def _in_session(site: Any, title: str, present: int, code: str) -> Meeting:
    meeting = Meeting(code=code, site_id=site.id, title=title, status="in_session",
                      starts_at=utcnow() - timedelta(minutes=20), quorum=30)
    db.session.add(meeting)
    db.session.flush()
    for _ in range(present):
        resident, _token = make_resident()
        db.session.add(Attendance(meeting_id=meeting.id, resident_id=resident.id))
    db.session.commit()
    return meeting


def test_wall_snapshot_counts_and_masks(app: Any) -> None:
    d = make_district()
    now = utcnow()
    resident, _ = make_resident()
    make_opinion(d.site_a, "in_progress", now - timedelta(days=20), due=now - timedelta(days=2),
                 text="桥头护栏松动，联系我 13812345678", resident=resident)
    make_opinion(d.site_b, "assigned", now - timedelta(days=3), due=now + timedelta(days=5))
    make_opinion(d.site_c, "signed", now - timedelta(days=30), due=now - timedelta(days=9))
    make_opinion(d.site_c, "answered", now - timedelta(days=30), due=now - timedelta(days=9),
                 answered=now - timedelta(days=10))  # answered: not overdue any more
    make_opinion(d.site_a, "voided", now - timedelta(hours=1), text="作废的不上墙")
    _in_session(d.site_a, "黄庄村农路修缮协商会", 3, "W1")
    db.session.add(Meeting(code="W2", site_id=d.site_b.id, title="已结束的会", status="closed",
                           starts_at=now - timedelta(days=1)))
    db.session.commit()

    snap = wall.snapshot(d.district.id, now=now)
    c = snap["counters"]
    assert c["open"] == 3 and c["overdue"] == 2
    assert c["meetings"] == 1 and c["present"] == 3
    assert [(m["title"], m["present"]) for m in snap["meetings"]] == [("黄庄村农路修缮协商会", 3)]
    sectors = {s["name"]: s["overdue"] for s in snap["overdue_by_sector"]}
    assert sectors == {"龙冈镇": 1, "大冈镇": 1}
    texts = [r["excerpt"] for r in snap["reports"]]
    assert len(texts) == 4 and "作废的不上墙" not in texts
    assert "桥头护栏松动，联系我 138****5678" in texts and "13812345678" not in str(snap)
    assert set(snap["reports"][0]) == {"id", "site", "category", "excerpt", "status", "at"}
    town = wall.snapshot(d.town.id, now=now)
    assert town["counters"]["overdue"] == 1
    assert [s["name"] for s in town["overdue_by_sector"]] == ["黄庄村", "朱沟村"]

    before = wall.fingerprint()
    make_opinion(d.site_b, "received", utcnow())
    db.session.commit()
    assert wall.fingerprint() != before


def test_wall_api_is_staff_only_and_scoped(client: Any, app: Any) -> None:
    d = make_district()
    _resident, token = make_resident()
    assert client.get("/api/v1/evaluation/wall").status_code == 401
    assert client.get("/api/v1/evaluation/wall", headers=bearer(token)).status_code == 403
    town_staff = make_user("dispatcher", unit_id=d.other_town.id)
    login(client, town_staff)
    mine = client.get("/api/v1/evaluation/wall")
    assert mine.status_code == 200 and mine.get_json()["unit"]["name"] == "大冈镇"
    other = client.get(f"/api/v1/evaluation/wall?unit_id={d.town.id}")
    assert other.status_code == 403
    page = client.get("/console/wall")
    assert page.status_code == 200 and "指挥调度中心" in page.get_data(as_text=True)
    page.close()


@pytest.mark.browser
def test_wall_page_updates_live(live_server: Any, new_context: Any, artifacts: Path) -> None:
    district = seed_demo_like()
    from server.sites.models import Site

    sites = db.session.query(Site).order_by(Site.id).all()
    _in_session(sites[0], "黄庄村机耕路修缮协商会", 23, "L1")
    _in_session(sites[4], "佳富村老年食堂选址议事", 17, "L2")
    _in_session(sites[7], "龙港社区电动车充电桩协商", 41, "L3")
    leader = make_user("supervisor", "wall-leader")
    context = new_context(viewport={"width": 1920, "height": 1080})
    try:
        response = context.request.post(f"{live_server.url}/api/v1/auth/login",
                                        data={"username": leader.username,
                                              "password": PASSWORD})
        assert response.ok
        page = context.new_page()
        page.goto(f"{live_server.url}/console/wall")
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#unit").inner_text() == district.name
        assert page.locator("#counters .counter").count() == 9
        assert page.locator("#meetings li").count() == 3
        assert "41" in page.locator("#meetings li", has_text="龙港社区").inner_text()
        assert page.locator("#reports li").count() == 8
        assert page.locator("#overdue li").count() == 3
        page.wait_for_selector("#live.on")
        page.evaluate("window.__noReload = 1")
        page.screenshot(path=str(artifacts / "evaluation-wall.png"))

        updates = int(page.evaluate("document.body.dataset.updates"))
        make_opinion(sites[2], "received", utcnow(), text="新桥村桥头护栏松动，请尽快加固")
        db.session.commit()
        page.wait_for_selector("#reports li.new:has-text('新桥村桥头护栏松动')", timeout=15000)
        assert page.evaluate("window.__noReload") == 1  # the page was not reloaded
        assert int(page.evaluate("document.body.dataset.updates")) > updates
        page.screenshot(path=str(artifacts / "evaluation-wall-updated.png"))
    finally:
        context.close()
