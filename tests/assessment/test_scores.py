"""Scores on constructed data (tests/assessment/conftest.py), every number worked by hand.

Period: the year 2025 (365 days). Default weights — departments: 按时签收 20, 按时答复 30,
解决率 25, 满意率 25; 重办 −2 per redo (cap 20), 督办 −5 per order (cap 20). Sites: 活动 30,
答复率 20, 解决率 25, 满意率 25; demo sites must hold 4 a year, other sites 2.
Rates are rounded to 4 places before weighting (as the API returns them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from server.assessment import services
from server.errors import ValidationFailed
from server.evaluation.periods import Period
from tests.factories import make_user

YEAR_2025 = Period(date(2025, 1, 1), date(2026, 1, 1))


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


def rates(row: dict[str, Any]) -> dict[str, float | None]:
    return {c["key"]: c["rate"] for c in row["components"]}


def test_department_scores_by_hand(world: Any) -> None:
    rows = by_name(services.department_scores(YEAR_2025))
    a = rows["交通运输局"]
    assert a["facts"] == {
        "cases": 6,               # c1…c6, all in working states (c7 is 住建局's now)
        "signs": 6, "late_signs": 2,  # c1-c4, c6 and c7's first sign; c3 and c7 late
        "unsigned_overdue": 1,        # c5 never signed
        "answers": 6, "late_answers": 3, "unanswered_overdue": 2,  # c2, c3, c6 late; c4, c5
        "resolved": 2, "rated": 3, "good": 2,
        "redo": 3,                # redo events: c2 once, c6 twice
        "orders": 0,
    }
    assert rates(a) == {
        "sign_ontime": 0.5714,    # (6 − 2) ÷ (6 + 1) = 4/7
        "answer_ontime": 0.375,   # (6 − 3) ÷ (6 + 2) = 3/8
        "resolution": 0.3333,     # 2 ÷ 6 (c1, c2 closed)
        "satisfaction": 0.6667,   # 2 ÷ 3 (c1, c2 满意; c6 不满意)
    }
    # base = 20×0.5714 + 30×0.375 + 25×0.3333 + 25×0.6667
    #      = 11.428 + 11.25 + 8.3325 + 16.6675 = 47.678   (weights sum to 100)
    assert a["base"] == 47.68
    # penalty: 3 redos × 2 = 6 (under the cap of 20); 0 orders
    assert a["penalties"] == [{"key": "redo", "name": "重办", "count": 3, "points": 6.0},
                              {"key": "order", "name": "督办", "count": 0, "points": 0.0}]
    assert a["score"] == 41.7     # 47.678 − 6 = 41.678
    assert [c["share"] for c in a["components"]] == [0.2, 0.3, 0.25, 0.25]

    b = rows["民政局"]
    assert rates(b) == {"sign_ontime": 1.0, "answer_ontime": 1.0, "resolution": 1.0,
                        "satisfaction": 1.0}
    assert b["score"] == 100.0

    # 农业农村局: nothing rated → 满意率 "—"; weights renormalise over 20 + 30 + 25 = 75:
    # 100 × (20×1 + 30×1 + 25×0) ÷ 75 = 66.67
    d = rows["农业农村局"]
    assert rates(d) == {"sign_ontime": 1.0, "answer_ontime": 1.0, "resolution": 0.0,
                        "satisfaction": None}
    assert [c["share"] for c in d["components"]] == [0.2667, 0.4, 0.3333, None]
    assert d["score"] == 66.7

    # 住建局 took over c7 after A's late sign and returned it: its own sign and answer were on
    # time → the same 66.7 as 农业农村局 (a tie: both rank 2).
    e = rows["住建局"]
    assert (e["facts"]["signs"], e["facts"]["late_signs"], e["facts"]["cases"]) == (1, 0, 1)
    assert e["score"] == 66.7

    # 水务局: no case at all → no component, no score (not 0, not 100).
    c = rows["水务局"]
    assert all(v is None for v in rates(c).values())
    assert c["score"] is None and c["rank"] is None

    ranking = [(r["name"], r["rank"]) for r in services.department_scores(YEAR_2025)]
    assert ranking == [("民政局", 1), ("住建局", 2), ("农业农村局", 2), ("交通运输局", 4),
                       ("水务局", None)]


def test_changing_weights_changes_the_ranking(world: Any, client: Any) -> None:
    admin = make_user("admin")
    # Only 解决率 counts: 交通运输局 100 × 0.3333 − 6 = 27.33 → 27.3; 住建局, 农业农村局 0.
    admin_result = services.update_settings(admin, {
        "department.sign_ontime": 0, "department.answer_ontime": 0,
        "department.resolution": 100, "department.satisfaction": 0})
    assert {s["key"]: s["value"] for s in admin_result["settings"]}["department.resolution"] \
        == 100
    rows = services.department_scores(YEAR_2025)
    assert [(r["name"], r["score"]) for r in rows] == [
        ("民政局", 100.0), ("交通运输局", 27.3), ("住建局", 0.0), ("农业农村局", 0.0),
        ("水务局", None)]
    # Heavier redo penalty: 3 × 10 = 30, capped at 20 → 33.33 − 20 = 13.33 → 13.3.
    services.update_settings(admin, {"department.redo_points": 10})
    a = by_name(services.department_scores(YEAR_2025))["交通运输局"]
    assert a["penalties"][0]["points"] == 20.0 and a["score"] == 13.3


def test_weights_are_validated_and_admin_only(world: Any) -> None:
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as bad:
        services.update_settings(admin, {"department.resolution": 150, "nope": 1})
    assert set(bad.value.errors) == {"department.resolution", "nope"}
    with pytest.raises(ValidationFailed) as none_left:
        services.update_settings(admin, {f"site.{k}": 0 for k in
                                         ("activities", "answered", "resolution",
                                          "satisfaction")})
    assert "site.weights" in none_left.value.errors


def test_site_scores_by_hand(world: Any) -> None:
    rows = by_name(services.site_scores(YEAR_2025))
    a = rows[world.d.site_a.name]   # demo site: 4 a year required
    assert a["facts"] == {"activities": 3, "required_activities": 4.0, "accepted": 6,
                          "answered": 4, "resolved": 2, "rated": 3, "good": 2, "orders": 0}
    assert rates(a) == {
        "activities": 0.75,       # 3 held (2 closed + 1 in session) ÷ 4
        "answered": 0.6667,       # 4 ÷ 6 (c1, c2, c3, c6 answered)
        "resolution": 0.3333,     # 2 ÷ 6
        "satisfaction": 0.6667,   # 2 ÷ 3
    }
    # 30×0.75 + 20×0.6667 + 25×0.3333 + 25×0.6667 = 22.5 + 13.334 + 8.3325 + 16.6675 = 60.834
    assert a["score"] == 60.8

    b = rows[world.d.site_b.name]   # ordinary site: 2 a year required
    # three reports (民政局's, 农业农村局's, c7), all answered, one solved, one rated 基本满意
    assert rates(b) == {"activities": 0.5, "answered": 1.0, "resolution": 0.3333,
                        "satisfaction": 1.0}
    # 30×0.5 + 20×1 + 25×0.3333 + 25×1 = 15 + 20 + 8.3325 + 25 = 68.3325
    assert b["score"] == 68.3

    c = rows[world.d.site_c.name]   # no reports, no meetings: only 活动 0 ÷ 2 has data
    assert rates(c) == {"activities": 0.0, "answered": None, "resolution": None,
                        "satisfaction": None}
    assert c["score"] == 0.0
    assert [r["name"] for r in services.site_scores(YEAR_2025)][:2] == [
        world.d.site_b.name, world.d.site_a.name]


def test_sites_without_any_data_have_no_score(world: Any) -> None:
    settings = {**services.current_settings(), "site.activities_per_year": 0}
    c = by_name(services.site_scores(YEAR_2025, settings=settings))[world.d.site_c.name]
    assert c["score"] is None and c["rank"] is None
    assert all(v is None for v in rates(c).values())


def test_quarter_prorates_the_activity_target(world: Any) -> None:
    period, label = services.period_for({"year": 2025, "quarter": 2})
    assert (period.start, period.end, label) == (date(2025, 4, 1), date(2025, 7, 1),
                                                 "2025年第2季度")
    a = by_name(services.site_scores(period))[world.d.site_a.name]
    # Q2 has 91 days: 4 × 91 ÷ 365 = 0.997 required; 1 held (10 May) → min(1, 1.003) = 1
    assert a["facts"]["required_activities"] == 1.0 and a["facts"]["activities"] == 1
    assert rates(a)["activities"] == 1.0
    # No Q2 report at site A → those components are "—"
    assert rates(a)["answered"] is None
    assert a["score"] == 100.0
    month, month_label = services.period_for({"year": 2025, "month": 3})
    assert (month.start, month.end, month_label) == (date(2025, 3, 1), date(2025, 4, 1),
                                                     "2025年3月")
    with pytest.raises(ValidationFailed):
        services.period_for({"year": 2025, "quarter": 1, "month": 2})


def test_demo_site_shortfall(world: Any) -> None:
    mid = services.demo_shortfall(2025, today=date(2025, 7, 1))
    # 1 July is day 182 of 365: floor(4 × 182 ÷ 365) = floor(1.99) = 1 expected by now
    assert mid["expected_to_date"] == 1 and mid["required"] == 4
    rows = {r["name"]: r for r in mid["sites"]}
    a, d = rows[world.d.site_a.name], rows["新丰村示范点"]
    assert (a["held"], a["short"], a["status"]) == (3, 1, "on_track")
    assert (d["held"], d["short"], d["status"]) == (0, 4, "behind")
    assert world.d.site_b.name not in rows          # not a demo site
    late = services.demo_shortfall(2025, today=date(2026, 1, 15))
    assert {r["name"]: r["status_name"] for r in late["sites"]} == {
        world.d.site_a.name: "未达标", "新丰村示范点": "未达标"}


def test_supervision_orders_are_a_penalty(world: Any) -> None:
    from server.extensions import db
    from server.supervision.models import SupervisionOrder

    admin = make_user("admin")

    def order(day: str, **target: Any) -> None:
        at = datetime.fromisoformat(f"{day}T10:00:00+08:00")
        kind = target.pop("kind", "department" if "site_id" not in target else "case")
        db.session.add(SupervisionOrder(
            target_kind=kind, demand="请加快办理",
            issued_by_id=admin.id, issued_at=at, due_set_at=at, due_at=at + timedelta(days=5),
            status="issued", escalations=0, **target))

    order("2025-04-01", department_id=world.dept_a.id)
    order("2025-06-01", department_id=world.dept_a.id, site_id=world.d.site_a.id)
    order("2024-12-31", department_id=world.dept_a.id)  # another year: not counted
    order("2025-07-01", kind="site", site_id=world.d.site_b.id)
    db.session.commit()
    assert services.orders_received("department", YEAR_2025) == {world.dept_a.id: 2}
    # A site answers only for orders on itself: the order on a case reported at site A
    # counts against the department that held the case, not against site A.
    assert services.orders_received("site", YEAR_2025) == {world.d.site_b.id: 1}
    a = by_name(services.department_scores(YEAR_2025))["交通运输局"]
    assert a["facts"]["orders"] == 2
    # penalties: 3 redos × 2 = 6, 2 orders × 5 = 10; 47.678 − 16 = 31.678
    assert a["score"] == 31.7
