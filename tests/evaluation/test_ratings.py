"""Ratings of answers and of meeting outcomes: one per resident per item, 7 days to change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.common.models import utcnow
from server.dispatch import workflow
from server.dispatch.models import Case
from server.errors import Conflict, Forbidden
from server.evaluation import ratings
from server.evaluation.models import OutcomeRating
from server.extensions import db
from server.intake.models import Opinion, OpinionEvent
from server.meetings.models import Outcome
from tests.dispatch.factories import make_opinion
from tests.factories import bearer, make_district, make_resident, make_user
from tests.meetings.factories import check_in_directly, make_meeting


def _answered(d: Any, resident: Any) -> tuple[Opinion, Any]:
    dispatcher = make_user("dispatcher")
    handler = make_user("handler", department_id=d.department.id)
    o = make_opinion(d.site_a, resident_id=resident.id)
    workflow.assign(o.id, dispatcher, department_id=d.department.id)
    workflow.sign(o.id, handler)
    workflow.answer(o.id, handler, "路灯已修复")
    return o, handler


def _actions(opinion_id: int) -> list[tuple[str, str | None, dict[str, Any]]]:
    db.session.expire_all()
    rows = db.session.query(OpinionEvent).filter_by(opinion_id=opinion_id) \
        .order_by(OpinionEvent.id).all()
    return [(e.action, e.to_state, e.data) for e in rows]


def test_change_within_seven_days_reopens_then_closes_again(app: Any) -> None:
    d = make_district()
    resident, _ = make_resident()
    o, handler = _answered(d, resident)
    t0 = utcnow()
    closed = workflow.rate(o.id, resident, "satisfied", "修得快", now=t0)
    assert closed.state == "closed" and closed.rated_at == t0

    # Day 3: the lamp broke again — 不满意 reopens the closed case for redo.
    reopened = workflow.rate(o.id, resident, "unsatisfied", "又坏了", now=t0 + timedelta(days=3))
    assert reopened.state == "in_progress" and reopened.rating == "unsatisfied"
    assert reopened.rated_at == t0  # the window still starts at the first rating
    assert db.session.get(Case, o.id).redo_count == 1

    # Day 6: changed their mind again before the handler answered: the redo is withdrawn.
    back = workflow.rate(o.id, resident, "basically", None, now=t0 + timedelta(days=6))
    assert back.state == "closed" and back.rating == "basically"

    # Day 7 exactly: fixed, with a clear message and the time it was fixed.
    with pytest.raises(Conflict) as fixed:
        workflow.rate(o.id, resident, "unsatisfied", None, now=t0 + timedelta(days=7))
    assert fixed.value.code == "rating_fixed" and "7 天" in fixed.value.message
    steps = _actions(o.id)
    rates = [(a, data.get("rating"), data.get("previous")) for a, _s, data in steps
             if a == "rate"]
    assert rates == [("rate", "satisfied", None), ("rate", "unsatisfied", "satisfied"),
                     ("rate", "basically", "unsatisfied")]
    assert [a for a, _s, _d in steps][-7:] == ["answer", "rate", "close", "rate", "redo",
                                                "rate", "close"]
    assert db.session.get(Opinion, o.id).rating == "basically"


def test_new_answer_after_redo_is_a_new_item_with_a_new_window(app: Any) -> None:
    d = make_district()
    resident, _ = make_resident()
    o, handler = _answered(d, resident)
    t0 = utcnow()
    workflow.rate(o.id, resident, "unsatisfied", "没修", now=t0)
    workflow.answer(o.id, handler, "第二次：已更换灯头")
    fresh = db.session.get(Opinion, o.id)
    # The 不满意 stands (the figures read it) until the new answer is rated: a new window.
    assert fresh.rating == "unsatisfied" and fresh.rated_at is None
    later = t0 + timedelta(days=10)
    rated = workflow.rate(o.id, resident, "satisfied", None, now=later)
    assert rated.state == "closed" and rated.rated_at == later
    # A same-class change (满意 → 基本满意) keeps the case closed.
    again = workflow.rate(o.id, resident, "basically", "还行", now=later + timedelta(days=1))
    assert again.state == "closed" and again.rating_comment == "还行"
    assert db.session.get(Case, o.id).redo_count == 1


def test_rating_change_through_the_resident_endpoint(client: Any, app: Any) -> None:
    d = make_district()
    resident, token = make_resident()
    o, _handler = _answered(d, resident)
    url = f"/api/v1/intake/my/opinions/{o.tracking_no}/rating"
    assert client.post(url, json={"rating": "satisfied"}, headers=bearer(token)).status_code \
        == 200
    changed = client.post(url, json={"rating": "unsatisfied", "comment": "其实没修好"},
                          headers=bearer(token))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["rating"] == "unsatisfied"
    assert db.session.get(Opinion, o.id).state == "in_progress"
    # Push the first rating 8 days back: now it is fixed.
    row = db.session.get(Opinion, o.id)
    row.rated_at = utcnow() - timedelta(days=8)
    db.session.commit()
    late = client.post(url, json={"rating": "satisfied"}, headers=bearer(token))
    assert late.status_code == 409 and late.get_json()["code"] == "rating_fixed"
    assert "不能再修改" in late.get_json()["message"]


def _outcome(d: Any, status: str = "closed") -> tuple[Any, Outcome]:
    meeting = make_meeting(d.site_a, status=status)
    outcome = Outcome(meeting_id=meeting.id, text="先修东西向农路，年底前完工")
    db.session.add(outcome)
    db.session.commit()
    return meeting, outcome


def test_outcome_rating_is_one_per_resident_and_fixed_after_seven_days(app: Any) -> None:
    d = make_district()
    meeting, outcome = _outcome(d)
    resident, _ = make_resident()
    outsider, _ = make_resident()
    check_in_directly(meeting, resident.id)
    with pytest.raises(Forbidden) as refused:
        ratings.rate_outcome(outsider, outcome.id, "satisfied", None)
    assert refused.value.code == "not_attended"

    t0 = utcnow()
    first = ratings.rate_outcome(resident, outcome.id, "satisfied", "好", now=t0)
    assert first["rating_name"] == "满意" and first["changeable"] is True
    second = ratings.rate_outcome(resident, outcome.id, "unsatisfied", "进度太慢",
                                  now=t0 + timedelta(days=6, hours=23))
    assert second["rating"] == "unsatisfied" and second["rated_at"] == t0
    rows = db.session.query(OutcomeRating).all()
    assert len(rows) == 1 and rows[0].unit_id == d.site_a.unit_id
    assert [h["rating"] for h in rows[0].history] == ["satisfied"]
    with pytest.raises(Conflict) as fixed:
        ratings.rate_outcome(resident, outcome.id, "satisfied", None, now=t0 + timedelta(days=7))
    assert fixed.value.code == "rating_fixed"
    mine = ratings.my_outcome_rating(resident, outcome.id, now=t0 + timedelta(days=8))
    assert mine["rating"] == "unsatisfied" and mine["changeable"] is False


def test_outcome_rating_endpoint(client: Any, app: Any) -> None:
    d = make_district()
    meeting, outcome = _outcome(d)
    _draft, not_held = _outcome(d, status="published")
    resident, token = make_resident()
    check_in_directly(meeting, resident.id)
    url = f"/api/v1/evaluation/outcomes/{outcome.id}/rating"
    assert client.get(url, headers=bearer(token)).get_json()["rating"] is None
    put = client.put(url, json={"rating": "basically", "comment": "基本同意"},
                     headers=bearer(token))
    assert put.status_code == 200, put.get_json()
    assert client.put(url, json={"rating": "great"}, headers=bearer(token)).status_code == 422
    assert client.put(url, json={"rating": "satisfied"}).status_code == 401
    early = client.put(f"/api/v1/evaluation/outcomes/{not_held.id}/rating",
                       json={"rating": "satisfied"}, headers=bearer(token))
    assert early.status_code == 409 and early.get_json()["code"] == "meeting_not_held"
    assert client.get(url, headers=bearer(token)).get_json()["rating_name"] == "基本满意"
    assert client.get("/api/v1/evaluation/outcomes/99999/rating",
                      headers=bearer(token)).status_code == 404


def test_rate_events_carry_the_unit_and_count_raters_by_it(app: Any) -> None:
    """The workflow copies the opinion's unit onto its rate event (0015); a rate event
    added through the ORM without it gets it on insert; raters count by it."""
    from datetime import date

    from server.common.text import SHANGHAI
    from server.evaluation.dashboard import dashboard, unit_figures
    from server.evaluation.periods import Period

    d = make_district()
    by_workflow, _ = make_resident()
    o, _handler = _answered(d, by_workflow)
    later = utcnow() + timedelta(days=3)  # rated in a period where nobody reported
    workflow.rate(o.id, by_workflow, "satisfied", None, now=later)
    event = db.session.scalars(select(OpinionEvent).where(
        OpinionEvent.opinion_id == o.id, OpinionEvent.action == "rate")).one()
    assert event.unit_id == d.village_a.id
    others = db.session.scalars(select(OpinionEvent.unit_id).where(
        OpinionEvent.opinion_id == o.id, OpinionEvent.action != "rate")).all()
    assert others and set(others) == {None}  # only rate events carry it

    without_unit, _ = make_resident()
    older = make_opinion(d.site_c, resident_id=without_unit.id)
    db.session.add(OpinionEvent(opinion_id=older.id, at=later, action="rate",
                                actor_kind="resident", actor_resident_id=without_unit.id,
                                to_state="answered", data={"rating": "satisfied"}))
    db.session.commit()
    assert db.session.scalars(select(OpinionEvent.unit_id).where(
        OpinionEvent.opinion_id == older.id, OpinionEvent.action == "rate")).one() \
        == d.village_c.id

    day: date = later.astimezone(SHANGHAI).date()
    period = Period(day, day + timedelta(days=1))
    district = dashboard(d.district.id, period, visitors=0)
    assert district["figures"]["participants"] == 2
    towns = {row["unit"]["name"]: row["participants"] for row in district["children"]}
    assert towns == {"龙冈镇": 1, "大冈镇": 1}
    for unit in (d.village_a, d.town):
        assert unit_figures(unit.id, period, visitors=0)["participants"] == 1
    assert unit_figures(d.village_c.id, period, visitors=0)["participants"] == 1
    assert unit_figures(d.village_b.id, period, visitors=0)["participants"] == 0
