"""What "我的反映" says about a rating: changeable for 7 days after the first one, then fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.intake.models import Opinion
from server.intake.resident import my_report, my_reports, rate_report
from tests.factories import bearer, make_district, make_resident
from tests.intake.factories import answer_via_dispatch, categories, report

T0 = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def _answered(client, db):
    d = make_district()
    cats = categories()
    resident, token = make_resident()
    number = report(client, token, d.site_a.code, cats["道路交通"]).get_json()["tracking_no"]
    answer_via_dispatch(d, number)
    return resident, token, number


def test_rating_window_fields_over_seven_days(client, db):
    resident, _token, number = _answered(client, db)
    before = my_report(resident, number, now=T0)
    assert before["can_rate"] is True and before["rating"] is None
    assert before["rated_at"] is None and before["rating_changeable_until"] is None
    assert before["rating_fixed"] is False

    rated = rate_report(resident, number, "satisfied", "修得快", now=T0)
    assert rated["status"] == "已办结" and rated["rating_name"] == "满意"
    assert rated["can_rate"] is True and rated["rating_fixed"] is False
    assert rated["rated_at"] == "2026-11-28 10:30"
    assert rated["rating_changeable_until"] == "2026-12-05 10:30"

    # Day 3: changed to 不满意 — back for redo, still changeable until the same moment.
    changed = rate_report(resident, number, "unsatisfied", "又坏了",
                                   now=T0 + timedelta(days=3))
    assert changed["state"] == "in_progress" and changed["rating"] == "unsatisfied"
    assert changed["can_rate"] is True
    assert changed["rated_at"] == "2026-11-28 10:30"
    assert changed["rating_changeable_until"] == "2026-12-05 10:30"

    # One minute before the end it may still change; at 7 days exactly it is fixed.
    last = my_report(resident, number, now=T0 + timedelta(days=7, minutes=-1))
    assert last["can_rate"] is True and last["rating_fixed"] is False
    fixed = my_report(resident, number, now=T0 + timedelta(days=7))
    assert fixed["can_rate"] is False and fixed["rating_fixed"] is True
    assert fixed["rating"] == "unsatisfied" and fixed["rating_name"] == "不满意"
    listed = my_reports(resident, now=T0 + timedelta(days=7))
    assert listed[0]["tracking_no"] == number and listed[0]["rating_fixed"] is True


def test_rating_change_over_the_api_and_a_new_answer_opens_a_new_window(client, db):
    d = make_district()
    cats = categories()
    _resident, token = make_resident()
    number = report(client, token, d.site_a.code, cats["道路交通"]).get_json()["tracking_no"]
    _dispatcher, handler = answer_via_dispatch(d, number)
    url = f"/api/v1/intake/my/opinions/{number}"
    first = client.post(f"{url}/rating", json={"rating": "satisfied"}, headers=bearer(token))
    assert first.status_code == 200, first.get_json()
    changed = client.post(f"{url}/rating", json={"rating": "unsatisfied", "comment": "又坏了"},
                          headers=bearer(token)).get_json()
    assert changed["rating"] == "unsatisfied" and changed["can_rate"] is True
    assert changed["rated_at"] == first.get_json()["rated_at"]
    listed = client.get("/api/v1/intake/my/opinions", headers=bearer(token)).get_json()
    assert listed[0]["can_rate"] is True and listed[0]["rating"] == "unsatisfied"

    # The handler answers again: a new answer, not yet rated, no deadline yet.
    from server.dispatch import workflow

    opinion = db.session.query(Opinion).filter_by(tracking_no=number).one()
    workflow.answer(opinion.id, handler, "第二次：已更换灯头")
    again = client.get(url, headers=bearer(token)).get_json()
    assert again["can_rate"] is True and again["rating"] is None
    assert again["rated_at"] is None and again["rating_changeable_until"] is None

    # Rated 8 days ago: fixed, and the API refuses a change.
    client.post(f"{url}/rating", json={"rating": "basically"}, headers=bearer(token))
    opinion = db.session.query(Opinion).filter_by(tracking_no=number).one()
    opinion.rated_at = opinion.rated_at - timedelta(days=8)
    db.session.commit()
    done = client.get(url, headers=bearer(token)).get_json()
    assert done["can_rate"] is False and done["rating_fixed"] is True
    late = client.post(f"{url}/rating", json={"rating": "satisfied"}, headers=bearer(token))
    assert late.status_code == 409 and late.get_json()["code"] == "rating_fixed"
