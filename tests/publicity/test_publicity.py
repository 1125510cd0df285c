"""The public outcomes page: where each outcome went, and the year's figures = the dashboard's."""

from __future__ import annotations

from datetime import date, timedelta

from server.common.models import utcnow
from server.dispatch import workflow
from server.extensions import db
from server.intake.models import Opinion
from server.intake.tracking import allocate_tracking_no
from server.meetings import services as meetings
from tests.review.factories import closed_meeting, make_world, review, staff


def report(w, site, text: str) -> Opinion:
    opinion = Opinion(tracking_no=allocate_tracking_no(), site_id=site.id, unit_id=site.unit_id,
                      text=text, state="received", created_at=utcnow())
    db.session.add(opinion)
    db.session.flush()
    workflow.record_submission(opinion, resident_id=None, entered_by_id=None)
    return opinion


def test_year_figures_on_the_publicity_page_equal_the_dashboards(client) -> None:
    w = make_world()
    _m, (road, lamp) = closed_meeting(w, ["农路年底前完成硬化", "路灯先装 12 盏"])
    closed_meeting(w, ["新丰村垃圾分类亭选址"], title="新丰村人居环境协商会", site=w.d.site_c)
    assert review(client, w, [{"outcome_id": road.id, "decision": "adopt"},
                              {"outcome_id": lamp.id, "decision": "briefing"}]).status_code == 201
    meetings.give_feedback(w.secretary, lamp.id, "镇里已安排资金")
    case_id = db.session.get(type(road), road.id).case_opinion_id
    workflow.assign(case_id, w.dispatcher, department_id=w.lead_dept.id,
                    assisting_department_ids=[w.co_dept.id])
    workflow.sign(case_id, w.handler)
    workflow.answer(case_id, w.handler, "已硬化 3 公里")
    fixed = report(w, w.d.site_a, "桥头护栏缺失")
    report(w, w.d.site_a, "排水沟堵塞")
    fixed.state = "closed"  # data for the figures: one report solved (rated and closed)
    db.session.commit()
    report(w, w.d.site_c, "新丰村路面破损")

    page = client.get(f"/api/v1/public/sites/{w.d.site_a.code}/outcomes")
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    shown = {o["outcome_id"]: o for o in body["outcomes"]}
    assert shown[road.id]["where"]["decision_name"] == "采纳转办"
    assert shown[road.id]["departments"] == ["交通运输局", "农业农村局"]
    assert shown[road.id]["after"] == "已硬化 3 公里"
    assert shown[lamp.id]["where"]["text"] == "作为社情民意信息报送区委、区政府"
    assert shown[lamp.id]["after"] == "镇里已安排资金"

    checked = 0
    for unit, url in ((w.d.village_a, f"/api/v1/public/sites/{w.d.site_a.code}/outcomes"),
                      (w.d.town, f"/api/v1/public/units/{w.d.town.code}/outcomes"),
                      (w.d.district, f"/api/v1/public/units/{w.d.district.code}/outcomes")):
        figures = client.get(url).get_json()["figures"]
        last = date.fromisoformat(figures["end"]) - timedelta(days=1)
        dash = client.get(f"/api/v1/evaluation/dashboard?unit_id={unit.id}"
                          f"&start={figures['start']}&end={last.isoformat()}",
                          headers=staff(w.secretary))
        assert dash.status_code == 200, dash.get_json()
        expected = dash.get_json()["figures"]
        assert (figures["activities"], figures["collected"], figures["solved"]) == (
            expected["activities"], expected["collected"], expected["solved"]), unit.name
        checked += 1
    district = client.get(f"/api/v1/public/units/{w.d.district.code}/outcomes").get_json()
    # Not a vacuous equality: two meetings, four reports (one from the outcome), one solved.
    assert (district["figures"]["activities"], district["figures"]["collected"],
            district["figures"]["solved"]) == (2, 4, 1)
    assert len(district["outcomes"]) == 3 and checked == 3
    town = client.get(f"/api/v1/public/units/{w.d.town.code}/outcomes").get_json()
    assert {o["outcome_id"] for o in town["outcomes"]} == {road.id, lamp.id}


def test_publicity_page_is_public_html_and_unknown_codes_are_404(client) -> None:
    w = make_world()
    page = client.get(f"/outcomes/s/{w.d.site_a.code}")
    assert page.status_code == 200 and "协商成果" in page.get_data(as_text=True)
    page.close()
    missing = client.get("/api/v1/public/sites/NOPE/outcomes")
    assert missing.status_code == 404 and missing.get_json()["message"] == "找不到该点位"
    future = client.get(f"/api/v1/public/units/{w.d.town.code}/outcomes?year=2099")
    assert future.status_code == 422
