"""Satisfaction and participation including outcome ratings, on data worked out by hand.

Period: March 2025. Cases: one closed 满意 at 黄庄村 (r1), one 不满意 under redo at 新丰村 (r2).
Outcome ratings: the 黄庄村 meeting of 10 March — r3 满意 (March), r1 基本满意 (March),
r4 不满意 (rated 2 April: in March's satisfaction, the meeting was in March, but not in
March's participation); the 新丰村 meeting of 20 February — r5 满意, rated 2 March (in
participation, not in satisfaction).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from server.evaluation.dashboard import dashboard, unit_figures
from server.evaluation.models import OutcomeRating
from server.evaluation.periods import Period
from server.extensions import db
from server.meetings.models import Meeting, Outcome
from tests.evaluation.conftest import MARCH, NOW
from tests.evaluation.factories import local, make_opinion, rate_event
from tests.factories import make_district, make_resident


def _rated_outcome(site: Any, starts: Any, code: str, rows: list[tuple[Any, str, Any]]) -> None:
    meeting = Meeting(code=code, site_id=site.id, title="协商会", starts_at=starts,
                      status="closed")
    db.session.add(meeting)
    db.session.flush()
    outcome = Outcome(meeting_id=meeting.id, text="达成一致")
    db.session.add(outcome)
    db.session.flush()
    for resident, rating, at in rows:
        db.session.add(OutcomeRating(outcome_id=outcome.id, meeting_id=meeting.id,
                                     unit_id=site.unit_id, resident_id=resident.id,
                                     rating=rating, rated_at=at, updated_at=at, history=[]))


def test_outcome_ratings_in_satisfaction_and_participation(app: Any) -> None:
    d = make_district()
    d.district.population = 1000
    r = {i: make_resident()[0] for i in range(1, 6)}
    make_opinion(d.site_a, "closed", local("2025-03-05"), rating="satisfied",
                 answered=local("2025-03-06"), resident=r[1],
                 events=[rate_event(r[1], local("2025-03-07"), "satisfied")])
    make_opinion(d.site_c, "in_progress", local("2025-03-06"), rating="unsatisfied",
                 answered=local("2025-03-07"), resident=r[2],
                 events=[rate_event(r[2], local("2025-03-08"), "unsatisfied")])
    _rated_outcome(d.site_a, local("2025-03-10", "14:00"), "M1",
                   [(r[3], "satisfied", local("2025-03-11")),
                    (r[1], "basically", local("2025-03-12")),
                    (r[4], "unsatisfied", local("2025-04-02"))])
    _rated_outcome(d.site_c, local("2025-02-20", "14:00"), "M2",
                   [(r[5], "satisfied", local("2025-03-02"))])
    db.session.commit()

    result = dashboard(d.district.id, MARCH, visitors=0, now=NOW)
    f = result["figures"]
    assert (f["rated"], f["satisfied"]) == (2, 1)
    assert (f["outcome_rated"], f["outcome_satisfied"]) == (3, 2)
    assert f["satisfaction"] == 0.6          # (1 + 2) / (2 + 3)
    assert f["participants"] == 4            # r1, r2, r3, r5 (r4 rated in April)
    assert f["participation"] == 0.004       # 4 / 1000
    towns = {c["unit"]["name"]: c for c in result["children"]}
    assert towns["龙冈镇"]["satisfaction"] == 0.75   # (1 + 2) / (1 + 3)
    assert towns["龙冈镇"]["participants"] == 2      # r1, r3
    assert towns["大冈镇"]["satisfaction"] == 0.0    # 0 / 1: r5's meeting was in February
    assert towns["大冈镇"]["participants"] == 2      # r2, r5
    april = Period(date(2025, 4, 1), date(2025, 5, 1))
    later = unit_figures(d.district.id, april, visitors=0, now=NOW)
    assert later["outcome_rated"] == 0 and later["participants"] == 1  # r4
    assert "协商成果" in result["definitions"]["satisfaction"]["formula"]
